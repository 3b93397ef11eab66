import Foundation
import DiagnoseCore
import DiagnoseText

/// YAML config files: training/serving/eval configs, Hydra's `.hydra/config.yaml` (interpolations
/// kept literal) and `.hydra/overrides.yaml` (each `key=value` override -> `overrides.<key>`).
public struct YAMLConfigParser: FormatParser {
    public let id = "yaml-config"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "yaml" || head.ext == "yml" else { return 0 }
        if head.size > 16 << 20 { return 0 }
        return 0.6
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "config file too large to read as one document (\(bytes.count) bytes)")
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        let r = YAMLConfigReader.read(text)
        if let e = r.error {
            sink.problem(line: e.line, "malformed YAML: \(e.message); \(r.entries.count) keys read before it")
        }
        let kind = ConfigKinds.kind(path: input.path, keys: r.entries.map(\.key))
        let name = ConfigSupport.components(input.path).last ?? ""
        if kind == .hydra, name == "overrides.yaml", let overrides = r.topLevelStrings {
            ConfigSupport.emit(YAMLConfigParser.overrides(overrides), kind: .hydra, into: sink)
            return
        }
        ConfigSupport.emit(kind == .serving ? ConfigKinds.normaliseServing(r.entries) : r.entries, kind: kind, into: sink)
    }

    /// Hydra override strings (`trainer.lr=1e-4`, `+x=1`, `++x=1`, `~x`) as `overrides.<key>` entries.
    static func overrides(_ items: [(String, Int?)]) -> [FlatEntry] {
        items.map { raw, line in
            var s = Substring(raw)
            while s.first == "+" { s.removeFirst() }
            if s.first == "~" {
                s.removeFirst()
                let key = s.split(separator: "=", maxSplits: 1).first.map(String.init) ?? String(s)
                return FlatEntry(key: "overrides.\(key)", value: .null, line: line)
            }
            guard let eq = s.firstIndex(of: "=") else {
                return FlatEntry(key: "overrides.\(s)", value: .string(""), line: line)
            }
            let key = String(s[..<eq])
            let value = String(s[s.index(after: eq)...])
            return FlatEntry(key: "overrides.\(key)", value: ConfigSupport.typedScalar(value), line: line)
        }
    }

    public var examples: [ParserExample] {
        [
            ParserExample(name: "Hydra config.yaml with interpolation", path: "outputs/2026-11-03/08-00-00/.hydra/config.yaml", content: """
            trainer:
              lr: 3.0e-4
              max_steps: 5000
              precision: bf16-mixed
            data:
              path: ${oc.env:DATA_DIR}/shards
              num_workers: 8
            run_name: ???
            """, expect: [.config(key: "trainer.lr", value: .number(3e-4)),
                          .config(key: "data.path", value: .string("${oc.env:DATA_DIR}/shards")),
                          .config(key: "run_name", value: .string("???"))]),
            ParserExample(name: "Hydra overrides.yaml", path: "outputs/2026-11-03/08-00-00/.hydra/overrides.yaml", content: """
            - trainer.lr=1e-4
            - +data.shuffle=false
            - model=llama_7b
            """, expect: [.config(key: "overrides.trainer.lr", value: .number(1e-4)),
                          .config(key: "overrides.data.shuffle", value: .bool(false)),
                          .config(key: "overrides.model", value: .string("llama_7b"))]),
            ParserExample(name: "vLLM serve config YAML", path: "serving/vllm-config.yaml", content: """
            model: meta-llama/Llama-3.1-8B-Instruct
            enable-prefix-caching: true
            gpu-memory-utilization: 0.9
            max-num-seqs: 256
            port: 8000
            """, expect: [.config(key: "enable_prefix_caching", value: .bool(true)),
                          .config(key: "gpu_memory_utilization", value: .number(0.9))]),
        ]
    }
}

/// TOML config files (torchtitan train configs, pyproject-style tool configs).
public struct TOMLConfigParser: FormatParser {
    public let id = "toml-config"
    public init() {}

    public func sniff(_ head: FileHead) -> Double {
        guard head.ext == "toml" else { return 0 }
        return head.size > 16 << 20 ? 0 : 0.6
    }

    public func parse(_ input: ParseInput, into sink: RecordSink) throws {
        let bytes = try ConfigSupport.readAll(input)
        guard bytes.count <= ConfigSupport.maxDocumentBytes else {
            sink.problem(line: nil, "config file too large to read as one document (\(bytes.count) bytes)")
            return
        }
        sink.progress(lines: ConfigSupport.lineCount(bytes))
        let r = TOMLReader.read(String(decoding: bytes, as: UTF8.self))
        for e in r.errors { sink.problem(line: e.line, "malformed TOML: \(e.message)") }
        let kind = ConfigKinds.kind(path: input.path, keys: r.entries.map(\.key))
        ConfigSupport.emit(kind == .serving ? ConfigKinds.normaliseServing(r.entries) : r.entries, kind: kind, into: sink)
    }

    public var examples: [ParserExample] {
        [ParserExample(name: "torchtitan train config", path: "train_configs/llama3_8b.toml", content: """
        # torchtitan Config.toml
        [job]
        dump_folder = "./outputs"
        description = "Llama 3 8B training"

        [optimizer]
        name = "AdamW"
        lr = 3e-4
        eps = 1e-8

        [training]
        local_batch_size = 1
        seq_len = 8192
        max_norm = 1.0  # grad norm clipping
        steps = 1_000
        mixed_precision_param = 'bfloat16'
        enable = true
        dims = [1, 2]
        """, expect: [.config(key: "optimizer.lr", value: .number(3e-4)),
                      .config(key: "training.steps", value: .number(1000)),
                      .config(key: "training.mixed_precision_param", value: .string("bfloat16")),
                      .config(key: "training.dims.1", value: .number(2)),
                      .config(key: "training.enable", value: .bool(true))])]
    }
}
