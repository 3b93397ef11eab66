import DiagnoseCore
import DiagnoseText

/// Checkpoint save, load and resume lines across trainers, as `.checkpointSave`,
/// `.checkpointLoad` and `.resume` events with `EventDetail.checkpoint`:
/// - HF: `Saving model checkpoint to …/checkpoint-1200`, `Loading model from …`, `Resuming training
///   from checkpoint`, `Continuing training from global step N`;
/// - Megatron: `saving checkpoint at iteration N to …`, `loading checkpoint from … at iteration N`,
///   `successfully loaded checkpoint from … at iteration N`;
/// - DeepSpeed: `[Torch] Checkpoint global_stepN is about to be saved!`, `[Torch] Loading
///   checkpoint from …`, `Loading checkpoint: …`;
/// - torchtitan: `Saving … checkpoint …`, `Loading the checkpoint at step N` / `from …`;
/// - nanoGPT: `saving checkpoint to out`, `Resuming training from out`.
/// The step comes from the line (`at iteration N`, `checkpoint-N`, `global_stepN`, `iter_000N`,
/// `step N`) else the file's current step. Phrases such as "optimizer state not found" or
/// "skipping loading optimizer" set `optimizerState: false` (likewise for the scheduler); a line
/// that names loading optimizer/scheduler state sets `true`.
final class CheckpointRule: LineRule {
    let keywords = ["checkpoint", "Checkpoint", "Resuming training", "Continuing training", "Loading model from",
                    "optimizer state", "scheduler state", "Resuming from", "resuming from"]
    private static let save = Rx.make(
        #"(?i)\bsaving (?:model |a full |the |a )?checkpoint\b|checkpoint \S+ is about to be saved|\bsave[ds]? checkpoint (?:at|to)\b"#)
    private static let resume = Rx.make(
        #"(?i)\bresum(?:ing|e) (?:training )?from\b|\bcontinuing training from\b|\bresumed from\b"#)
    private static let load = Rx.make(
        #"(?i)\bloading (?:the |release |model |latest )?checkpoint\b|\bloaded checkpoint\b|\bloading model from\b|\bloading checkpoint:|\bload(?:ed|ing)? (?:optimizer|scheduler) state\b"#)
    private static let step = Rx.make(
        #"(?i)(?:at iteration|iteration:?|global[ _]step|checkpoint-|global_step|iter_|at step|step[_ -]?)\s*0*(\d+)"#)
    private static let path = Rx.make(#"(?:to|from|:)\s+\[?['"]?((?:/|\./|\.\./|[A-Za-z0-9_.-]+/)[^\s'",\]]*)"#)
    private static let noOptimizer = Rx.make(
        #"(?i)optimizer(?: state)?s? (?:state )?(?:not found|not loaded|missing|was not)|(?:skip(?:ping)?|not|without|no|could not|couldn't|unable to|failed to) (?:loading |load |restore |restoring |find |finding )?(?:the )?optim(?:izer)?\b|no_load_optim|--no-load-optim|--finetune"#)
    private static let noScheduler = Rx.make(
        #"(?i)(?:lr[_ ])?scheduler(?: state)? (?:state )?(?:not found|not loaded|missing|was not)|(?:skip(?:ping)?|not|without|no|could not|couldn't|unable to|failed to) (?:loading |load |restore |restoring |find |finding )?(?:the )?(?:lr[_ ])?scheduler\b"#)
    private static let withOptimizer = Rx.make(#"(?i)\bload(?:ed|ing)? (?:the )?optim(?:izer)?(?: state)?\b"#)
    private static let withScheduler = Rx.make(#"(?i)\bload(?:ed|ing)? (?:the )?(?:lr[_ ])?scheduler(?: state)?\b"#)
    private let mSave = CheckpointRule.save.matcher()
    private let mResume = CheckpointRule.resume.matcher()
    private let mLoad = CheckpointRule.load.matcher()
    private let mStep = CheckpointRule.step.matcher()
    private let mPath = CheckpointRule.path.matcher()
    private let mNoOpt = CheckpointRule.noOptimizer.matcher()
    private let mNoSched = CheckpointRule.noScheduler.matcher()
    private let mOpt = CheckpointRule.withOptimizer.matcher()
    private let mSched = CheckpointRule.withScheduler.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        let kind: EventKind
        if mResume.matches(b) {
            kind = .resume
        } else if mSave.matches(b) {
            kind = .checkpointSave
        } else if mLoad.matches(b) {
            kind = .checkpointLoad
        } else if mNoOpt.matches(b) || mNoSched.matches(b) {
            kind = .checkpointLoad
        } else {
            return .pass
        }
        // Failures while saving belong to the disk-full / traceback rules; loading a pretrained
        // model's shards is not a training checkpoint.
        if Bytes.has(b, "Traceback") || Bytes.has(b, "checkpoint shards") { return .pass }
        let step = mStep.matches(b) ? mStep.int(1) : nil
        let path = mPath.matches(b) ? mPath.string(1).map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 } : nil
        var optimizer: Bool? = nil, scheduler: Bool? = nil
        if mNoOpt.matches(b) { optimizer = false } else if mOpt.matches(b) { optimizer = true }
        if mNoSched.matches(b) { scheduler = false } else if mSched.matches(b) { scheduler = true }
        sink.emit(line.event(kind, Severity.info,
                             detail: .checkpoint(path: path, step: step ?? line.step, optimizerState: optimizer,
                                                 schedulerState: scheduler),
                             step: step))
        return .consumed(step: step)
    }

    static let spec = LineRuleSpec(id: "checkpoint", examples: [
        ParserExample(name: "HF save and resume", path: "logs/train.log", content: """
            [INFO|trainer.py:3984] 2026-11-03 08:10:00,000 >> Saving model checkpoint to out/checkpoint-1200
            Loading model from out/checkpoint-1200.
            Resuming training from checkpoint-1200 (optimizer state not found, scheduler state not found)
              Continuing training from global step 1200
            Deleting older checkpoint [out/checkpoint-1000] due to args.save_total_limit
            """, expect: [
                .event(kind: .checkpointSave, line: 1, step: 1200, contains: "checkpoint-1200"),
                .event(kind: .checkpointLoad, line: 2, step: 1200),
                .event(kind: .resume, line: 3, step: 1200),
                .event(kind: .resume, line: 4, step: 1200),
                .count(events: 4),
            ]),
        ParserExample(name: "Megatron save and load", path: "logs/megatron.log", content: """
            saving checkpoint at iteration    1000 to /ckpt/gpt in torch_dist format
              successfully saved checkpoint from iteration    1000 to /ckpt/gpt
             loading checkpoint from /ckpt/gpt at iteration 1000
              successfully loaded checkpoint from /ckpt/gpt [ t 1/1, p 1/1 ] at iteration 1000
            """, expect: [
                .event(kind: .checkpointSave, line: 1, step: 1000),
                .event(kind: .checkpointLoad, line: 3, step: 1000),
                .event(kind: .checkpointLoad, line: 4, step: 1000),
            ]),
        ParserExample(name: "DeepSpeed and torchtitan checkpoint lines", path: "logs/ds.log", content: """
            [2024-01-01 10:00:00,000] [INFO] [torch_checkpoint_engine.py:21:save] [Torch] Checkpoint global_step500 is about to be saved!
            [2024-01-01 10:05:00,000] [INFO] [torch_checkpoint_engine.py:27:load] [Torch] Loading checkpoint from /ckpt/global_step500/mp_rank_00_model_states.pt...
            [titan] 2025-07-01 10:00:00,123 - root - INFO - Loading the checkpoint at step 2000.
            [titan] 2025-07-01 11:00:00,123 - root - INFO - Saving the checkpoint (or staging if async is enabled).
            """, expect: [
                .event(kind: .checkpointSave, line: 1, step: 500),
                .event(kind: .checkpointLoad, line: 2, step: 500),
                .event(kind: .checkpointLoad, line: 3, step: 2000),
                .event(kind: .checkpointSave, line: 4, step: 2000),
                .count(events: 4),
            ]),
    ]) { CheckpointRule() }
}
