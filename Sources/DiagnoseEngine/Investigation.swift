import DiagnoseCore

/// What the investigator concluded, and how.
public struct Investigation: Sendable {
    public var status: Diagnosis.Status
    /// Ranked hypotheses (rank 1 first); empty when no incident.
    public var hypotheses: [Hypothesis]
    /// Hypotheses below the threshold, ranked, for the report's weak-signals section.
    public var weakSignals: [Hypothesis]
    /// What was looked at, in order.
    public var trace: [TraceStep]
    /// Every scored candidate after grounding, best first (raw scores, for calibration fitting).
    public var candidates: [Candidate]

    public init(status: Diagnosis.Status, hypotheses: [Hypothesis], weakSignals: [Hypothesis], trace: [TraceStep],
                candidates: [Candidate]) {
        self.status = status; self.hypotheses = hypotheses; self.weakSignals = weakSignals; self.trace = trace
        self.candidates = candidates
    }

    /// The rank-1 hypothesis when there is an incident.
    public var top: Hypothesis? { hypotheses.first }
}
