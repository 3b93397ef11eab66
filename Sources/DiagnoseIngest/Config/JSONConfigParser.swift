import Foundation
import DiagnoseCore
import DiagnoseText

/// JSON config files: HF `training_args.json`, `config.json`, `generation_config.json`,
/// `tokenizer_config.json` (with `chat_template` as a string or a named list), DeepSpeed
/// configs (`"auto"` kept as the string), and other JSON objects, flattened to dotted keys.
public struct JSONConfigParser: FormatParser {
    public let id = "json-config"
    public init() {}

    static let hfNames: Set<String> = [
        "training_args.json", "trainer_args.json", "config.json", "generation_config.json", "tokenizer_config.json",
        "special_tokens_map.json", "processor_config.json", "chat_template.json", "adapter_config.json",
    ]

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "json" else { return 0 }
        guard ConfigSupport.firstNonSpace(head.text) == "{" else { return 0 }
        let t = head.text
        // Other parsers' JSON: trainer state, eval results, Inspect logs, JSON lines.
        if t.contains("\"log_history\"") { return 0 }
        if head.lines.count > 1, head.lines.prefix(3).allSatisfy({ $0.hasPrefix("{") && $0.hasSuffix("}") }) { return 0 }
        if JSONConfigParser.hfNames.contains(head.name) { return 0.9 }
        if t.contains("\"zero_optimization\"") || t.contains("\"train_micro_batch_size_per_gpu\"") { return 0.85 }
        if head.name.hasSuffix("results.json") || head.name.hasPrefix("results_") { return 0.25 }
        if head.size > 8 << 20 { return 0 }
        return 0.4
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "config file too large to read as one document (\(bytes.count) bytes)")
            return
        }
        let r = JSONConfigReader.read(bytes)
        if let e = r.error {
            sink.problem(line: e.line, "malformed JSON: \(e.message); \(r.entries.count) keys read before it")
        }
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        guard r.value != nil else { return }
        let kind = ConfigKinds.kind(path: input.path, keys: r.entries.map(\.key))
        var main: [FlatEntry] = []
        var templates: [FlatEntry] = []
        for e in r.entries {
            if e.key == "chat_template" || e.key.hasPrefix("chat_template.") {
                templates.append(e)
            } else {
                main.append(e)
            }
        }
        if !templates.isEmpty { templates = JSONConfigParser.chatTemplates(templates, value: r.value) }
        ConfigSupport.emit(kind == .serving ? ConfigKinds.normaliseServing(main) : main,
                           kind: kind == .chatTemplate ? .tokenizer : kind, into: sink)
        ConfigSupport.emit(templates, document: "chat_template", kind: .chatTemplate, into: sink)
    }

    /// `chat_template` as one string, or `[{"name": n, "template": t}]` -> `chat_template.<n>`.
    static func chatTemplates(_ flat: [FlatEntry], value: JSONValue?) -> [FlatEntry] {
        let line = flat.first?.line
        switch value?["chat_template"] {
        case .string(let s)?: return [FlatEntry(key: "chat_template", value: .text(s), line: line)]
        case .array(let items)?:
            var out: [FlatEntry] = []
            for (i, item) in items.enumerated() {
                let name = item["name"]?.string ?? String(i)
                if let t = item["template"]?.string {
                    let l = flat.first { $0.key == "chat_template.\(i).template" }?.line ?? line
                    out.append(FlatEntry(key: "chat_template.\(name)", value: .text(t), line: l))
                }
            }
            return out
        default: return flat
        }
    }

    public var examples: [ParserExample] {
        [
            ParserExample(name: "HF training_args.json", path: "output/training_args.json", content: """
            {
              "output_dir": "out/sft-7b",
              "per_device_train_batch_size": 8,
              "gradient_accumulation_steps": 4,
              "learning_rate": 0.0003,
              "lr_scheduler_type": "cosine",
              "warmup_ratio": 0.03,
              "bf16": true,
              "fp16": false,
              "report_to": ["wandb"],
              "hub_token": "<HUB_TOKEN>"
            }
            """, expect: [.config(key: "learning_rate", value: .number(0.0003)),
                          .config(key: "bf16", value: .bool(true)),
                          .config(key: "report_to.0", value: .string("wandb"))]),
            ParserExample(name: "DeepSpeed config with auto", path: "configs/ds_config_zero2.json", content: """
            {
              "train_batch_size": "auto",
              "train_micro_batch_size_per_gpu": "auto",
              "gradient_accumulation_steps": "auto",
              "gradient_clipping": 1.0,
              "fp16": {"enabled": "auto", "loss_scale": 0, "initial_scale_power": 16, "loss_scale_window": 1000, "hysteresis": 2, "min_loss_scale": 1},
              "bf16": {"enabled": false},
              "zero_optimization": {"stage": 2, "overlap_comm": true, "contiguous_gradients": true, "reduce_bucket_size": 5e8}
            }
            """, expect: [.config(key: "train_batch_size", value: .string("auto")),
                          .config(key: "zero_optimization.stage", value: .number(2)),
                          .config(key: "zero_optimization.reduce_bucket_size", value: .number(5e8)),
                          .config(key: "fp16.initial_scale_power", value: .number(16))]),
            ParserExample(name: "generation_config.json (only non-default keys)", path: "model/generation_config.json", content: """
            {
              "bos_token_id": 128000,
              "do_sample": true,
              "eos_token_id": [128001, 128008, 128009],
              "temperature": 0.6,
              "top_p": 0.9,
              "transformers_version": "4.57.1"
            }
            """, expect: [.config(key: "eos_token_id.2", value: .number(128009)),
                          .config(key: "temperature", value: .number(0.6))]),
            ParserExample(name: "tokenizer_config.json with named chat templates", path: "model/tokenizer_config.json", content: """
            {
              "bos_token": "<s>",
              "chat_template": [{"name": "default", "template": "{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}"}, {"name": "tool_use", "template": "{{ tools | tojson }}"}],
              "model_max_length": 32768
            }
            """, expect: [.config(key: "chat_template.tool_use", value: .text("{{ tools | tojson }}"), document: "chat_template"),
                          .config(key: "model_max_length", value: .number(32768))]),
        ]
    }
}
