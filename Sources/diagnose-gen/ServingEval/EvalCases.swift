import Foundation

/// Evaluation / context-rendering incident cases: a baseline and an incident run of one eval
/// pipeline (and, for some, an older run the incident's scores match).
enum EvalCases {
    struct Spec {
        var cause: String
        var split: Split
        var task: String
        var harness: EvalHarness
        var base: EvalKnobs
        var inc: EvalKnobs
        var older: EvalKnobs? = nil
        var evidence: [(String, String)]
        var notes: String
    }

    static func knobs(_ ckpt: String, step: Int, chat: ChatStyle = .none) -> EvalKnobs {
        var s = EvalSetup(checkpoint: ckpt, step: step)
        s.chat = chat
        return EvalKnobs(setup: s)
    }

    static func build(_ spec: Spec, seed: UInt64) -> GeneratedCase {
        var rng = SeededRNG(seed: seed)
        let (baseID, incID) = Naming.evalPair(spec.task, rng: &rng)
        let t0 = Naming.start(rng: &rng)
        let t1 = t0.adding(Double(rng.int(1...5)) * 86400 + Double(rng.int(0...9000)))
        var asm = CaseAssembler()
        if let older = spec.older {
            let oid = baseID + "-prev"
            let o = EvalRunBuilder.run(harness: spec.harness, older, runID: oid, baseline: nil, start: t0.adding(-Double(rng.int(6...12)) * 86400), notes: nil)
            for (p, t) in o.files { asm.put("runs/\(oid)/\(p)", t) }
        }
        let b = EvalRunBuilder.run(harness: spec.harness, spec.base, runID: baseID, baseline: nil, start: t0, notes: nil)
        let i = EvalRunBuilder.run(harness: spec.harness, spec.inc, runID: incID, baseline: baseID, start: t1,
                                   notes: spec.cause == "wrong-checkpoint" || spec.cause == "healthy" ? "nightly eval of the newest checkpoint" : nil)
        for (p, t) in b.files { asm.put("runs/\(baseID)/\(p)", t) }
        for (p, t) in i.files { asm.put("runs/\(incID)/\(p)", t) }
        var ev: [KeyEvidence] = []
        for (key, why) in spec.evidence {
            guard let (file, line) = i.marks[key] else { fatalError("no mark \(key) for \(spec.cause) (\(incID)) marks: \(i.marks.keys.sorted())") }
            ev.append(KeyEvidence(file: file, line: line, why: why))
        }
        var notes = spec.notes
        if spec.harness == .inspect {
            notes += String(format: " Simulated gsm8k accuracy: baseline %.3f, incident %.3f.", b.gsmStrict, i.gsmStrict)
        } else {
            notes += String(format: " Simulated gsm8k exact_match strict/flexible: baseline %.3f/%.3f, incident %.3f/%.3f; arc_challenge acc %.3f -> %.3f.",
                            b.gsmStrict, b.gsmFlex, i.gsmStrict, i.gsmFlex, b.mc["arc_challenge"] ?? 0, i.mc["arc_challenge"] ?? 0)
        }
        let truth = Truth(runID: incID, cause: spec.cause, onsetTime: spec.cause == "healthy" ? nil : t1.iso, onsetStep: nil,
                          evidence: spec.cause == "healthy" ? [] : ev, notes: notes)
        return asm.build(cause: spec.cause, split: spec.split, truth: truth)
    }

    static func make(seed: UInt64) -> [GeneratedCase] {
        var specs: [Spec] = []
        let ck = "/ckpt/llama8b-sft-r12/checkpoint-"

        // chat-template-mismatch
        do {
            let b = knobs(ck + "6000", step: 6000, chat: .llama3)
            var i = b; i.setup.chat = .chatml; i.outputPath = "/results/nightly"
            specs.append(Spec(cause: "chat-template-mismatch", split: .dev, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("tok.template", "tokenizer_config.json now carries a ChatML template for a Llama-3 model"),
                                         ("smp.bad", "ChatML role tokens leak into the rendered context and the model's output"),
                                         ("log.row.strict", "exact_match drops across tasks")],
                              notes: "The tokenizer files were copied from another model family; contexts are rendered with <|im_start|> markers the model was never trained on. Output path change is benign."))
        }
        do {
            var b = knobs(ck + "8000", step: 8000, chat: .llama3); b.tplForm = .jinjaFile
            var i = b; i.setup.chat = .llama3NoGenPrompt; i.batchSize = 16
            specs.append(Spec(cause: "chat-template-mismatch", split: .dev, task: "chat", harness: .lmEval, base: b, inc: i,
                              evidence: [("res.chat", "the chat template used has no add_generation_prompt branch: no assistant header is rendered"),
                                         ("smp.bad", "the model writes the assistant header itself; role text leaks into the response"),
                                         ("log.row.strict", "scores fall on every task")],
                              notes: "chat_template.jinja lost its generation-prompt block, so contexts end after the user turn. Batch size change is benign."))
        }
        do {
            var b = knobs(ck + "7000", step: 7000, chat: .llama3); b.tplForm = .namedList; b.junit = true
            var i = b; i.setup.chat = .mistral
            specs.append(Spec(cause: "chat-template-mismatch", split: .heldout, task: "sft", harness: .lmEval, base: b, inc: i,
                              evidence: [("tok.template", "the default entry of the named chat_template list is an [INST] template"),
                                         ("smp.bad", "[INST] markers in the context; the answer format breaks"),
                                         ("junit.fail", "eval gate fails on gsm8k")],
                              notes: "The 'default' named template was overwritten with a Mistral-style template."))
        }

        // stop-sequence-misconfig
        do {
            var b = knobs(ck + "6000", step: 6000); b.customTask = true; b.bootstrapIters = 0
            var i = b; i.setup.until = ["<|im_end|>"]
            specs.append(Spec(cause: "stop-sequence-misconfig", split: .dev, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("task.until", "'Question:' removed from the stop sequences"),
                                         ("smp.bad", "generation runs on into the next invented question"),
                                         ("log.row.flex", "flexible-extract (last number) collapses while strict-match holds")],
                              notes: "Without 'Question:' as a stop, the few-shot model keeps writing new question/answer pairs; the last number in the output is no longer the answer."))
        }
        do {
            let b = knobs(ck + "9000", step: 9000, chat: .llama3)
            var i = b; i.genEos = [128001]
            specs.append(Spec(cause: "stop-sequence-misconfig", split: .dev, task: "chat", harness: .lmEval, base: b, inc: i,
                              evidence: [("gen.eos", "eos_token_id no longer includes <|eot_id|> (128009)"),
                                         ("smp.bad", "the response continues past the end of the assistant turn")],
                              notes: "The chat model ends its turn with <|eot_id|>, which is no longer an EOS id, so generation continues until the length limit."))
        }
        do {
            let b = knobs(ck + "6000", step: 6000)
            var i = b; i.setup.until = ["Question:", "</s>", "<|im_end|>", "\n"]; i.maxConnections = 48
            specs.append(Spec(cause: "stop-sequence-misconfig", split: .heldout, task: "math", harness: .inspect, base: b, inc: i,
                              evidence: [("insp.stop", "a newline was added to the stop sequences"),
                                         ("insp.bad", "outputs end after the first reasoning line, before the answer")],
                              notes: "Generation stops at the first newline; the final answer is never produced. max_connections change is benign."))
        }

        // max-tokens-truncation
        do {
            var b = knobs(ck + "6000", step: 6000)
            var i = b; i.genKwargsCLI = "max_gen_toks=24"; i.setup.maxGenToks = 24
            b.outputPath = "/results/a"
            specs.append(Spec(cause: "max-tokens-truncation", split: .dev, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("cfg.gen_kwargs", "max_gen_toks=24 passed on the command line"),
                                         ("log.cligen", "lm-eval warns the CLI gen_kwargs override the task's"),
                                         ("smp.bad", "responses cut mid-solution before '####'")],
                              notes: "A 24-token budget cannot hold a worked solution; responses stop mid-sentence."))
        }
        do {
            let b = knobs(ck + "8000", step: 8000)
            var i = b; i.inspectMaxTokens = 20
            specs.append(Spec(cause: "max-tokens-truncation", split: .dev, task: "math", harness: .inspect, base: b, inc: i,
                              evidence: [("insp.max", "max_tokens lowered to 20"),
                                         ("insp.truncated", "stop_reason max_tokens: output cut before the answer")],
                              notes: "Outputs end with stop_reason max_tokens."))
        }
        do {
            var b = knobs(ck + "7000", step: 7000); b.customTask = true; b.junit = true
            var i = b; i.setup.maxGenToks = 16
            specs.append(Spec(cause: "max-tokens-truncation", split: .heldout, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("task.max_gen_toks", "max_gen_toks in the task YAML set to 16"),
                                         ("smp.bad", "truncated response without a final answer")],
                              notes: "The task's generation budget was cut; answers are truncated."))
        }

        // eval-config-change
        do {
            let b = knobs(ck + "6000", step: 6000)
            var i = b; i.setup.fewshot = 0; i.setup.mcFewshot = 0
            specs.append(Spec(cause: "eval-config-change", split: .dev, task: "suite", harness: .lmEval, base: b, inc: i,
                              evidence: [("cfg.fewshot", "num_fewshot 3 -> 0"), ("cfg.mc_fewshot", "multiple-choice few-shot 5 -> 0"),
                                         ("log.row.mc", "scores shift on the same checkpoint")],
                              notes: "Same checkpoint as the baseline; only the number of few-shot examples changed."))
        }
        do {
            var b = knobs(ck + "7000", step: 7000); b.customTask = true
            var i = b; i.setup.docToText = "Q: {{question}}\nA:"
            specs.append(Spec(cause: "eval-config-change", split: .dev, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("task.doc_to_text", "prompt format of the task changed"),
                                         ("log.row.strict", "gsm8k score shifts with the model unchanged")],
                              notes: "The task's prompt format was edited; the model and decoding are the same."))
        }
        do {
            var b = knobs(ck + "6000", step: 6000); b.setup.mcFewshot = 25
            var i = b; i.setup.mcFewshot = 0; i.batchSize = 4
            specs.append(Spec(cause: "eval-config-change", split: .heldout, task: "arc", harness: .lmEvalV03, base: b, inc: i,
                              evidence: [("res.fewshot", "num_fewshot 25 -> 0 in the v0.3 results config"),
                                         ("res.mc", "accuracy shifts although model_args are identical")],
                              notes: "Old-format (v0.3) results; the few-shot count changed. Batch size change is benign."))
        }

        // answer-extraction-failure
        do {
            var b = knobs(ck + "6000", step: 6000); b.customTask = true; b.genTemperature = "0"
            var i = b; i.setup.strictRegex = "The answer is (\\-?[0-9\\.\\,]+)"; i.genTemperature = "0.0"
            specs.append(Spec(cause: "answer-extraction-failure", split: .dev, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("task.strict", "strict-match regex expects 'The answer is', the model writes '#### N'"),
                                         ("smp.bad", "raw response is correct but filtered to [invalid]")],
                              notes: "The filter no longer matches the output format. generation_config temperature 0 -> 0.0 is a formatting-only change (red herring)."))
        }
        do {
            let b = knobs(ck + "8000", step: 8000)
            var i = b; i.inspectScorer = "ANSWER:\\s*(\\-?[0-9\\.,]+)"
            specs.append(Spec(cause: "answer-extraction-failure", split: .dev, task: "math", harness: .inspect, base: b, inc: i,
                              evidence: [("insp.pattern", "scorer switched to a pattern expecting 'ANSWER:'"),
                                         ("insp.bad", "outputs end in '#### N'; the extracted answer is empty")],
                              notes: "The scorer's pattern does not match the model's answer format; raw outputs are unchanged."))
        }
        do {
            var b = knobs(ck + "7000", step: 7000); b.customTask = true; b.junit = true
            var i = b; i.setup.strictRegex = "####\\s*\\((\\-?[0-9\\.\\,]+)\\)"; i.outputPath = "/results/v2"
            specs.append(Spec(cause: "answer-extraction-failure", split: .heldout, task: "gsm8k", harness: .lmEval, base: b, inc: i,
                              evidence: [("res.regex", "strict-match regex now requires a parenthesised number"),
                                         ("smp.bad", "every strict-match response filtered to [invalid]"),
                                         ("junit.fail", "eval gate fails on strict-match")],
                              notes: "Broken extraction regex; flexible-extract still scores the same outputs normally."))
        }

        // wrong-checkpoint
        do {
            var b = knobs(ck + "4000", step: 4000)
            b.checkpointsListed = [2000, 4000]; b.resolvedFrom = ck.replacingOccurrences(of: "checkpoint-", with: "latest")
            var i = knobs(ck + "2000", step: 2000)
            i.checkpointsListed = [2000, 4000, 6000]; i.resolvedFrom = b.resolvedFrom
            var older = knobs(ck + "2000", step: 2000); older.checkpointsListed = [2000]
            specs.append(Spec(cause: "wrong-checkpoint", split: .dev, task: "nightly", harness: .lmEval, base: b, inc: i, older: older,
                              evidence: [("log.resolve", "'latest' resolved to checkpoint-2000 although checkpoint-6000 exists"),
                                         ("log.ckpts", "checkpoint-6000 is present"),
                                         ("res.model", "model_args point at checkpoint-2000")],
                              notes: "A stale 'latest' link; the scores equal those of the older eval of checkpoint-2000 (included as a third run)."))
        }
        do {
            var b = knobs("/models/llama8b-sft/step-6000", step: 6000); b.servedModelPath = "/models/llama8b-sft/step-6000"
            var i = knobs("/models/llama8b-sft/step-9000", step: 3000); i.servedModelPath = "/models/llama8b-sft/step-3000"
            specs.append(Spec(cause: "wrong-checkpoint", split: .dev, task: "serve", harness: .inspect, base: b, inc: i,
                              evidence: [("serve.model", "the eval server loads step-3000"),
                                         ("vlog.load", "vLLM loads step-3000 while the eval is tagged step-9000"),
                                         ("insp.tag", "eval metadata names step-9000")],
                              notes: "The eval endpoint served an older checkpoint than the one under evaluation."))
        }
        do {
            var b = knobs("acme/llama8b-sft", step: 5000)
            b.modelArgsExtra = ",revision=main"
            var i = knobs("acme/llama8b-sft", step: 1500); i.modelArgsExtra = ",revision=3f1c2ab"
            var older = knobs("acme/llama8b-sft", step: 1500); older.modelArgsExtra = ",revision=3f1c2ab"
            specs.append(Spec(cause: "wrong-checkpoint", split: .heldout, task: "hub", harness: .lmEval, base: b, inc: i, older: older,
                              evidence: [("cfg.model_args", "revision pinned to an old commit"),
                                         ("log.init", "model initialised from revision 3f1c2ab")],
                              notes: "A pinned revision from an earlier run was left in the config; scores match the older run."))
        }

        // healthy
        do {
            var b = knobs(ck + "4000", step: 4000, chat: .llama3); b.genTemperature = "0.6"; b.bootstrapIters = 0
            var i = knobs(ck + "4500", step: 4500, chat: .llama3); i.outputPath = "/results/nightly-v2"; i.batchSize = 16; i.genTemperature = "0.60"; i.bootstrapIters = 0
            specs.append(Spec(cause: "healthy", split: .dev, task: "nightly", harness: .lmEval, base: b, inc: i, evidence: [],
                              notes: "Newer checkpoint, benign diffs (output path, batch size, temperature spelling); scores within stderr."))
        }
        do {
            let b = knobs(ck + "6000", step: 6000)
            var i = knobs(ck + "6500", step: 6500); i.maxConnections = 64
            specs.append(Spec(cause: "healthy", split: .heldout, task: "math", harness: .inspect, base: b, inc: i, evidence: [],
                              notes: "Newer checkpoint, max_connections raised; accuracy within stderr."))
        }
        return specs.enumerated().map { build($0.element, seed: seed &+ 0xE7A1 &+ UInt64($0.offset) &* 15485863) }
    }
}
