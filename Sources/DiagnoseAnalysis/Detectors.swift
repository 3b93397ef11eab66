import DiagnoseCore

/// The registry of detectors; one line adds one.
public enum Detectors {
    public static let all: [any Detector] = [
        NonFiniteDetector(), SpikeDetector(), DivergenceDetector(), PlateauDetector(), LevelShiftDetector(),
        HighFromStartDetector(),
        LRResumeJumpDetector(), LRScheduleDetector(),
        OverflowDetector(), LossScaleCollapseDetector(),
        SawtoothDetector(), TrainValGapDetector(), RecurringPositionDetector(), BatchShapeDetector(),
        ThroughputDetector(), DataWaitDetector(), RankStragglerDetector(), RankNonFiniteAloneDetector(),
        RankStoppedFirstDetector(),
        FailureDetector(), CascadeDetector(), ResumeDetector(),
        EvalScoreDropDetector(), EvalFailureClusterDetector(), CheckpointMismatchDetector(),
        CacheHitDetector(), CacheEvictionDetector(), ReplicaCountDetector(),
    ]

    /// Runs every detector and returns their symptoms in a deterministic order.
    public static func run(_ input: AnalysisInput) -> [Symptom] {
        run(input, detectors: all)
    }

    /// Runs the given detectors; output sorted by kind, metric, rank, onset, summary.
    public static func run(_ input: AnalysisInput, detectors: [any Detector]) -> [Symptom] {
        detectors.flatMap { $0.detect(input) }.map(\.jsonSafe).sorted(by: Symptom.deterministicOrder)
    }
}

extension Symptom {
    /// JSON has no NaN or infinity: non-finite values become nil, and the magnitude is bounded.
    var jsonSafe: Symptom {
        var s = self
        s.magnitude = s.magnitude.isFinite ? s.magnitude : (s.magnitude.isNaN ? 0 : (s.magnitude > 0 ? 1000 : -1000))
        if let b = s.before, !b.isFinite { s.before = nil }
        if let a = s.after, !a.isFinite { s.after = nil }
        if let t = s.onsetTime, !t.isFinite { s.onsetTime = nil }
        return s
    }
}
