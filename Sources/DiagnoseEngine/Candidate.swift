import DiagnoseCore

/// A cause under investigation: its playbook's verdict on the evidence, before calibration.
public struct Candidate: Sendable {
    public var cause: String
    public var playbook: Playbook
    /// Raw log-odds: the sum of `contributions`.
    public var score: Double
    public var contributions: [Contribution]
    /// Findings that supported it, and those that argued against it.
    public var supporting: [Finding]
    public var opposing: [Finding]
    public var evidence: [Evidence]
    public var title: String
    public var summary: String
    public var onsetStep: Int?
    public var onsetTime: Double?

    public init(cause: String, playbook: Playbook, score: Double, contributions: [Contribution], supporting: [Finding],
                opposing: [Finding], evidence: [Evidence], title: String, summary: String, onsetStep: Int?,
                onsetTime: Double?) {
        self.cause = cause; self.playbook = playbook; self.score = score; self.contributions = contributions
        self.supporting = supporting; self.opposing = opposing; self.evidence = evidence; self.title = title
        self.summary = summary; self.onsetStep = onsetStep; self.onsetTime = onsetTime
    }

    /// Adds a term (a reasoner's judgement, a grounding penalty) and keeps the score in step.
    public mutating func add(_ c: Contribution) {
        contributions.append(c)
        score += c.logOdds
    }
}
