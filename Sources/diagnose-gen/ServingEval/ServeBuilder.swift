import Foundation

/// How the deployment's engine config is written down.
enum ServeConfigKind { case vllmYAML, vllmLaunch, vllmV0Launch, sglangLaunch }

/// How Prometheus scrapes were captured.
enum MetricsLayout { case folder, timestampedFile }

/// The fixed description of one serving deployment (both runs share it).
struct ServeSetup {
    var engine: EngineKind
    var config: ServeConfigKind
    var profile: ModelProfile
    var material: PromptMaterial
    var workload: WorkloadSpec
    var metrics: MetricsLayout
    var requestLog = false
    var accessLogs = false
    var gateway = false
    var deploy: DeployKind = .none
    var version: String
}

/// Multi-replica deployment manifests.
enum DeployKind { case none, helmProductionStack, sglangRouter, k8sService }

enum ServeBuilder {
    static func configDoc(_ s: ServeSetup, _ k: ServeKnobs) -> TextDoc {
        var d = TextDoc()
        let m = s.profile.name
        switch s.config {
        case .vllmYAML:
            d.add("# vllm serve --config /etc/vllm/config.yaml")
            d.add("model: \(m)")
            d.add("served-model-name: \(k.servedName)", mark: "served")
            d.add("host: 0.0.0.0")
            d.add("port: \(k.port)", mark: "port")
            d.add("uvicorn-log-level: \(k.logLevel)")
            d.add("gpu-memory-utilization: \(k.util)", mark: "util")
            d.add("max-model-len: \(k.maxModelLen)")
            d.add("max-num-seqs: \(k.maxNumSeqs)", mark: "seqs")
            d.add("block-size: \(k.blockSize)", mark: "block")
            d.add("enable-prefix-caching: \(k.caching)", mark: "caching")
            d.add("seed: \(k.seed)")
            if s.requestLog { d.add("enable-prompt-tokens-details: true") }
            d.add("disable-log-requests: true")
        case .vllmLaunch:
            d.add("#!/usr/bin/env bash")
            d.add("set -euo pipefail")
            d.add("export VLLM_LOGGING_LEVEL=\(k.logLevel.uppercased())")
            d.add("export HF_HUB_OFFLINE=1")
            d.add("exec vllm serve \(m) \\")
            d.add("  --served-model-name \(k.servedName) \\", mark: "served")
            d.add("  --host 0.0.0.0 --port \(k.port) \\", mark: "port")
            d.add("  --gpu-memory-utilization \(k.util) \\", mark: "util")
            d.add("  --max-model-len \(k.maxModelLen) \\")
            d.add("  --max-num-seqs \(k.maxNumSeqs) \\", mark: "seqs")
            d.add("  --block-size \(k.blockSize) \\", mark: "block")
            if s.requestLog { d.add("  --enable-prompt-tokens-details \\") }
            d.add("  --seed \(k.seed) \\")
            d.add(k.caching ? "  --enable-prefix-caching" : "  --no-enable-prefix-caching", mark: "caching")
        case .vllmV0Launch:
            d.add("#!/bin/bash")
            d.add("# serving entrypoint (vLLM \(s.version))")
            d.add("python3 -m vllm.entrypoints.openai.api_server \\")
            d.add("    --model \(m) \\")
            d.add("    --served-model-name \(k.servedName) \\", mark: "served")
            d.add("    --port \(k.port) \\", mark: "port")
            d.add("    --gpu-memory-utilization \(k.util) \\", mark: "util")
            d.add("    --max-num-seqs \(k.maxNumSeqs) \\", mark: "seqs")
            d.add("    --block-size \(k.blockSize) \\", mark: "block")
            if k.caching { d.add("    --enable-prefix-caching \\", mark: "caching") }
            d.add("    --max-model-len \(k.maxModelLen) \\")
            d.add("    --seed \(k.seed) \\")
            d.add("    --disable-log-requests")
        case .sglangLaunch:
            d.add("#!/usr/bin/env bash")
            d.add("python3 -m sglang.launch_server \\")
            d.add("  --model-path \(m) \\")
            d.add("  --served-model-name \(k.servedName) \\", mark: "served")
            d.add("  --host 0.0.0.0 --port \(k.port) \\", mark: "port")
            d.add("  --mem-fraction-static \(k.util) \\", mark: "util")
            d.add("  --max-running-requests \(k.maxNumSeqs) \\", mark: "seqs")
            d.add("  --page-size \(k.blockSize) \\", mark: "block")
            d.add("  --random-seed \(k.seed) \\")
            if !k.caching { d.add("  --disable-radix-cache \\", mark: "caching") }
            d.add("  --enable-metrics \\")
            d.add("  --log-level \(k.logLevel)")
        }
        return d
    }

    static func argsRepr(_ s: ServeSetup, _ k: ServeKnobs) -> String {
        let m = s.profile.name
        switch s.engine {
        case .vllmV1:
            var parts = ["'model_tag': '\(m)'", "'host': '0.0.0.0'", "'port': \(k.port)", "'model': '\(m)'", "'seed': \(k.seed)", "'max_model_len': \(k.maxModelLen)", "'served_model_name': ['\(k.servedName)']"]
            if k.blockSize != 16 { parts.append("'block_size': \(k.blockSize)") }
            parts.append("'gpu_memory_utilization': \(k.util)")
            if !k.caching { parts.append("'enable_prefix_caching': False") }
            parts.append("'max_num_seqs': \(k.maxNumSeqs)")
            if s.requestLog { parts.append("'enable_prompt_tokens_details': True") }
            return "{" + parts.joined(separator: ", ") + "}"
        case .vllmV0:
            return "Namespace(host=None, port=\(k.port), uvicorn_log_level='\(k.logLevel)', allow_credentials=False, allowed_origins=['*'], api_key=None, lora_modules=None, chat_template=None, response_role='assistant', model='\(m)', task='auto', tokenizer=None, seed=\(k.seed), max_model_len=\(k.maxModelLen), block_size=\(k.blockSize), enable_prefix_caching=\(k.caching ? "True" : "False"), gpu_memory_utilization=\(k.util), max_num_seqs=\(k.maxNumSeqs), served_model_name=['\(k.servedName)'], disable_log_requests=True)"
        case .sglangNew, .sglangOld:
            return "model_path='\(m)', tokenizer_path='\(m)', tokenizer_mode='auto', host='0.0.0.0', port=\(k.port), mem_fraction_static=\(k.util), max_running_requests=\(k.maxNumSeqs), chunked_prefill_size=8192, page_size=\(k.blockSize), disable_radix_cache=\(k.caching ? "False" : "True"), served_model_name='\(k.servedName)', random_seed=\(k.seed), log_level='\(k.logLevel)', enable_metrics=True, tp_size=1, dp_size=1"
        }
    }

    static func gatewayDoc(_ s: ServeSetup, _ k: ServeKnobs) -> TextDoc {
        var d = TextDoc()
        d.add("listen: 0.0.0.0:9000")
        d.add("upstream: http://\(k.replicas > 1 ? "router" : "engine"):\(k.replicas > 1 ? 8080 : k.port)/v1", mark: "upstream")
        d.add("model: \(k.servedName)")
        d.add("prompt:")
        d.add("  system_template: prompts/system.jinja")
        d.add("  user_template: prompts/user_turn.jinja")
        d.add("tools:")
        d.add("  file: prompts/tools.json")
        d.add("  mcp_servers: [orders, billing, kb]")
        d.add("  discovery: \(k.toolDiscovery)", mark: "discovery")
        d.add("  timeout_s: 5")
        d.add("request_log: requests/requests.jsonl")
        d.add("log_level: \(k.logLevel)")
        return d
    }

    static func deployDoc(_ s: ServeSetup, _ k: ServeKnobs) -> (String, TextDoc)? {
        var d = TextDoc()
        switch s.deploy {
        case .none: return nil
        case .helmProductionStack:
            d.add("servingEngineSpec:")
            d.add("  modelSpec:")
            d.add("  - name: \"\(k.servedName)\"")
            d.add("    repository: \"vllm/vllm-openai\"")
            d.add("    tag: \"v\(s.version)\"")
            d.add("    modelURL: \"\(s.profile.name)\"")
            d.add("    replicaCount: \(k.replicas)", mark: "replicas")
            d.add("    requestCPU: 8")
            d.add("    requestMemory: \"48Gi\"")
            d.add("    requestGPU: 1")
            d.add("routerSpec:")
            d.add("  repository: \"lmcache/lmstack-router\"")
            d.add("  routingLogic: \"\(k.routing)\"", mark: "routing")
            d.add("  sessionKey: \"x-session-id\"")
            d.add("  extraArgs: [\"--log-level\", \"\(k.logLevel)\"]")
            return ("deploy/values.yaml", d)
        case .sglangRouter:
            d.add("#!/usr/bin/env bash")
            d.add("python3 -m sglang_router.launch_router \\")
            d.add("  --worker-urls \((0..<k.replicas).map { "http://sglang-\($0):\(k.port)" }.joined(separator: " ")) \\", mark: "replicas")
            d.add("  --policy \(k.routing) \\", mark: "routing")
            d.add("  --host 0.0.0.0 --port 8080 \\")
            d.add("  --log-level \(k.logLevel)")
            return ("deploy/router.sh", d)
        case .k8sService:
            d.add("apiVersion: apps/v1")
            d.add("kind: Deployment")
            d.add("metadata:")
            d.add("  name: vllm-\(k.servedName)")
            d.add("spec:")
            d.add("  replicas: \(k.replicas)", mark: "replicas")
            d.add("  template:")
            d.add("    spec:")
            d.add("      containers:")
            d.add("      - name: vllm")
            d.add("        image: vllm/vllm-openai:v\(s.version)")
            d.add("        resources: {limits: {nvidia.com/gpu: 1}}")
            d.add("---")
            d.add("apiVersion: v1")
            d.add("kind: Service")
            d.add("metadata:")
            d.add("  name: vllm-\(k.servedName)")
            d.add("spec:")
            d.add("  selector: {app: vllm-\(k.servedName)}")
            d.add("  sessionAffinity: \(k.routing == "session" ? "ClientIP" : "None")", mark: "routing")
            d.add("  ports: [{port: 8000, targetPort: \(k.port)}]")
            return ("deploy/deployment.yaml", d)
        }
    }

    /// Simulates one run of the deployment and writes its files.
    static func run(_ s: ServeSetup, _ k: ServeKnobs, runID: String, baseline: String?, start: Clock, seed: UInt64,
                    lowBelow: Double, degradeOnset: Bool) -> ServeRunOutput {
        var rng = SeededRNG(seed: seed)
        let memo = TokenMemo()
        var eng = EngineSpec()
        eng.replicas = k.replicas
        eng.policy = k.replicas == 1 ? .roundRobin : (k.routing == "session" || k.routing == "ClientIP" ? .sessionAffinity : (k.routing == "cache_aware" ? .cacheAware : .roundRobin))
        eng.blockSize = k.blockSize
        eng.capacityBlocks = s.profile.blocks(util: k.util, blockSize: k.blockSize)
        eng.maxNumSeqs = k.maxNumSeqs
        eng.caching = k.caching
        let render = s.material.renderer(k, start: start, memo: memo)
        let sim = ServingSim(engine: eng, workload: s.workload, seed: seed &+ 17) { rid, t, sess, r in
            let x = render(rid, t, sess, &r)
            return (x.tokens, x.order.joined(separator: ","))
        }
        sim.run()
        let firstServe = start.adding(32)
        var out = ServeRunOutput(onset: firstServe, firstServe: firstServe)
        out.hitRate = sim.overallHitRate

        // onset: the first minute whose hit rate falls below the threshold, or the first preemption
        var onsetTick = 0
        if degradeOnset {
            var found: Int?
            for t in stride(from: 60, to: s.workload.duration, by: 10) {
                var q = 0, h = 0, pre = 0
                for r in 0..<k.replicas { for x in sim.ticks[r][max(0, t - 60)..<t] { q += x.queries; h += x.hits; pre += x.preemptions } }
                if pre > 0 || (q > 0 && Double(h) / Double(q) < lowBelow) { found = t - 10; break }
            }
            onsetTick = found ?? 0
            out.onset = start.adding(32 + Double(onsetTick))
        }

        var runYAML = TextDoc()
        if let baseline { runYAML.add("baseline: \(baseline)") }
        runYAML.add("started_at: \(start.iso)")
        runYAML.add("owner: \(rng.pick(["inference-platform", "serving-oncall", "assist-team"]))")
        runYAML.add("tags: [serving, \(s.engine == .vllmV1 || s.engine == .vllmV0 ? "vllm" : "sglang")]")
        out.put("run.yaml", runYAML)

        let cfgPath: String
        switch s.config {
        case .vllmYAML: cfgPath = "config/vllm.yaml"
        case .vllmLaunch: cfgPath = "config/serve.sh"
        case .vllmV0Launch: cfgPath = "config/entrypoint.sh"
        case .sglangLaunch: cfgPath = "config/launch_server.sh"
        }
        out.put(cfgPath, configDoc(s, k), marks: "cfg.")
        if let (p, d) = deployDoc(s, k) { out.put(p, d, marks: "deploy.") }
        if s.gateway {
            out.put("gateway/gateway.yaml", gatewayDoc(s, k), marks: "gw.")
            out.put("prompts/system.jinja", s.material.templateDoc(k), marks: "tpl.")
            out.put("prompts/user_turn.jinja", s.material.userTurnDoc(k), marks: "user.")
            out.put("prompts/tools.json", text: s.material.toolsJSON)
        }

        var writer = ServingWriter(sim: sim, kind: s.engine, model: k.servedName, modelPath: s.profile.name, start: start, version: s.version, rng: SeededRNG(seed: seed &+ 99))
        let logReplicas = k.replicas <= 2 ? Array(0..<k.replicas) : [0, 1]
        for r in logReplicas {
            let d = writer.engineLog(replica: r, startupExtra: [], nonDefaultArgs: argsRepr(s, k), onset: onsetTick, lowBelow: lowBelow, accessLogs: s.accessLogs)
            let name = k.replicas == 1 ? (s.engine == .vllmV1 || s.engine == .vllmV0 ? "logs/vllm.log" : "logs/sglang.log") : "logs/\(s.engine == .sglangNew || s.engine == .sglangOld ? "sglang" : "vllm")-\(r).log"
            out.put(name, d, marks: r == 0 ? "log." : "log\(r).")
        }

        let every = k.replicas > 2 ? 120 : 60
        switch s.metrics {
        case .folder:
            var n = 0
            for t in stride(from: every - 1, to: s.workload.duration, by: every) {
                n += 1
                for r in 0..<k.replicas {
                    let dir = k.replicas == 1 ? "metrics" : "metrics/replica-\(r)"
                    out.put("\(dir)/scrape-\(String(format: "%04d", n)).prom", text: writer.scrape(replica: r, at: t))
                }
            }
        case .timestampedFile:
            for r in 0..<k.replicas {
                var text = ""
                for t in stride(from: 29, to: s.workload.duration, by: every / 2) {
                    text += writer.scrape(replica: r, at: t, stampMS: Int((start.epoch + 33 + Double(t)) * 1000))
                }
                out.put(k.replicas == 1 ? "metrics/engine.prom" : "metrics/engine-\(r).prom", text: text)
            }
        }

        if s.requestLog {
            var d = TextDoc()
            var lr = SeededRNG(seed: seed &+ 5)
            for q in sim.requests.filter({ $0.finish >= 0 }).sorted(by: { $0.finish < $1.finish }) {
                let c = start.adding(32 + q.finish)
                var kv: [(String, JV)] = [("ts", .s(c.iso.replacingOccurrences(of: "Z", with: ".\(c.millis)Z"))),
                                          ("request_id", .s("chatcmpl-\(lr.hex(32))")),
                                          ("session_id", .s("s-\(String(format: "%05d", q.session))")),
                                          ("model", .s(k.servedName)), ("status", .i(200)),
                                          ("latency_ms", .i(Int((q.finish - q.arrival) * 1000)))]
                if s.gateway { kv.append(("tools", .a(q.prefixNote.split(separator: ",").map { .s(String($0)) }))) }
                kv.append(("finish_reason", .s("stop")))
                kv.append(("usage", .o([("prompt_tokens", .i(q.promptTokens)), ("completion_tokens", .i(q.outputTokens)), ("total_tokens", .i(q.promptTokens + q.outputTokens)),
                                        ("prompt_tokens_details", .o([("cached_tokens", .i(q.cachedTokens))]))])))
                d.add(JV.o(kv).compact)
                if q.cachedTokens * 2 < q.promptTokens && q.turn > 1 && q.arrival >= Double(onsetTick) { d.mark("miss", containing: "\"request_id\"", from: d.count) }
            }
            out.put("requests/requests.jsonl", d, marks: "req.")
        }
        return out
    }
}
