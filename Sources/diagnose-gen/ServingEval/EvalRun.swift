import Foundation

/// Which harness ran the eval.
enum EvalHarness { case lmEval, lmEvalV03, inspect }

/// Everything that differs between two runs of one evaluation pipeline.
struct EvalKnobs {
    var setup: EvalSetup
    var tplForm = EvalWriters.TemplateForm.string
    var genEos = [128001, 128008, 128009]
    var genTemperature = "0.6"
    var genMaxNew: Int? = nil
    var outputPath = "/results"
    var batchSize = 8
    var customTask = false
    var genKwargsCLI: String? = nil
    var modelArgsExtra = ""
    var resolvedFrom: String? = nil
    var inspectScorer = "match"
    var inspectMaxTokens = 512
    var maxConnections = 32
    var servedModelPath: String? = nil
    var junit = false
    var checkpointsListed: [Int] = []
    var bootstrapIters = 100000
}

struct EvalRunOutput {
    var files: [(String, String)] = []
    var marks: [String: (String, Int)] = [:]
    var gsmStrict = 0.0
    var gsmFlex = 0.0
    var mc: [String: Double] = [:]

    mutating func put(_ path: String, _ doc: TextDoc, prefix: String = "") {
        files.append((path, doc.text))
        for (k, v) in doc.marks where marks[prefix + k] == nil { marks[prefix + k] = (path, v) }
    }
    mutating func put(_ path: String, text: String, find: [(String, String)] = []) {
        files.append((path, text))
        for (key, needle) in find where marks[key] == nil {
            if let n = lineNumber(of: needle, in: text) { marks[key] = (path, n) }
        }
    }
}

enum EvalRunBuilder {
    static let gsmN = 20

    static func run(harness: EvalHarness, _ k: EvalKnobs, runID: String, baseline: String?, start: Clock, notes: String?) -> EvalRunOutput {
        var out = EvalRunOutput()
        var s = k.setup
        s.eosHonored = k.genEos.contains(128009)
        var rng = SeededRNG(seed: stableHash(runID))
        let docs = (0..<gsmN).map { MathBank.doc($0, salt: 1) }
        let gens = EvalSim.generate(s, ceiling: 0.62, docs: docs, salt: "gsm8k")
        let strict = Double(gens.filter(\.strictOK).count) / Double(gsmN)
        let flex = Double(gens.filter(\.flexOK).count) / Double(gsmN)
        out.gsmStrict = strict; out.gsmFlex = flex
        let taskName = k.customTask ? "gsm8k_internal" : "gsm8k"

        var ry = TextDoc()
        if let baseline { ry.add("baseline: \(baseline)") }
        ry.add("started_at: \(start.iso)")
        ry.add("owner: \(rng.pick(["eval-infra", "post-training", "model-quality"]))")
        ry.add("tags: [eval, \(harness == .inspect ? "inspect" : "lm-eval")]")
        if let notes { ry.add("notes: \(notes)") }
        out.put("run.yaml", ry)

        // model files
        for (p, t) in EvalWriters.tokenizerFiles(s.chat == .none ? s.nativeChat : s.chat, form: k.tplForm) {
            out.put(p, text: t, find: [("tok.template", p.hasSuffix(".jinja") ? "" : "\"chat_template\"")])
        }
        out.put("model/generation_config.json", EvalWriters.generationConfig(eos: k.genEos, temperature: k.genTemperature, maxNew: k.genMaxNew), prefix: "gen.")

        switch harness {
        case .lmEval: lmEval(k, &out, gens: gens, taskName: taskName, start: start, rng: &rng, v03: false)
        case .lmEvalV03: lmEval(k, &out, gens: gens, taskName: taskName, start: start, rng: &rng, v03: true)
        case .inspect: inspect(k, &out, gens: gens, start: start, rng: &rng)
        }

        if k.junit {
            let floor = 0.45
            let fail = strict < floor
            var x = "<?xml version=\"1.0\" encoding=\"utf-8\"?><testsuites name=\"pytest tests\"><testsuite name=\"pytest\" errors=\"0\" failures=\"\(fail ? 1 : 0)\" skipped=\"0\" tests=\"3\" time=\"\(String(format: "%.3f", 0.4 + rng.unit()))\" timestamp=\"\(start.adding(900).isoOffset)\" hostname=\"eval-runner-\(rng.int(1...9))\">"
            x += "<testcase classname=\"tests.test_eval_gate\" name=\"test_results_file_present\" time=\"0.001\" />"
            x += "<testcase classname=\"tests.test_eval_gate\" name=\"test_no_nan_scores\" time=\"0.002\" />"
            x += "<testcase classname=\"tests.test_eval_gate\" name=\"test_gsm8k_strict_match_above_floor\" time=\"0.003\""
            if fail {
                x += "><failure message=\"AssertionError: gsm8k exact_match,strict-match \(EvalWriters.f4(strict)) below floor \(floor)&#10;assert \(EvalWriters.f4(strict)) &gt;= \(floor)\">def test_gsm8k_strict_match_above_floor(results):&#10;&gt;       assert results[&quot;gsm8k&quot;] &gt;= FLOOR&#10;E       AssertionError: gsm8k exact_match,strict-match \(EvalWriters.f4(strict)) below floor \(floor)</failure></testcase>"
            } else { x += " />" }
            x += "</testsuite></testsuites>"
            out.put("reports/junit.xml", text: x, find: [("junit.fail", "<failure")])
        }
        return out
    }

    static func evalYAML(_ k: EvalKnobs, taskName: String) -> TextDoc {
        let s = k.setup
        var d = TextDoc()
        d.add("model: hf")
        d.add("model_args: pretrained=\(s.checkpoint),dtype=bfloat16\(k.modelArgsExtra)", mark: "model_args")
        d.add(k.customTask ? "include_path: tasks/" : "include_path: null")
        d.add("tasks: [\(taskName)]", mark: "tasks")
        d.add("num_fewshot: \(s.fewshot)", mark: "fewshot")
        d.add("mc_tasks: [arc_challenge, hellaswag, winogrande]")
        d.add("mc_num_fewshot: \(s.mcFewshot)", mark: "mc_fewshot")
        d.add("apply_chat_template: \(s.chat != .none)", mark: "chat")
        d.add("fewshot_as_multiturn: \(s.chat != .none)")
        d.add("gen_kwargs: \(k.genKwargsCLI ?? "null")", mark: "gen_kwargs")
        d.add("batch_size: \(k.batchSize)", mark: "batch")
        d.add("limit: \(gsmN)")
        d.add("output_path: \(k.outputPath)", mark: "output")
        d.add("log_samples: true")
        d.add("seed: 1234")
        return d
    }

    static func taskYAML(_ s: EvalSetup, name: String) -> TextDoc {
        var d = TextDoc()
        d.add("task: \(name)")
        d.add("dataset_path: gsm8k")
        d.add("dataset_name: main")
        d.add("output_type: generate_until")
        d.add("training_split: train")
        d.add("fewshot_split: train")
        d.add("test_split: test")
        d.add("doc_to_text: \(jsonString(s.docToText))", mark: "doc_to_text")
        d.add("doc_to_target: \"{{answer}}\"")
        d.add("metric_list:")
        d.add("  - metric: exact_match")
        d.add("    aggregation: mean")
        d.add("    higher_is_better: true")
        d.add("    ignore_case: true")
        d.add("    ignore_punctuation: false")
        d.add("    regexes_to_ignore: [\",\", \"\\\\$\", \"(?s).*#### \", \"\\\\.$\"]")
        d.add("generation_kwargs:")
        d.add("  until: [\(s.until.map { jsonString($0) }.joined(separator: ", "))]", mark: "until")
        d.add("  do_sample: false")
        d.add("  temperature: 0.0")
        d.add("  max_gen_toks: \(s.maxGenToks)", mark: "max_gen_toks")
        d.add("repeats: 1")
        d.add("num_fewshot: \(s.fewshot)")
        d.add("filter_list:")
        d.add("  - name: strict-match")
        d.add("    filter:")
        d.add("      - function: regex")
        d.add("        regex_pattern: \(jsonString(s.strictRegex))", mark: "strict")
        d.add("      - function: take_first")
        d.add("  - name: flexible-extract")
        d.add("    filter:")
        d.add("      - function: regex")
        d.add("        group_select: -1")
        d.add("        regex_pattern: \(jsonString(s.flexRegex))", mark: "flex")
        d.add("      - function: take_first")
        d.add("metadata:")
        d.add("  version: 3.0")
        return d
    }

    static func lmEval(_ k: EvalKnobs, _ out: inout EvalRunOutput, gens: [Generation], taskName: String, start: Clock, rng: inout SeededRNG, v03: Bool) {
        let s = k.setup
        out.put("eval.yaml", evalYAML(k, taskName: taskName), prefix: "cfg.")
        if k.customTask { out.put("tasks/\(taskName).yaml", taskYAML(s, name: taskName), prefix: "task.") }
        let san = EvalWriters.sanitized(s.checkpoint)
        let strict = out.gsmStrict, flex = out.gsmFlex
        let t1 = start.adding(95 + rng.unit() * 30), t2 = t1.adding(600 + rng.unit() * 200)
        var mcRows: [(String, [(String, JV)])] = []
        var table2: [(task: String, version: String, filter: String, nshot: Int, metric: String, value: Double, se: Double?)] = []
        for t in EvalWriters.mcTasks {
            let r = EvalSim.multipleChoice(s, task: t.name, n: t.n, ceiling: t.ceiling, floor: t.floor)
            out.mc[t.name] = r.acc
            var m: [(String, JV)] = [("acc,none", .d(r.acc)), ("acc_stderr,none", .d(EvalSim.stderr(r.acc, t.n)))]
            table2.append((t.name, "1", "none", s.mcFewshot, "acc", r.acc, EvalSim.stderr(r.acc, t.n)))
            if t.norm {
                m += [("acc_norm,none", .d(r.accNorm)), ("acc_norm_stderr,none", .d(EvalSim.stderr(r.accNorm, t.n)))]
                table2.append((t.name, "1", "none", s.mcFewshot, "acc_norm", r.accNorm, EvalSim.stderr(r.accNorm, t.n)))
            }
            mcRows.append((t.name, m))
        }
        let modelArgs = "pretrained=\(s.checkpoint),dtype=bfloat16\(k.modelArgsExtra)"
        let stamp1 = t1.fileStamp, stamp2 = t2.fileStamp
        if v03 {
            var res: [(String, JV)] = []
            for t in EvalWriters.mcTasks {
                let r = EvalSim.multipleChoice(s, task: t.name, n: t.n, ceiling: t.ceiling, floor: t.floor)
                var m: [(String, JV)] = [("acc", .d(r.acc)), ("acc_stderr", .d(EvalSim.stderr(r.acc, t.n)))]
                if t.norm { m += [("acc_norm", .d(r.accNorm)), ("acc_norm_stderr", .d(EvalSim.stderr(r.accNorm, t.n)))] }
                res.append((t.name, .o(m)))
            }
            let v: JV = .o([("results", .o(res)), ("versions", .o(EvalWriters.mcTasks.map { ($0.name, .i(0)) })),
                            ("config", .o([("model", .s("hf-causal-experimental")), ("model_args", .s(modelArgs)), ("num_fewshot", .i(s.mcFewshot)),
                                           ("batch_size", .i(k.batchSize)), ("batch_sizes", .a([])), ("device", .s("cuda:0")), ("no_cache", .b(true)),
                                           ("limit", .null), ("bootstrap_iters", .i(100000)), ("description_dict", .o([]))]))])
            out.put("results/\(san)/results.json", text: v.pretty(2), find: [("res.fewshot", "\"num_fewshot\""), ("res.mc", "\"acc\"")])
        } else {
            let na = k.bootstrapIters == 0
            let gsmRes: [(String, JV)] = [("exact_match,strict-match", .d(strict)), ("exact_match_stderr,strict-match", na ? .s("N/A") : .d(EvalSim.stderr(strict, gsmN))),
                                          ("exact_match,flexible-extract", .d(flex)), ("exact_match_stderr,flexible-extract", na ? .s("N/A") : .d(EvalSim.stderr(flex, gsmN)))]
            var cfg = EvalWriters.gsm8kConfig(s)
            if case .o(var kv) = cfg, taskName != "gsm8k" { kv[0] = ("task", .s(taskName)); cfg = .o(kv) }
            let r1 = EvalWriters.resultsJSON(s, results: [(taskName, gsmRes)], configs: [(taskName, cfg)], nshot: [(taskName, s.fewshot)],
                                             nsamples: [(taskName, 1319, gsmN)], limit: gsmN, modelArgs: modelArgs, genKwargs: k.genKwargsCLI, bootstrapIters: k.bootstrapIters, start: start, seconds: t1.epoch - start.epoch)
            out.put("results/gsm8k/\(san)/results_\(stamp1).json", text: r1,
                    find: [("res.strict", "\"exact_match,strict-match\""), ("res.flex", "\"exact_match,flexible-extract\""), ("res.regex", "\"regex_pattern\""),
                           ("res.until", "\"until\""), ("res.maxgen", "\"max_gen_toks\""), ("res.nshot", "\"num_fewshot\""), ("res.model", "\"model_args\""),
                           ("res.doctotext", "\"doc_to_text\""), ("res.chat", "\"chat_template\"")])
            var smp = EvalWriters.samplesJSONL(s, gens)
            let visible = ["assistant", "Question:", "[INST]", "<|im_start|>", "double-check"]
            let failing = gens.enumerated().filter { !$0.element.strictOK || !$0.element.flexOK }
            let pick = failing.first { g in g.element.strict == "[invalid]" || g.element.truncated || visible.contains { g.element.raw.contains($0) } } ?? failing.first
            if let (n, g) = pick { smp.mark("bad", containing: "\"doc_id\": \(g.doc.id),", from: n * 2 + 1) }
            out.put("results/gsm8k/\(san)/samples_\(taskName)_\(stamp1).jsonl", smp, prefix: "smp.")
            let r2 = EvalWriters.resultsJSON(s, results: mcRows, configs: EvalWriters.mcTasks.map { ($0.name, EvalWriters.mcConfig($0.name, fewshot: s.mcFewshot)) },
                                             nshot: EvalWriters.mcTasks.map { ($0.name, s.mcFewshot) }, nsamples: EvalWriters.mcTasks.map { ($0.name, $0.n, $0.n) },
                                             limit: nil, modelArgs: modelArgs, genKwargs: nil, start: t1, seconds: t2.epoch - t1.epoch)
            out.put("results/mc/\(san)/results_\(stamp2).json", text: r2, find: [("mc.nshot", "\"n-shot\""), ("mc.acc", "\"acc,none\"")])
        }

        // console log
        var d = TextDoc()
        func L(_ c: Clock, _ lvl: String, _ src: String, _ msg: String, mark: String? = nil) {
            d.add("\(c.lmEvalLog) \(lvl.padding(toLength: 8, withPad: " ", startingAt: 0)) [\(src)] \(msg)", mark: mark)
        }
        if !v03 {
            if !k.checkpointsListed.isEmpty {
                d.add("[launcher] checkpoints under \((s.checkpoint as NSString).deletingLastPathComponent): \(k.checkpointsListed.map { "checkpoint-\($0)" }.joined(separator: ", "))", mark: "ckpts")
            }
            if let from = k.resolvedFrom {
                d.add("[launcher] resolved \(from) -> \(s.checkpoint)", mark: "resolve")
            }
            L(start, "INFO", "__main__.py:446", "Selected Tasks: ['\(taskName)']")
            L(start, "INFO", "evaluator.py:202", "Setting random seed to 0 | Setting numpy seed to 1234 | Setting torch manual seed to 1234 | Setting fewshot manual seed to 1234")
            L(start.adding(0.2), "INFO", "evaluator.py:240", "Initializing hf model, with arguments: {'pretrained': '\(s.checkpoint)', 'dtype': 'bfloat16'\(k.modelArgsExtra.isEmpty ? "" : ", '" + k.modelArgsExtra.dropFirst().replacingOccurrences(of: "=", with: "': '") + "'")}", mark: "init")
            L(start.adding(0.4), "INFO", "huggingface.py:137", "Using device 'cuda:0'")
            L(start.adding(3.1), "INFO", "huggingface.py:380", "Model parallel was set to False, max memory was not set, and device map was set to {'': 'cuda:0'}")
            d.add("Loading checkpoint shards:   0%|          | 0/4 [00:00<?, ?it/s]\rLoading checkpoint shards:  50%|█████     | 2/4 [00:02<00:02,  1.04s/it]\rLoading checkpoint shards: 100%|██████████| 4/4 [00:04<00:00,  1.01s/it]")
            L(start.adding(9), "WARNING", "huggingface.py:1307", "Failed to get model SHA for \(s.checkpoint) at revision main. Error: Repo id must be in the form 'repo_name' or 'namespace/repo_name'")
            if let g = k.genKwargsCLI {
                L(start.adding(9.5), "WARNING", "evaluator.py:330", "generation_kwargs: {'\(g.replacingOccurrences(of: "=", with: "': "))} specified through cli, these settings will update set parameters in yaml tasks. Ensure 'do_sample=True' for non-greedy decoding!", mark: "cligen")
            }
            if s.chat != .none {
                L(start.adding(9.8), "WARNING", "evaluator.py:251", "Chat template formatting change affects loglikelihood and multiple-choice tasks. See docs/chat-template-readme.md for details.")
            }
            L(start.adding(10), "INFO", "evaluator.py:305", "\(taskName): Using gen_kwargs: {'until': [\(s.until.map { "'\($0)'" }.joined(separator: ", "))], 'do_sample': False, 'temperature': 0.0, 'max_gen_toks': \(s.maxGenToks)}", mark: "genkw")
            L(start.adding(10.1), "INFO", "task.py:434", "Building contexts for \(taskName) on rank 0...")
            d.add("100%|██████████| \(gsmN)/\(gsmN) [00:00<00:00, 1834.12it/s]")
            L(start.adding(10.3), "INFO", "evaluator.py:574", "Running generate_until requests")
            let per = (t1.epoch - start.epoch - 12) / Double(gsmN)
            d.add("Running generate_until requests:   0%|          | 0/\(gsmN) [00:00<?, ?it/s]\rRunning generate_until requests:  50%|█████     | \(gsmN / 2)/\(gsmN) [00:\(String(format: "%02d", Int(per * Double(gsmN / 2)) % 60))<00:\(String(format: "%02d", Int(per * Double(gsmN / 2)) % 60)),  \(String(format: "%.2f", per))s/it]\rRunning generate_until requests: 100%|██████████| \(gsmN)/\(gsmN) [01:\(String(format: "%02d", Int(per * Double(gsmN)) % 60))<00:00,  \(String(format: "%.2f", per))s/it]")
            L(t1, "INFO", "evaluation_tracker.py:206", "Saving results aggregated")
            L(t1, "INFO", "evaluation_tracker.py:287", "Saving per-sample results for: \(taskName)")
            d.add("hf (pretrained=\(s.checkpoint),dtype=bfloat16\(k.modelArgsExtra)), gen_kwargs: (\(k.genKwargsCLI ?? "None")), limit: \(gsmN).0, num_fewshot: \(s.fewshot), batch_size: \(k.batchSize)")
            let na = k.bootstrapIters == 0
            let rows1 = EvalWriters.tableRows([(taskName, "3", "flexible-extract", s.fewshot, "exact_match", flex, na ? nil : EvalSim.stderr(flex, gsmN)),
                                                (taskName, "3", "strict-match", s.fewshot, "exact_match", strict, na ? nil : EvalSim.stderr(strict, gsmN))])
            for (n, r) in rows1.enumerated() { d.add(r, mark: n == 3 ? "row.strict" : (n == 2 ? "row.flex" : nil)) }
            d.add("")
        }
        L(t1.adding(2), "INFO", v03 ? "main.py:52" : "__main__.py:446", "Selected Tasks: ['arc_challenge', 'hellaswag', 'winogrande']")
        L(t1.adding(2.5), "INFO", "evaluator.py:305", "arc_challenge: Using num_fewshot: \(s.mcFewshot)", mark: "mcshot")
        L(t1.adding(3), "INFO", "evaluator.py:574", "Running loglikelihood requests")
        d.add("Running loglikelihood requests: 100%|██████████| 62719/62719 [09:\(String(format: "%02d", rng.int(10...59)))<00:00, 105.41it/s]")
        if v03 {
            d.add("hf-causal-experimental (pretrained=\(s.checkpoint),dtype=bfloat16\(k.modelArgsExtra)), limit: None, provide_description: False, num_fewshot: \(s.mcFewshot), batch_size: \(k.batchSize)")
        } else {
            d.add("hf (pretrained=\(s.checkpoint),dtype=bfloat16\(k.modelArgsExtra)), gen_kwargs: (None), limit: None, num_fewshot: \(s.mcFewshot), batch_size: \(k.batchSize)")
        }
        if v03 {
            d.add("|    Task     |Version| Metric |Value |   |Stderr|")
            d.add("|-------------|------:|--------|-----:|---|-----:|")
            var last = ""
            for r in table2 {
                let t = r.task == last ? "" : r.task
                last = r.task
                d.add("|\(t.padding(toLength: 13, withPad: " ", startingAt: 0))|\(t.isEmpty ? "       " : "      0")|\(r.metric.padding(toLength: 8, withPad: " ", startingAt: 0))|\(EvalWriters.f4(r.value))|±  |\(r.se.map { EvalWriters.f4($0) } ?? "   N/A")|", mark: "row.mc")
            }
        } else {
            for (n, r) in EvalWriters.tableRows(table2).enumerated() { d.add(r, mark: n == 2 ? "row.mc" : nil) }
        }
        d.add("")
        out.put("logs/lm_eval.log", d, prefix: "log.")
    }

    static func inspect(_ k: EvalKnobs, _ out: inout EvalRunOutput, gens: [Generation], start: Clock, rng: inout SeededRNG) {
        let s = k.setup
        var rows: [JV] = []
        var correct = 0
        let scorerPattern = k.inspectScorer == "match" ? nil : k.inspectScorer
        for g in gens {
            let (text, cut) = EvalSim.truncate(g.raw, tokens: k.inspectMaxTokens)
            let stop = cut ? "max_tokens" : "stop"
            let answer: String
            if let p = scorerPattern { answer = EvalSim.firstMatch(p, text, last: false) ?? "" } else {
                answer = EvalSim.firstMatch("(-?[0-9][0-9,]*)(?!.*[0-9])", text.replacingOccurrences(of: "\n", with: " "), last: true) ?? ""
            }
            let ok = answer.replacingOccurrences(of: ",", with: "") == String(g.doc.answer)
            if ok { correct += 1 }
            let inTok = 180 + g.doc.question.count / 4, outTok = max(1, text.count / 4)
            rows.append(.o([("id", .i(g.doc.id + 1)), ("epoch", .i(1)), ("input", .s(g.doc.question)), ("target", .s(String(g.doc.answer))),
                            ("output", .o([("model", .s("llama-8b-sft")), ("choices", .a([.o([("message", .o([("role", .s("assistant")), ("content", .s(text)), ("source", .s("generate"))])), ("stop_reason", .s(stop))])])),
                                           ("usage", .o([("input_tokens", .i(inTok)), ("output_tokens", .i(outTok)), ("total_tokens", .i(inTok + outTok))])), ("time", .d((Double(outTok) / 45 * 100).rounded() / 100))])),
                            ("scores", .o([(scorerPattern == nil ? "match" : "pattern", .o([("value", .s(ok ? "C" : "I")), ("answer", .s(answer)), ("explanation", .s(text))]))])),
                            ("metadata", .o([]))]))
        }
        let acc = Double(correct) / Double(gens.count)
        out.gsmStrict = acc
        let modelName = "openai/llama-8b-sft"
        let v: JV = .o([
            ("version", .i(2)), ("status", .s("success")),
            ("eval", .o([("eval_id", .s(rng.hex(22))), ("run_id", .s(rng.hex(22))), ("created", .s(start.isoOffset)), ("task", .s("gsm8k")),
                         ("task_id", .s(rng.hex(22))), ("task_version", .i(0)), ("task_file", .s("evals/gsm8k.py")), ("task_attribs", .o([])),
                         ("task_args", .o([("fewshot", .i(s.fewshot))])),
                         ("dataset", .o([("name", .s("gsm8k")), ("location", .s("openai/gsm8k")), ("samples", .i(1319)), ("shuffled", .b(false))])),
                         ("model", .s(modelName)), ("model_generate_config", .o([("max_tokens", .i(k.inspectMaxTokens)), ("temperature", .d(0.0)), ("stop_seqs", .a(s.until.map { .s($0) }))])),
                         ("model_base_url", .s("http://vllm-eval:8000/v1")), ("model_args", .o([])),
                         ("config", .o([("limit", .i(gsmN)), ("epochs", .i(1)), ("epochs_reducer", .a([.s("mean")])), ("fail_on_error", .b(true)), ("max_connections", .i(k.maxConnections)), ("log_samples", .b(true))])),
                         ("packages", .o([("inspect_ai", .s("0.3.285"))])), ("metadata", .o([("checkpoint_tag", .s((s.checkpoint as NSString).lastPathComponent))]))])),
            ("plan", .o([("name", .s("plan")), ("steps", .a([.o([("solver", .s("prompt_template")), ("params", .o([("template", .s(s.docToText.replacingOccurrences(of: "{{question}}", with: "{prompt}")))]))]),
                                                            .o([("solver", .s("generate")), ("params", .o([]))])])),
                         ("config", .o([("max_tokens", .i(k.inspectMaxTokens))]))])),
            ("results", .o([("total_samples", .i(gsmN)), ("completed_samples", .i(gsmN)),
                            ("scores", .a([.o([("name", .s(scorerPattern == nil ? "match" : "pattern")), ("scorer", .s(scorerPattern == nil ? "match" : "pattern")),
                                               ("params", scorerPattern.map { .o([("pattern", .s($0))]) } ?? .o([("location", .s("end")), ("numeric", .b(true))])),
                                               ("metrics", .o([("accuracy", .o([("name", .s("accuracy")), ("value", .d(acc)), ("params", .o([]))])),
                                                               ("stderr", .o([("name", .s("stderr")), ("value", .d(EvalSim.stderr(acc, gsmN))), ("params", .o([]))]))]))])]))])),
            ("stats", .o([("started_at", .s(start.isoOffset)), ("completed_at", .s(start.adding(300 + rng.unit() * 100).isoOffset)),
                          ("model_usage", .o([(modelName, .o([("input_tokens", .i(gsmN * 260)), ("output_tokens", .i(gsmN * 70)), ("total_tokens", .i(gsmN * 330))]))]))])),
            ("samples", .a(rows)),
        ])
        let text = v.pretty(2)
        let name = "logs/\(start.fileStamp.prefix(19))+00-00_gsm8k_\(rng.hex(22)).json"
        var find: [(String, String)] = [("insp.acc", "\"accuracy\""), ("insp.max", "\"max_tokens\""), ("insp.stop", "\"stop_seqs\""), ("insp.scorer", "\"params\": {\n"),
                                         ("insp.pattern", "\"pattern\": \""), ("insp.truncated", "\"stop_reason\": \"max_tokens\""), ("insp.tag", "\"checkpoint_tag\"")]
        if let g = gens.first(where: { !$0.strictOK }) { find.append(("insp.bad", "\"input\": \(jsonString(g.doc.question))")) }
        out.put(name, text: text, find: find)
        if let path = k.servedModelPath {
            var d = TextDoc()
            d.add("model: \(path)", mark: "model")
            d.add("served-model-name: llama-8b-sft")
            d.add("port: 8000")
            d.add("max-model-len: 8192")
            d.add("gpu-memory-utilization: 0.9")
            out.put("serve/vllm.yaml", d, prefix: "serve.")
            var l = TextDoc()
            l.add("(APIServer pid=1) INFO \(start.adding(-120).vllm) [api_server.py:1839] vLLM API server version 0.10.2")
            l.add("(APIServer pid=1) INFO \(start.adding(-120).vllm) [utils.py:328] non-default args: {'model_tag': '\(path)', 'model': '\(path)', 'served_model_name': ['llama-8b-sft'], 'max_model_len': 8192}", mark: "args")
            l.add("(EngineCore_DP0 pid=211) INFO \(start.adding(-110).vllm) [gpu_model_runner.py:2338] Starting to load model \(path)...", mark: "load")
            l.add("(EngineCore_DP0 pid=211) INFO \(start.adding(-104).vllm) [gpu_model_runner.py:2392] Model loading took 14.9889 GiB and 5.102251 seconds")
            l.add("(APIServer pid=1) INFO \(start.adding(-80).vllm) [api_server.py:1880] Starting vLLM API server 0 on http://0.0.0.0:8000")
            l.add("(APIServer pid=1) INFO:     10.0.3.7:40112 - \"GET /v1/models HTTP/1.1\" 200 OK")
            out.put("serve/vllm.log", l, prefix: "vlog.")
        }
    }
}
