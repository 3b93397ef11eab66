import Foundation
import Testing
import DiagnoseCore
import DiagnoseText
@testable import DiagnoseIngest

@Suite struct ConfigParsersTests {
    func entry(_ sink: RecordSink, _ key: String) -> ConfigEntry? { sink.configs.first { $0.entry.key == key }?.entry }

    @Test func jsonKeysCarryTheirLines() throws {
        let sink = try ServingTestSupport.parse(JSONConfigParser(), path: "training_args.json", content: """
        {
          "learning_rate": 3e-4,
          "optim": {
            "betas": [0.9, 0.95]
          }
        }
        """)
        #expect(entry(sink, "learning_rate")?.line == 2)
        #expect(entry(sink, "optim.betas.1")?.line == 4)
        #expect(entry(sink, "optim.betas.1")?.value == .number(0.95))
        #expect(sink.configs.first?.kind == .training)
    }

    @Test func malformedJSONIsReportedWithLineAndPrefixSalvaged() throws {
        let sink = try ServingTestSupport.parse(JSONConfigParser(), path: "configs/train.json", content: """
        {
          "learning_rate": 0.001,
          "warmup_steps": 100,
          "scheduler": {"type": "cosine",, "min_lr": 0}
        }
        """)
        #expect(sink.problems.count == 1)
        #expect(sink.problems.first?.line == 4)
        #expect(entry(sink, "learning_rate")?.value == .number(0.001))
        #expect(entry(sink, "warmup_steps")?.value == .number(100))
    }

    @Test func truncatedResultsAreReportedNotFatal() throws {
        let content = """
        {
          "results": {
            "arc_easy": {"acc,none": 0.71, "acc_stderr,none": 0.01},
            "hellaswag": {"acc,none": 0.5
        """
        let sink = try ServingTestSupport.parse(LMEvalResultsParser(), path: "results_2026.json", content: content)
        #expect(!sink.problems.isEmpty)
        #expect(sink.problems.first?.line != nil)
        #expect(sink.evalScores.contains { $0.task == "arc_easy" && $0.value == 0.71 && $0.stderr == 0.01 })
        let empty = try ServingTestSupport.parse(LMEvalResultsParser(), path: "results_x.json", content: "")
        #expect(empty.problems.first?.message.contains("empty") == true)
    }

    @Test func malformedYAMLIsReportedWithLine() throws {
        let sink = try ServingTestSupport.parse(YAMLConfigParser(), path: "config.yaml", content: """
        lr: 0.001
        batch_size: 32
        model: [llama
        seed: 1
        """)
        #expect(sink.problems.count == 1)
        #expect(sink.problems.first?.line ?? 0 >= 3)
        #expect(entry(sink, "lr")?.value == .number(0.001))
    }

    @Test func yamlKeepsQuotedNumbersAsStringsAndLines() throws {
        let sink = try ServingTestSupport.parse(YAMLConfigParser(), path: "train.yaml", content: """
        optimizer:
          lr: "3e-4"
          betas: [0.9, 0.95]
        bf16: true
        """)
        #expect(entry(sink, "optimizer.lr")?.value == .string("3e-4"))
        #expect(entry(sink, "optimizer.lr")?.line == 2)
        #expect(entry(sink, "optimizer.betas.0")?.value == .number(0.9))
        #expect(entry(sink, "bf16")?.line == 4)
    }

    @Test func tomlErrorsCarryLinesAndTheRestIsRead() throws {
        let r = TOMLReader.read("""
        title = "x"
        [model]
        dim = 4096
        bad line here
        n_layers = 32
        name = "a.b" # comment
        [[layers]]
        k = 1
        [[layers]]
        k = 2
        """)
        #expect(r.errors.map(\.line) == [4])
        let keys = Dictionary(r.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(keys["model.n_layers"] == .number(32))
        #expect(keys["model.name"] == .string("a.b"))
        #expect(keys["layers.1.k"] == .number(2))
        #expect(r.entries.first { $0.key == "model.n_layers" }?.line == 5)
    }

    @Test func secretsAreFlaggedByKeyOrValueShape() throws {
        let sink = try ServingTestSupport.parse(YAMLConfigParser(), path: "serve.yaml", content: """
        api_key: abc
        openai: sk-proj-abcdefghijklmnopqrstuvwx
        hf: hf_abcdefghijklmnopqrstuvwxyz
        aws: AKIAABCDEFGHIJKLMNOP
        pad_token: "<pad>"
        max_tokens: 512
        """)
        #expect(entry(sink, "api_key")?.secret == true)
        #expect(entry(sink, "openai")?.secret == true)
        #expect(entry(sink, "hf")?.secret == true)
        #expect(entry(sink, "aws")?.secret == true)
        #expect(entry(sink, "pad_token")?.secret == false)
        #expect(entry(sink, "max_tokens")?.secret == false)
    }

    @Test func tokenizerChatTemplateStringAndSeparateFiles() throws {
        let sink = try ServingTestSupport.parse(JSONConfigParser(), path: "model/tokenizer_config.json", content: """
        {"chat_template": "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}", "eos_token": "</s>"}
        """)
        let t = try #require(sink.configs.first { $0.entry.key == "chat_template" })
        #expect(t.kind == .chatTemplate)
        #expect(t.entry.value == .text("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}"))
        #expect(sink.configs.first { $0.entry.key == "eos_token" }?.kind == .tokenizer)
        let named = try ServingTestSupport.parse(PromptTemplateParser(), path: "model/chat_templates/tool_use.jinja", content: "{{ tools }}")
        #expect(named.configs.first?.entry.key == "chat_template.tool_use")
        #expect(named.configs.first?.kind == .chatTemplate)
        #expect(PromptTemplateParser().sniff(FileHead(path: "README.md", text: "# Project")) == 0)
    }

    @Test func launchScriptFlagsNormaliseAndNegate() throws {
        let sink = try ServingTestSupport.parse(LaunchScriptParser(), path: "launch.sh", content: """
        #!/usr/bin/env bash
        # start the server
        python3 -m vllm.entrypoints.openai.api_server --model /models/llama --no-enable-prefix-caching \\
            --block-size 32 --served-model-name llama chat > server.log 2>&1 &
        """)
        #expect(entry(sink, "model")?.value == .string("/models/llama"))
        #expect(entry(sink, "enable_prefix_caching")?.value == .bool(false))
        #expect(entry(sink, "block_size")?.value == .number(32))
        #expect(entry(sink, "block_size")?.line == 4)
        #expect(entry(sink, "served_model_name")?.value == .string("llama chat"))
        #expect(sink.configs.allSatisfy { $0.kind == .serving })
    }

    @Test func hydraOverridesAndKinds() throws {
        let sink = try ServingTestSupport.parse(YAMLConfigParser(), path: "outputs/2026-01-01/10-00-00/.hydra/overrides.yaml",
                                                content: "- optimizer.lr=3e-4\n- ~data.cache\n- ++trainer.devices=8\n")
        #expect(entry(sink, "overrides.optimizer.lr")?.value == .number(3e-4))
        #expect(entry(sink, "overrides.data.cache")?.value == .null)
        #expect(entry(sink, "overrides.trainer.devices")?.line == 3)
        #expect(sink.configs.allSatisfy { $0.kind == .hydra })
    }

    @Test func dockerImageLaunchLine() throws {
        let sink = try ServingTestSupport.parse(LaunchScriptParser(), path: "deploy/run.sh", content: """
        docker run --gpus all -p 8000:8000 vllm/vllm-openai:v0.8.5 --model Qwen/Qwen2.5-7B-Instruct --gpu-memory-utilization 0.5
        """)
        #expect(entry(sink, "model")?.value == .string("Qwen/Qwen2.5-7B-Instruct"))
        #expect(entry(sink, "gpu_memory_utilization")?.value == .number(0.5))
        #expect(entry(sink, "gpus") == nil)
    }

    @Test func recordsGroupIntoDocuments() throws {
        let sink = try ServingTestSupport.parse(JSONConfigParser(), path: "model/tokenizer_config.json", content: """
        {"eos_token": "</s>", "chat_template": "{{ messages }}", "model_max_length": 4096}
        """)
        let docs = ConfigDocuments.group(path: "model/tokenizer_config.json", sink.configs)
        #expect(docs.map(\.document) == ["", "chat_template"])
        #expect(docs.map(\.kind) == [.tokenizer, .chatTemplate])
        #expect(docs[0].entries.map(\.key) == ["eos_token", "model_max_length"])
    }
}
