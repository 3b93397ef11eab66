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
        detectors.flatMap { $0.detect(input) }.sorted(by: Symptom.deterministicOrder)
    }
}
