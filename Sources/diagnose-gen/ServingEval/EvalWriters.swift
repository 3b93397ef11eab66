import Foundation

/// Writers for lm-evaluation-harness, Inspect AI and pytest outputs, and the model files an eval reads.
enum EvalWriters {
    static let mcTasks: [(name: String, n: Int, ceiling: Double, floor: Double, norm: Bool)] =
        [("arc_challenge", 1172, 0.56, 0.25, true), ("hellaswag", 10042, 0.79, 0.25, true), ("winogrande", 1267, 0.74, 0.5, false)]

    static func f4(_ v: Double) -> String { String(format: "%.4f", v) }

    static func sha(_ s: String) -> String {
        var h1 = stableHash(s), h2 = stableHash("x" + s)
        var out = ""
        for _ in 0..<4 { out += String(format: "%016llx", h1 ^ (h2 << 7)); h1 = h1 &* 0x9E3779B97F4A7C15 &+ 1; h2 = h2 &* 31 &+ 7 }
        return out
    }

    static func chatTemplate(_ style: ChatStyle) -> String {
        switch style {
        case .llama3, .none:
            return "{{- bos_token }}\n{%- for message in messages %}\n    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n"
        case .llama3NoGenPrompt:
            return "{{- bos_token }}\n{%- for message in messages %}\n    {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}\n{%- endfor %}\n"
        case .chatml:
            return "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
        case .mistral:
            return "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}"
        }
    }

    enum TemplateForm { case string, namedList, jinjaFile }

    /// tokenizer_config.json (+ chat_template.jinja for the separate-file form).
    static func tokenizerFiles(_ style: ChatStyle, form: TemplateForm) -> [(String, String)] {
        var kv: [(String, JV)] = [
            ("add_bos_token", .b(true)), ("add_eos_token", .b(false)),
            ("added_tokens_decoder", .o([("128000", .o([("content", .s("<|begin_of_text|>")), ("lstrip", .b(false)), ("normalized", .b(false)), ("rstrip", .b(false)), ("single_word", .b(false)), ("special", .b(true))])),
                                         ("128009", .o([("content", .s("<|eot_id|>")), ("lstrip", .b(false)), ("normalized", .b(false)), ("rstrip", .b(false)), ("single_word", .b(false)), ("special", .b(true))]))])),
            ("bos_token", .s("<|begin_of_text|>")),
        ]
        switch form {
        case .string: kv.append(("chat_template", .s(chatTemplate(style))))
        case .namedList: kv.append(("chat_template", .a([.o([("name", .s("default")), ("template", .s(chatTemplate(style)))]),
                                                          .o([("name", .s("tool_use")), ("template", .s(chatTemplate(.llama3)))])])))
        case .jinjaFile: break
        }
        kv += [("clean_up_tokenization_spaces", .b(true)), ("eos_token", .s("<|eot_id|>")), ("extra_special_tokens", .o([])),
               ("model_input_names", .a([.s("input_ids"), .s("attention_mask")])), ("model_max_length", .i(131072)),
               ("pad_token", .s("<|finetune_right_pad_id|>")), ("padding_side", .s("left")), ("tokenizer_class", .s("PreTrainedTokenizerFast"))]
        var out = [("model/tokenizer_config.json", JV.o(kv).pretty(2) + "\n")]
        if form == .jinjaFile { out.append(("model/chat_template.jinja", chatTemplate(style))) }
        return out
    }

    static func generationConfig(eos: [Int], temperature: String, maxNew: Int?) -> TextDoc {
        var d = TextDoc()
        d.add("{")
        d.add("  \"bos_token_id\": 128000,")
        d.add("  \"do_sample\": true,")
        if eos.count == 1 { d.add("  \"eos_token_id\": \(eos[0]),", mark: "eos") } else {
            d.add("  \"eos_token_id\": [", mark: "eos")
            for (k, e) in eos.enumerated() { d.add("    \(e)\(k == eos.count - 1 ? "" : ",")") }
            d.add("  ],")
        }
        if let maxNew { d.add("  \"max_new_tokens\": \(maxNew),", mark: "maxnew") }
        d.add("  \"temperature\": \(temperature),", mark: "temperature")
        d.add("  \"top_p\": 0.9,")
        d.add("  \"transformers_version\": \"4.57.1\"")
        d.add("}")
        return d
    }

    static func gsm8kConfig(_ s: EvalSetup) -> JV {
        .o([("task", .s("gsm8k")), ("tag", .a([.s("math_word_problems")])), ("dataset_path", .s("gsm8k")), ("dataset_name", .s("main")),
            ("training_split", .s("train")), ("test_split", .s("test")), ("fewshot_split", .s("train")),
            ("doc_to_text", .s(s.docToText)), ("doc_to_target", .s("{{answer}}")), ("unsafe_code", .b(false)), ("description", .s("")),
            ("target_delimiter", .s(" ")), ("fewshot_delimiter", .s("\n\n")), ("num_fewshot", .i(s.fewshot)),
            ("metric_list", .a([.o([("metric", .s("exact_match")), ("aggregation", .s("mean")), ("higher_is_better", .b(true)), ("ignore_case", .b(true)),
                                     ("ignore_punctuation", .b(false)), ("regexes_to_ignore", .a([.s(","), .s("\\$"), .s("(?s).*#### "), .s("\\.$")]))])])),
            ("output_type", .s("generate_until")),
            ("generation_kwargs", .o([("until", .a(s.until.map { .s($0) })), ("do_sample", .b(false)), ("temperature", .d(0.0)), ("max_gen_toks", .i(s.maxGenToks))])),
            ("repeats", .i(1)),
            ("filter_list", .a([.o([("name", .s("strict-match")), ("filter", .a([.o([("function", .s("regex")), ("regex_pattern", .s(s.strictRegex))]), .o([("function", .s("take_first"))])]))]),
                                .o([("name", .s("flexible-extract")), ("filter", .a([.o([("function", .s("regex")), ("group_select", .i(-1)), ("regex_pattern", .s(s.flexRegex))]), .o([("function", .s("take_first"))])]))])])),
            ("should_decontaminate", .b(false)), ("metadata", .o([("version", .d(3.0))]))])
    }

    static func mcConfig(_ name: String, fewshot: Int) -> JV {
        .o([("task", .s(name)), ("dataset_path", .s(name == "arc_challenge" ? "allenai/ai2_arc" : name == "hellaswag" ? "Rowan/hellaswag" : "winogrande")),
            ("test_split", .s(name == "hellaswag" ? "validation" : "test")), ("num_fewshot", .i(fewshot)), ("output_type", .s("multiple_choice")),
            ("metric_list", .a([.o([("metric", .s("acc")), ("aggregation", .s("mean")), ("higher_is_better", .b(true))])])),
            ("repeats", .i(1)), ("should_decontaminate", .b(false)), ("metadata", .o([("version", .d(1.0))]))])
    }

    /// lm-eval v0.4 results JSON; `results` maps task to ordered metric entries.
    static func resultsJSON(_ s: EvalSetup, results: [(String, [(String, JV)])], configs: [(String, JV)], nshot: [(String, Int)],
                            nsamples: [(String, Int, Int)], limit: Int?, modelArgs: String, genKwargs: String?, bootstrapIters: Int = 100000, start: Clock, seconds: Double) -> String {
        let chat = s.chat == .none ? JV.null : .s(chatTemplate(s.chat))
        let v: JV = .o([
            ("results", .o(results.map { ($0.0, .o([("alias", .s($0.0))] + $0.1)) })),
            ("group_subtasks", .o(results.map { ($0.0, .a([])) })),
            ("configs", .o(configs)),
            ("versions", .o(results.map { ($0.0, .d($0.0 == "gsm8k" ? 3.0 : 1.0)) })),
            ("n-shot", .o(nshot.map { ($0.0, .i($0.1)) })),
            ("higher_is_better", .o(results.map { r in (r.0, .o(r.1.filter { !$0.0.contains("stderr") }.map { ($0.0.components(separatedBy: ",")[0], .b(true)) })) })),
            ("n-samples", .o(nsamples.map { ($0.0, .o([("original", .i($0.1)), ("effective", .i($0.2))])) })),
            ("config", .o([("model", .s("hf")), ("model_args", .s(modelArgs)), ("model_num_parameters", .i(8_030_261_248)), ("model_dtype", .s("torch.bfloat16")),
                           ("model_revision", .s("main")), ("model_sha", .s("")), ("batch_size", .s("8")), ("batch_sizes", .a([])), ("device", .s("cuda:0")),
                           ("use_cache", .null), ("limit", limit.map { .d(Double($0)) } ?? .null), ("bootstrap_iters", .i(bootstrapIters)),
                           ("gen_kwargs", genKwargs.map { .s($0) } ?? .null), ("random_seed", .i(0)), ("numpy_seed", .i(1234)), ("torch_seed", .i(1234)), ("fewshot_seed", .i(1234))])),
            ("git_hash", .s("4e7e0d4")), ("date", .d(start.epoch + 0.5123)),
            ("pretty_env_info", .s("PyTorch version: 2.8.0+cu128\nIs debug build: False\nCUDA used to build PyTorch: 12.8\nOS: Ubuntu 22.04.5 LTS (x86_64)\nPython version: 3.11.13\nIs CUDA available: True\nGPU models and configuration: GPU 0: NVIDIA H100 80GB HBM3")),
            ("transformers_version", .s("4.57.1")), ("lm_eval_version", .s("0.4.9.1")), ("upper_git_hash", .null),
            ("tokenizer_pad_token", .a([.s("<|finetune_right_pad_id|>"), .s("128004")])), ("tokenizer_eos_token", .a([.s("<|eot_id|>"), .s("128009")])),
            ("tokenizer_bos_token", .a([.s("<|begin_of_text|>"), .s("128000")])), ("eot_token_id", .i(128009)), ("max_length", .i(131072)),
            ("task_hashes", .o([])), ("model_source", .s("hf")), ("model_name", .s(s.checkpoint)),
            ("model_name_sanitized", .s(sanitized(s.checkpoint))), ("system_instruction", .null), ("system_instruction_sha", .null),
            ("fewshot_as_multiturn", .b(s.chat != .none)), ("chat_template", chat), ("chat_template_sha", s.chat == .none ? .null : .s(sha(chatTemplate(s.chat)))),
            ("start_time", .d(start.epoch - 1_780_000_000 + 0.25)), ("end_time", .d(start.epoch - 1_780_000_000 + seconds)),
            ("total_evaluation_time_seconds", .s(String(format: "%.6f", seconds))),
        ])
        return v.pretty(2)
    }

    static func sanitized(_ s: String) -> String { s.replacingOccurrences(of: "/", with: "__") }

    /// The lm-eval samples_gsm8k JSONL: one line per (doc, filter).
    static func samplesJSONL(_ s: EvalSetup, _ gens: [Generation]) -> TextDoc {
        var d = TextDoc()
        for g in gens {
            for (filter, resp, ok) in [("strict-match", g.strict, g.strictOK), ("flexible-extract", g.flex, g.flexOK)] {
                let line: JV = .o([
                    ("doc_id", .i(g.doc.id)), ("doc", .o([("question", .s(g.doc.question)), ("answer", .s(g.doc.solution))])),
                    ("target", .s(g.doc.solution)),
                    ("arguments", .o([("gen_args_0", .o([("arg_0", .s(g.context)),
                                                          ("arg_1", .o([("until", .a(s.until.map { .s($0) })), ("do_sample", .b(false)), ("temperature", .d(0.0)), ("max_gen_toks", .i(s.maxGenToks))]))]))])),
                    ("resps", .a([.a([.s(g.raw)])])), ("filtered_resps", .a([.s(resp)])), ("filter", .s(filter)), ("metrics", .a([.s("exact_match")])),
                    ("doc_hash", .s(sha(g.doc.question))), ("prompt_hash", .s(sha(g.context))), ("target_hash", .s(sha(g.doc.solution))),
                    ("exact_match", .d(ok ? 1.0 : 0.0)),
                ])
                d.add(line.compact)
            }
        }
        return d
    }

    /// The make_table rows for one task's metrics.
    static func tableRows(_ rows: [(task: String, version: String, filter: String, nshot: Int, metric: String, value: Double, se: Double?)]) -> [String] {
        let tw = max(5, rows.map { $0.task.count }.max() ?? 5), fw = max(6, rows.map { $0.filter.count }.max() ?? 6), mw = max(6, rows.map { $0.metric.count }.max() ?? 6)
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String { let p = String(repeating: " ", count: max(0, w - s.count)); return right ? p + s : s + p }
        var out = ["|\(pad("Tasks", tw))|Version|\(pad("Filter", fw))|n-shot|\(pad("Metric", mw))|   |Value |   |Stderr|",
                   "|\(String(repeating: "-", count: tw))|------:|\(String(repeating: "-", count: fw))|-----:|\(String(repeating: "-", count: mw))|---|-----:|---|-----:|"]
        var last = ""
        for r in rows {
            let t = r.task == last ? "" : r.task
            let v = r.task == last ? "" : r.version
            last = r.task
            out.append("|\(pad(t, tw))|\(pad(v, 7, right: true))|\(pad(r.filter, fw))|\(pad(String(r.nshot), 6, right: true))|\(pad(r.metric, mw))|↑  |\(f4(r.value))|±  |\(r.se.map { f4($0) } ?? "   N/A")|")
        }
        return out
    }
}
