import Foundation
import DiagnoseCore

/// Realistic hand-built diagnoses for screenshots, docs and renderer tests (the engine's output
/// shape, with deterministic synthetic curves).
public enum SampleDiagnosis {
    /// An lr-too-high incident: peak LR raised 10× against the baseline, loss spikes then diverges
    /// to NaN, grad norm explodes; charts for loss, grad norm, LR and throughput with a baseline.
    public static func lrTooHigh() -> Diagnosis {
        let run = "sft-7b-r18", base = "sft-7b-r17"
        let steps = Array(stride(from: 0, through: 2000, by: 20)).map(Double.init)
        var noise = Noise(seed: 7)
        func lr(_ s: Double, peak: Double) -> Double {
            s < 200 ? peak * s / 200 : peak * (0.1 + 0.9 * 0.5 * (1 + cos(Double.pi * (s - 200) / 1800)))
        }
        let baseLoss = steps.map { 2.1 + 8.4 * exp(-$0 / 260) + 0.04 * noise.next() }
        let runLoss = steps.map { s -> Double in
            if s >= 1500 { return .nan }
            let healthy = 2.1 + 8.4 * exp(-s / 230) + 0.05 * noise.next()
            if s < 820 { return healthy }
            return healthy + pow((s - 820) / 120, 2) * 0.6 + abs(noise.next()) * 0.8
        }
        let baseGrad = steps.map { 0.9 + 1.6 * exp(-$0 / 300) + 0.08 * abs(noise.next()) }
        let runGrad = steps.map { s -> Double in
            if s >= 1500 { return s >= 1540 ? .infinity : .nan }
            let g = 1.1 + 2.0 * exp(-s / 300) + 0.1 * abs(noise.next())
            return s < 800 ? g : g * pow(10, (s - 800) / 220)
        }
        let baseLR = steps.map { lr($0, peak: 3e-4) }
        let runLR = steps.map { lr($0, peak: 3e-3) }
        let tps = steps.map { s in s >= 1500 ? 0 : 41_000 + 900 * noise.next() }
        let baseTps = steps.map { _ in 41_500 + 900 * noise.next() }

        let charts = [
            ChartSeries(metric: "loss", label: "loss", baseline: false, xIsStep: true, x: steps, y: runLoss),
            ChartSeries(metric: "loss", label: "loss", baseline: true, xIsStep: true, x: steps, y: baseLoss),
            ChartSeries(metric: "grad_norm", label: "grad_norm", baseline: false, xIsStep: true, x: steps, y: runGrad),
            ChartSeries(metric: "grad_norm", label: "grad_norm", baseline: true, xIsStep: true, x: steps, y: baseGrad),
            ChartSeries(metric: "lr", label: "learning_rate", baseline: false, xIsStep: true, x: steps, y: runLR),
            ChartSeries(metric: "lr", label: "learning_rate", baseline: true, xIsStep: true, x: steps, y: baseLR),
            ChartSeries(metric: "tokens_per_s", label: "tokens/s", baseline: false, xIsStep: true, x: steps, y: tps),
            ChartSeries(metric: "tokens_per_s", label: "tokens/s", baseline: true, xIsStep: true, x: steps, y: baseTps),
        ]
        let lrChange = Evidence(kind: .config, source: "configs/train.yaml", line: 14,
                                excerpt: "learning_rate: 3.0e-3", key: "optim.learning_rate",
                                oldValue: "3.0e-4", newValue: "3.0e-3")
        let gradSpike = Evidence(kind: .metric, source: "logs/rank0.log", line: 4211, step: 840, rank: 0,
                                 excerpt: "[rank0]: {'loss': 3.912, 'grad_norm': 48.7, 'learning_rate': 0.00287, 'epoch': 0.42}",
                                 metric: "grad_norm", value: 48.7)
        let nanLoss = Evidence(kind: .log, source: "logs/rank0.log", line: 7390, step: 1500, rank: 0,
                               excerpt: "[rank0]: {'loss': nan, 'grad_norm': nan, 'learning_rate': 0.00161, 'epoch': 0.75}",
                               metric: "loss", value: .nan)
        let noResume = Evidence(kind: .log, source: "logs/rank0.log", line: 12, step: 0,
                                excerpt: "[rank0]: ***** Running training ***** (no checkpoint to resume from)", supports: false)
        let top = Hypothesis(
            rank: 1, cause: "lr-too-high", title: "Peak learning rate raised 10× (3e-4 → 3e-3): loss diverged from step ~820",
            confidence: 0.81,
            summary: "The run's peak LR is ten times the baseline's. Grad norm grows exponentially from step ~800 and the loss diverges, reaching NaN at step 1500. Warmup and schedule shape are unchanged.",
            evidence: [lrChange, gradSpike, nanLoss, noResume],
            remediation: "Restore optim.learning_rate to 3.0e-4 (or lower the peak until the grad norm stays bounded) and restart from the last checkpoint before step 800.",
            playbook: "playbooks/lr-too-high.yaml",
            contributions: [Contribution(label: "prior", logOdds: -1.2),
                            Contribution(label: "config raises learning_rate 10× over baseline", logOdds: 2.3),
                            Contribution(label: "grad_norm divergence after warmup", logOdds: 1.4),
                            Contribution(label: "loss non-finite at step 1500", logOdds: 0.6),
                            Contribution(label: "no fp16 overflow lines", logOdds: 0.3),
                            Contribution(label: "no resume event near onset", logOdds: -0.2)],
            verify: "Rerun 200 steps past 800 with the baseline LR: grad_norm should stay under 3. If it still explodes, suspect bad-data-batch at the same samples.",
            onsetStep: 820)
        let second = Hypothesis(
            rank: 2, cause: "bad-data-batch", title: "A corrupt batch near step 840",
            confidence: 0.09, summary: "An isolated spike could come from bad samples, but the growth is gradual, not a single step.",
            evidence: [gradSpike],
            remediation: "Inspect the samples of the batches around step 840.", playbook: "playbooks/bad-data-batch.yaml",
            contributions: [Contribution(label: "prior", logOdds: -1.6), Contribution(label: "grad_norm spike", logOdds: 0.7),
                            Contribution(label: "config change explains the spike", logOdds: -1.1)],
            verify: "Replay steps 820-860 with the baseline config; a data problem reproduces.", onsetStep: 840)
        let third = Hypothesis(
            rank: 3, cause: "fp16-overflow", title: "fp16 loss scaling collapse", confidence: 0.04,
            summary: "Ruled out mostly: bf16 in both runs and no overflow lines.",
            evidence: [Evidence(kind: .config, source: "configs/train.yaml", line: 9, excerpt: "bf16: true", supports: false)],
            remediation: "Switch to bf16.", playbook: "playbooks/fp16-overflow.yaml",
            contributions: [Contribution(label: "prior", logOdds: -1.4), Contribution(label: "bf16 in both runs", logOdds: -1.8)])
        let weak = Hypothesis(rank: 4, cause: "dataloader-stall", title: "Step time 3% above baseline", confidence: 0.03,
                              summary: "Within noise.", evidence: [], remediation: "")
        let diff = [
            ConfigChange(file: "configs/train.yaml", baselineFile: "configs/train.yaml", key: "optim.learning_rate",
                         change: .changed, oldValue: "3.0e-4", newValue: "3.0e-3", line: 14, baselineLine: 14,
                         material: true, reason: "optimizer hyperparameter"),
            ConfigChange(file: "configs/train.yaml", baselineFile: "configs/train.yaml", key: "run_name", change: .changed,
                         oldValue: "sft-7b-r17", newValue: "sft-7b-r18", line: 2, baselineLine: 2, material: false,
                         reason: "run name"),
            ConfigChange(file: "configs/train.yaml", baselineFile: "configs/train.yaml", key: "seed", change: .changed,
                         oldValue: "17", newValue: "18", line: 3, baselineLine: 3, material: false, reason: "seed"),
            ConfigChange(file: "configs/train.yaml", baselineFile: "configs/train.yaml", key: "wandb.api_key",
                         change: .changed, oldValue: "0123456789abcdef0123456789abcdef01234567",
                         newValue: "89abcdef0123456789abcdef0123456789abcdef", line: 31, baselineLine: 31, material: false,
                         secret: true, reason: "credentials"),
        ]
        let timeline = [
            TimelineEntry(step: 0, time: 1_793_692_800, label: "training started (8 GPUs, bf16)", source: "logs/rank0.log", line: 12),
            TimelineEntry(step: 200, time: nil, label: "warmup ends, LR at peak 3e-3", source: "logs/rank0.log", line: 1031),
            TimelineEntry(step: 840, time: nil, label: "grad_norm 48.7 (baseline ~1.1)", source: "logs/rank0.log", line: 4211),
            TimelineEntry(step: 1500, time: nil, label: "loss nan", source: "logs/rank0.log", line: 7390),
            TimelineEntry(step: 1540, time: 1_793_697_310, label: "job cancelled by operator", source: "slurm-4411.out", line: 88),
        ]
        let symptoms = [
            Symptom(kind: .lrPeakAboveBaseline, metric: .lr, onsetStep: 200, magnitude: 10, before: 3e-4, after: 3e-3,
                    summary: "peak LR 3e-3 vs baseline 3e-4 (10×)", evidence: [lrChange]),
            Symptom(kind: .divergence, metric: .gradNorm, onsetStep: 800, magnitude: 44, summary: "grad_norm grows ~10× per 220 steps from step 800", evidence: [gradSpike]),
            Symptom(kind: .nonFinite, metric: .loss, onsetStep: 1500, summary: "loss is NaN from step 1500", evidence: [nanLoss]),
        ]
        let inputs = InputsSummary(files: 14, lines: 1_830_211, unparsedLines: 12, unrecognizedFiles: ["notes/scratch.bin.txt"],
                                   skippedFiles: [FileNote(path: "checkpoints/step-800/model.safetensors", reason: "binary")],
                                   formats: ["hf-trainer-log": 8, "yaml-config": 2, "slurm-log": 1, "jsonl-metrics": 1],
                                   bytes: 412_993_201, truncatedLines: 1,
                                   problems: ["logs/rank3.log:991: malformed metrics dict"])
        let trace = [
            TraceStep(action: "symptoms", detail: "3 symptoms: lr-peak-above-baseline, metric-divergence(grad_norm), metric-nonfinite(loss)"),
            TraceStep(action: "candidates", detail: "lr-too-high, bad-data-batch, fp16-overflow, dataloader-stall"),
            TraceStep(action: "evidence lr-too-high", detail: "config diff: optim.learning_rate 3.0e-4 → 3.0e-3 (configs/train.yaml:14)"),
            TraceStep(action: "time order", detail: "LR peak (step 200) precedes divergence (step 800)"),
            TraceStep(action: "calibrate", detail: "top score 1.2 → 0.81"),
        ]
        return Diagnosis(runID: run, baselineRunID: base, generatedAt: "2026-11-03T09:12:44Z", status: .incident,
                         hypotheses: [top, second, third], weakSignals: [weak], inputs: inputs, symptoms: symptoms,
                         configDiff: diff, timeline: timeline, trace: trace, charts: charts)
    }

    /// A healthy run: no hypotheses, one weak signal, loss chart with a baseline.
    public static func healthy() -> Diagnosis {
        let steps = Array(stride(from: 0, through: 1000, by: 25)).map(Double.init)
        var noise = Noise(seed: 3)
        let loss = steps.map { 2.3 + 6 * exp(-$0 / 200) + 0.03 * noise.next() }
        let baseLoss = steps.map { 2.3 + 6 * exp(-$0 / 210) + 0.03 * noise.next() }
        return Diagnosis(runID: "sft-1b-r5", baselineRunID: "sft-1b-r4", generatedAt: "2026-11-04T10:00:00Z",
                         status: .noIncident,
                         weakSignals: [Hypothesis(rank: 1, cause: "straggler-node", title: "rank 5 step time 4% slower",
                                                  confidence: 0.06, summary: "", evidence: [], remediation: "")],
                         inputs: InputsSummary(files: 3, lines: 12_000, formats: ["hf-trainer-log": 2, "yaml-config": 1]),
                         charts: [ChartSeries(metric: "loss", label: "loss", baseline: false, xIsStep: true, x: steps, y: loss),
                                  ChartSeries(metric: "loss", label: "loss", baseline: true, xIsStep: true, x: steps, y: baseLoss)])
    }

    /// Deterministic noise in [-1, 1] (a 64-bit LCG), so samples are the same bytes everywhere.
    struct Noise {
        var state: UInt64
        init(seed: UInt64) { state = seed &* 0x9E3779B97F4A7C15 | 1 }
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }
}
