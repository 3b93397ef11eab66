import Foundation

/// Which engine's artifacts a serving run leaves behind.
enum EngineKind { case vllmV1, vllmV0, sglangNew, sglangOld }

/// Renders a finished `ServingSim` into the files a deployment leaves: Prometheus scrapes,
/// engine logs, request logs.
struct ServingWriter {
    let sim: ServingSim
    let kind: EngineKind
    let model: String
    let modelPath: String
    let start: Clock
    let version: String
    var rng: SeededRNG

    // MARK: Prometheus

    private func labels(_ r: Int, _ extra: [(String, String)] = []) -> String {
        var ls: [(String, String)]
        switch kind {
        case .vllmV1: ls = [("engine", "\(sim.engine.replicas > 1 ? 0 : r)"), ("model_name", model)]
        case .vllmV0: ls = [("model_name", model)]
        case .sglangNew, .sglangOld: ls = [("model_name", model)]
        }
        ls += extra
        ls.sort { $0.0 < $1.0 }
        return "{" + ls.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    /// Go-style float like prometheus_client's `floatToGoString`.
    static func prom(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let s = pyFloat(v)
        if v > 0, let dotIdx = s.firstIndex(of: ".") {
            let dot = s.distance(from: s.startIndex, to: dotIdx)
            if dot > 6 {
                let digits = s.replacingOccurrences(of: ".", with: "")
                var mant = String(digits.prefix(1)) + "." + String(digits.dropFirst())
                while mant.hasSuffix("0") || mant.hasSuffix(".") { mant.removeLast() }
                return "\(mant)e+0\(dot - 1)"
            }
        }
        return s
    }

    /// One scrape of replica `r` at second `t` (cumulative to `t`); `stampMS` appends sample timestamps.
    func scrape(replica r: Int, at t: Int, stampMS: Int? = nil) -> String {
        var q = 0, h = 0, bq = 0, bh = 0, pt = 0, gt = 0, pre = 0, fin = 0
        let ticks = sim.ticks[r]
        for k in 0...min(t, ticks.count - 1) {
            let x = ticks[k]
            q += x.queries; h += x.hits; bq += x.blockQueries; bh += x.blockHits
            pt += x.promptTokens; gt += x.genTokens; pre += x.preemptions; fin += x.finished
        }
        let now = ticks[min(t, ticks.count - 1)]
        let ts = stampMS.map { " \($0)" } ?? ""
        let created = (start.epoch + 31.0 + Double(r) * 0.7 + 0.162803)
        var o = ""
        func fam(_ name: String, _ help: String, _ type: String, _ samples: [(String, String, Double)]) {
            o += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (n, l, v) in samples { o += "\(n)\(l) \(Self.prom(v))\(ts)\n" }
        }
        let L = labels(r)
        switch kind {
        case .vllmV1:
            fam("vllm:num_requests_running", "Number of requests in model execution batches.", "gauge", [("vllm:num_requests_running", L, Double(now.running))])
            fam("vllm:num_requests_waiting", "Number of requests waiting to be processed.", "gauge", [("vllm:num_requests_waiting", L, Double(now.waiting))])
            fam("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", "gauge", [("vllm:kv_cache_usage_perc", L, (now.usage * 10000).rounded() / 10000)])
            fam("vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", "counter",
                [("vllm:prefix_cache_queries_total", L, Double(q)), ("vllm:prefix_cache_queries_created", L, created)])
            fam("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", "counter",
                [("vllm:prefix_cache_hits_total", L, Double(h)), ("vllm:prefix_cache_hits_created", L, created)])
            fam("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", "counter",
                [("vllm:num_preemptions_total", L, Double(pre)), ("vllm:num_preemptions_created", L, created)])
            fam("vllm:prompt_tokens_total", "Number of prefill tokens processed.", "counter",
                [("vllm:prompt_tokens_total", L, Double(pt)), ("vllm:prompt_tokens_created", L, created)])
            fam("vllm:generation_tokens_total", "Number of generation tokens processed.", "counter",
                [("vllm:generation_tokens_total", L, Double(gt)), ("vllm:generation_tokens_created", L, created)])
            fam("vllm:request_success_total", "Count of successfully processed requests.", "counter",
                [("vllm:request_success_total", labels(r, [("finished_reason", "stop")]), Double(fin)),
                 ("vllm:request_success_created", labels(r, [("finished_reason", "stop")]), created)])
        case .vllmV0:
            let rate = sim.engine.caching ? (bq == 0 ? 0 : Double(bh) / Double(bq)) : -1
            fam("vllm:num_requests_running", "Number of requests currently running on GPU.", "gauge", [("vllm:num_requests_running", L, Double(now.running))])
            fam("vllm:num_requests_waiting", "Number of requests waiting to be processed.", "gauge", [("vllm:num_requests_waiting", L, Double(now.waiting))])
            fam("vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.", "gauge", [("vllm:gpu_cache_usage_perc", L, (now.usage * 10000).rounded() / 10000)])
            fam("vllm:gpu_prefix_cache_hit_rate", "GPU prefix cache block hit rate.", "gauge", [("vllm:gpu_prefix_cache_hit_rate", L, rate)])
            fam("vllm:cpu_prefix_cache_hit_rate", "CPU prefix cache block hit rate.", "gauge", [("vllm:cpu_prefix_cache_hit_rate", L, sim.engine.caching ? 0 : -1)])
            fam("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", "counter", [("vllm:num_preemptions_total", L, Double(pre))])
            fam("vllm:prompt_tokens_total", "Number of prefill tokens processed.", "counter", [("vllm:prompt_tokens_total", L, Double(pt))])
            fam("vllm:generation_tokens_total", "Number of generation tokens processed.", "counter", [("vllm:generation_tokens_total", L, Double(gt))])
        case .sglangNew, .sglangOld:
            let win = max(0, t - 4)...t
            var wq = 0, wh = 0
            for k in win where k < ticks.count { wq += ticks[k].queries; wh += ticks[k].hits }
            let last = wq == 0 ? 0 : (Double(wh) / Double(wq) * 10000).rounded() / 10000
            fam("sglang:num_running_reqs", "The number of running requests.", "gauge", [("sglang:num_running_reqs", L, Double(now.running))])
            fam("sglang:num_queue_reqs", "The number of requests in the waiting queue.", "gauge", [("sglang:num_queue_reqs", L, Double(now.waiting))])
            fam("sglang:token_usage", "The token usage.", "gauge", [("sglang:token_usage", L, (now.usage * 100).rounded() / 100)])
            fam("sglang:cache_hit_rate", "The prefix cache hit rate.", "gauge", [("sglang:cache_hit_rate", L, last)])
            fam("sglang:prompt_tokens_total", "Number of prefill tokens processed.", "counter", [("sglang:prompt_tokens_total", L, Double(pt))])
            fam("sglang:cached_tokens_total", "Number of cached prompt tokens.", "counter", [("sglang:cached_tokens_total", labels(r, [("cache_source", "device")]), Double(h))])
            fam("sglang:generation_tokens_total", "Number of generation tokens processed.", "counter", [("sglang:generation_tokens_total", L, Double(gt))])
        }
        return o
    }

    // MARK: Logs

    private mutating func uvicorn(_ prefix: String, _ path: String, _ method: String = "GET") -> String {
        let ip = "10.\(rng.int(0...3)).\(rng.int(1...250)).\(rng.int(2...250))"
        return "\(prefix)INFO:     \(ip):\(rng.int(32768...60999)) - \"\(method) \(path) HTTP/1.1\" 200 OK"
    }

    /// The engine log of replica `r`, with startup, health checks, periodic stats; marks `firstLow`
    /// (first stats line after `onset` whose hit rate is below `lowBelow`) and `preempt` (first with preemptions).
    mutating func engineLog(replica r: Int, startupExtra: [String], nonDefaultArgs: String, onset: Int, lowBelow: Double, accessLogs: Bool) -> TextDoc {
        var d = TextDoc()
        let ticks = sim.ticks[r]
        let kvTokens = sim.engine.capacityBlocks * sim.engine.blockSize
        switch kind {
        case .vllmV1:
            let api = "(APIServer pid=1) "
            let core = "(EngineCore_DP0 pid=\(200 + rng.int(10...90))) "
            func L(_ p: String, _ c: Clock, _ lvl: String, _ file: String, _ msg: String) -> String { "\(p)\(lvl) \(c.vllm) [\(file)] \(msg)" }
            let c0 = start
            d.add(L(api, c0, "INFO", "api_server.py:1839", "vLLM API server version \(version)"))
            d.add(L(api, c0, "INFO", "utils.py:328", "non-default args: \(nonDefaultArgs)"), mark: "args")
            d.add(L(api, c0.adding(7), "INFO", "model.py:547", "Resolved architecture: \(modelPath.contains("Qwen") ? "Qwen2ForCausalLM" : (modelPath.contains("mistral") ? "MistralForCausalLM" : "LlamaForCausalLM"))"))
            d.add(L(api, c0.adding(7), "INFO", "model.py:1510", "Using max model len 16384"))
            d.add(L(api, c0.adding(8), "INFO", "scheduler.py:205", "Chunked prefill is enabled with max_num_batched_tokens=8192."))
            d.add(L(core, c0.adding(10), "INFO", "core.py:644", "Waiting for init message from front-end."))
            d.add(L(core, c0.adding(10), "INFO", "core.py:77", "Initializing a V1 LLM engine (v\(version)) with config: model='\(modelPath)', speculative_config=None, tokenizer='\(modelPath)', skip_tokenizer_init=False, dtype=torch.bfloat16, max_seq_len=16384, tensor_parallel_size=1, quantization=None, enforce_eager=False, kv_cache_dtype=auto, seed=0, served_model_name=\(model), enable_prefix_caching=\(sim.engine.caching ? "True" : "False"), chunked_prefill_enabled=True"), mark: "engine-config")
            d.add(L(core, c0.adding(12), "INFO", "gpu_model_runner.py:2338", "Starting to load model \(modelPath)..."))
            d.add(L(core, c0.adding(13), "INFO", "cuda.py:362", "Using Flash Attention backend on V1 engine."))
            d.add(L(core, c0.adding(17), "INFO", "default_loader.py:268", "Loading weights took \(String(format: "%.2f", 3 + rng.unit() * 2)) seconds"))
            d.add(L(core, c0.adding(18), "INFO", "gpu_model_runner.py:2392", "Model loading took 14.9889 GiB and \(String(format: "%.6f", 4 + rng.unit())) seconds"))
            let gib = Double(kvTokens) * 131072 / 1073741824
            d.add(L(core, c0.adding(26), "INFO", "gpu_worker.py:298", "Available KV cache memory: \(String(format: "%.2f", gib)) GiB"), mark: "kv-mem")
            d.add(L(core, c0.adding(26), "INFO", "kv_cache_utils.py:864", "GPU KV cache size: \(grouped(kvTokens)) tokens"), mark: "kv-size")
            d.add(L(core, c0.adding(26), "INFO", "kv_cache_utils.py:868", "Maximum concurrency for 16,384 tokens per request: \(String(format: "%.2f", Double(kvTokens) / 16384))x"))
            for s in startupExtra { d.add(L(api, c0.adding(27), "INFO", "api_server.py:1611", s)) }
            d.add(L(core, c0.adding(30), "INFO", "core.py:218", "init engine (profile, create kv cache, warmup model) took \(String(format: "%.2f", 20 + rng.unit() * 10)) seconds"))
            d.add(L(api, c0.adding(31), "WARNING", "model.py:1389", "Default sampling parameters have been overridden by the model's Hugging Face generation config recommended from the model creator. If this is not intended, please relaunch vLLM instance with `--generation-config vllm`."))
            d.add(L(api, c0.adding(31), "INFO", "api_server.py:1880", "Starting vLLM API server 0 on http://0.0.0.0:8000"))
            d.add("\(api)INFO:     Started server process [1]")
            d.add("\(api)INFO:     Waiting for application startup.")
            d.add("\(api)INFO:     Application startup complete.")
            var win: [(Int, Int)] = []
            var pendingPre = 0
            for t in 0..<ticks.count {
                let x = ticks[t]
                for _ in 0..<x.admitted { win.append((x.queries / max(1, x.admitted), x.hits / max(1, x.admitted))) }
                if win.count > 1000 { win.removeFirst(win.count - 1000) }
                pendingPre += x.preemptions
                if accessLogs { for _ in 0..<x.finished { d.add(uvicorn(api, "/v1/chat/completions", "POST")) } }
                if t % 30 == 7 { d.add(uvicorn(api, "/health")) }
                if t % 15 == 3 { d.add(uvicorn(api, "/metrics")) }
                if t % 10 == 9 {
                    let lo = max(0, t - 9)
                    var p = 0, g = 0
                    for k in lo...t { p += ticks[k].promptTokens; g += ticks[k].genTokens }
                    let q = win.reduce(0) { $0 + $1.0 }, h = win.reduce(0) { $0 + $1.1 }
                    let rate = q == 0 ? 0 : Double(h) / Double(q) * 100
                    var msg = "Engine 000: Avg prompt throughput: \(f1(Double(p) / 10)) tokens/s, Avg generation throughput: \(f1(Double(g) / 10)) tokens/s, Running: \(x.running) reqs, Waiting: \(x.waiting) reqs, "
                    if pendingPre > 0 { msg += "Preemptions: \(pendingPre), " }
                    msg += "GPU KV cache usage: \(f1(x.usage * 100))%, Prefix cache hit rate: \(f1(rate))%"
                    let n = d.add(L(api, start.adding(Double(t + 1) + 32), "INFO", "loggers.py:123", msg))
                    if pendingPre > 0 && t >= onset { d.mark("preempt", containing: "Preemptions:", from: n) }
                    if t >= onset + 60 && rate < lowBelow * 100 { d.mark("low", containing: "Prefix cache hit rate", from: n) }
                    pendingPre = 0
                }
            }
        case .vllmV0:
            func L(_ c: Clock, _ lvl: String, _ file: String, _ msg: String) -> String { "\(lvl) \(c.vllm) \(file)] \(msg)" }
            let c0 = start
            d.add(L(c0, "INFO", "api_server.py:651", "vLLM API server version \(version)"))
            d.add(L(c0, "INFO", "api_server.py:652", "args: \(nonDefaultArgs)"), mark: "args")
            d.add(L(c0.adding(1), "WARNING", "arg_utils.py:1092", "The model has a long context length (32768). This may cause OOM errors during the initial memory profiling phase, or result in low performance due to small KV cache space. Consider setting --max-model-len to a smaller value."))
            d.add(L(c0.adding(6), "INFO", "config.py:510", "This model supports multiple tasks: {'generate', 'embed', 'reward', 'score', 'classify'}. Defaulting to 'generate'."))
            d.add(L(c0.adding(6), "INFO", "llm_engine.py:234", "Initializing an LLM engine (v\(version)) with config: model='\(modelPath)', speculative_config=None, tokenizer='\(modelPath)', skip_tokenizer_init=False, tokenizer_mode=auto, revision=None, trust_remote_code=False, dtype=torch.bfloat16, max_seq_len=16384, download_dir=None, load_format=LoadFormat.AUTO, tensor_parallel_size=1, pipeline_parallel_size=1, quantization=None, enforce_eager=False, kv_cache_dtype=auto, device_config=cuda, seed=0, served_model_name=\(model), num_scheduler_steps=1, chunked_prefill_enabled=False, use_async_output_proc=True, mm_processor_kwargs=None, pooler_config=None, enable_prefix_caching=\(sim.engine.caching ? "True" : "False"), compilation_config={\"splitting_ops\":[],\"candidate_compile_sizes\":[],\"compile_sizes\":[],\"capture_sizes\":[256,248,240,232,224,216,208,200,192,184,176,168,160,152,144,136,128,120,112,104,96,88,80,72,64,56,48,40,32,24,16,8,4,2,1],\"max_capture_size\":256}, use_cached_outputs=True, "), mark: "engine-config")
            d.add(L(c0.adding(9), "INFO", "selector.py:120", "Using Flash Attention backend."))
            d.add(L(c0.adding(14), "INFO", "model_runner.py:1099", "Loading model weights took 14.9888 GB"))
            d.add(L(c0.adding(16), "INFO", "worker.py:241", "Memory profiling takes 2.05 seconds"))
            d.add(L(c0.adding(16), "INFO", "gpu_executor.py:76", "# GPU blocks: \(sim.engine.capacityBlocks), # CPU blocks: 2048"), mark: "kv-size")
            d.add(L(c0.adding(16), "INFO", "gpu_executor.py:80", "Maximum concurrency for 16384 tokens per request: \(String(format: "%.2f", Double(kvTokens) / 16384))x"))
            for s in startupExtra { d.add(L(c0.adding(17), "INFO", "api_server.py:600", s)) }
            d.add(L(c0.adding(30), "INFO", "model_runner.py:1535", "Graph capturing finished in 12 secs, took 0.31 GiB"))
            d.add("INFO:     Started server process [7]")
            d.add("INFO:     Waiting for application startup.")
            d.add("INFO:     Application startup complete.")
            d.add("INFO:     Uvicorn running on socket ('0.0.0.0', 8000) (Press CTRL+C to quit)")
            var pendingPre = 0
            var cbq = 0, cbh = 0
            for t in 0..<ticks.count {
                let x = ticks[t]
                cbq += x.blockQueries; cbh += x.blockHits
                pendingPre += x.preemptions
                if accessLogs { for _ in 0..<x.finished { d.add(uvicorn("", "/v1/chat/completions", "POST")) } }
                if t % 30 == 7 { d.add(uvicorn("", "/health")) }
                if t % 10 == 9 {
                    let lo = max(0, t - 9)
                    var p = 0, g = 0
                    for k in lo...t { p += ticks[k].promptTokens; g += ticks[k].genTokens }
                    let c = start.adding(Double(t + 1) + 32)
                    if pendingPre > 0 {
                        let n = d.add(L(c, "WARNING", "scheduler.py:1560", "Sequence group chatcmpl-\(rng.hex(32)) is preempted by PreemptionMode.RECOMPUTE mode because there is not enough KV cache space. This can affect the end-to-end performance. Increase gpu_memory_utilization or tensor_parallel_size to provide more KV cache memory. total_num_cumulative_preemption=\(pendingPre)"))
                        if t >= onset { d.mark("preempt", containing: "is preempted", from: n) }
                    }
                    d.add(L(c, "INFO", "metrics.py:467", "Avg prompt throughput: \(f1(Double(p) / 10)) tokens/s, Avg generation throughput: \(f1(Double(g) / 10)) tokens/s, Running: \(x.running) reqs, Swapped: 0 reqs, Pending: \(x.waiting) reqs, GPU KV cache usage: \(f1(x.usage * 100))%, CPU KV cache usage: 0.0%."))
                    if sim.engine.caching {
                        let rate = cbq == 0 ? 0 : Double(cbh) / Double(cbq) * 100
                        let n = d.add(L(c, "INFO", "metrics.py:483", "Prefix cache hit rate: GPU: \(String(format: "%.2f", rate))%, CPU: 0.00%"))
                        if t >= onset + 60 && rate < lowBelow * 100 { d.mark("low", containing: "Prefix cache hit rate", from: n) }
                    }
                }
            }
        case .sglangNew, .sglangOld:
            let newForm = kind == .sglangNew
            func P(_ c: Clock, _ tp: Bool = true) -> String { newForm ? "[\(c.dateTime)\(tp ? " TP0" : "")] " : "[\(c.hms)\(tp ? " TP0" : "")] " }
            let c0 = start
            d.add(P(c0, false) + "server_args=ServerArgs(\(nonDefaultArgs))", mark: "args")
            d.add(P(c0.adding(5)) + "Load weight begin. avail mem=43.61 GB")
            d.add(P(c0.adding(15)) + "Load weight end. type=\(modelPath.contains("Qwen") ? "Qwen2ForCausalLM" : "LlamaForCausalLM"), dtype=torch.bfloat16, avail mem=\(String(format: "%.2f", 13.0 + rng.unit())) GB, mem usage=29.63 GB.")
            d.add(P(c0.adding(16)) + "KV Cache is allocated. #tokens: \(kvTokens), K size: \(String(format: "%.2f", Double(kvTokens) * 98304 / 1e9)) GB, V size: \(String(format: "%.2f", Double(kvTokens) * 98304 / 1e9)) GB", mark: "kv-size")
            d.add(P(c0.adding(16)) + "max_total_num_tokens=\(kvTokens), chunked_prefill_size=8192, max_prefill_tokens=16384, max_running_requests=\(sim.engine.maxNumSeqs), context_len=32768")
            for s in startupExtra { d.add(P(c0.adding(17), false) + s) }
            d.add(P(c0.adding(20), false) + "INFO:     Started server process [1]")
            d.add(P(c0.adding(20), false) + "INFO:     Waiting for application startup.")
            d.add(P(c0.adding(20), false) + "INFO:     Application startup complete.")
            d.add(P(c0.adding(20), false) + "INFO:     Uvicorn running on http://0.0.0.0:30000 (Press CTRL+C to quit)")
            d.add(P(c0.adding(21), false) + "The server is fired up and ready to roll!")
            var acc = (seq: 0, new: 0, cached: 0)
            for t in 0..<ticks.count {
                let x = ticks[t]
                acc.seq += x.admitted; acc.new += x.computedPrompt; acc.cached += x.hits
                let c = start.adding(Double(t) + 22)
                if t % 4 == 3 && acc.seq > 0 {
                    var m: String
                    if newForm {
                        m = "Prefill batch, #new-seq: \(acc.seq), #new-token: \(acc.new), #cached-token: \(acc.cached), token usage: \(String(format: "%.2f", x.usage)), #running-req: \(x.running), #queue-req: \(x.waiting), #pending-token: \(x.waiting * 3000), cuda graph: False, input throughput (token/s): \(String(format: "%.2f", Double(acc.new) / 4))"
                    } else {
                        let rate = acc.new + acc.cached == 0 ? 0 : Double(acc.cached) / Double(acc.new + acc.cached) * 100
                        m = "Prefill batch. #new-seq: \(acc.seq), #new-token: \(acc.new), #cached-token: \(acc.cached), cache hit rate: \(String(format: "%.2f", rate))%, token usage: \(String(format: "%.2f", x.usage)), #running-req: \(x.running), #queue-req: \(x.waiting)"
                    }
                    let n = d.add(P(c) + m)
                    let rate = Double(acc.cached) / Double(max(1, acc.new + acc.cached))
                    if t >= onset + 60 && rate < lowBelow { d.mark("low", containing: "Prefill batch", from: n) }
                    acc = (0, 0, 0)
                }
                if t % 20 == 11 {
                    let g = ticks[max(0, t - 19)...t].reduce(0) { $0 + $1.genTokens }
                    let sep = newForm ? "," : "."
                    d.add(P(c) + "Decode batch\(sep) #running-req: \(x.running), #token: \(Int(x.usage * Double(kvTokens))), token usage: \(String(format: "%.2f", x.usage)), \(newForm ? "cuda graph: True, " : "")gen throughput (token/s): \(String(format: "%.2f", Double(g) / 20)), #queue-req: \(x.waiting)")
                }
                if t % 30 == 13 { d.add(P(c, false) + "INFO:     \("10.\(rng.int(0...3)).\(rng.int(1...250)).\(rng.int(2...250))"):\(rng.int(32768...60999)) - \"GET /health HTTP/1.1\" 200 OK") }
            }
        }
        return d
    }

    private func f1(_ v: Double) -> String { String(format: "%.1f", v) }
    private func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return out
    }
}
