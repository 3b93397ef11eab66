import DiagnoseAnalysis
import DiagnoseCore

/// What a reasoner sees: the input, the symptoms, the playbooks and the evidence tools.
public struct ReasoningContext: Sendable {
    public let input: AnalysisInput
    public let symptoms: [Symptom]
    public let library: PlaybookLibrary
    public let tools: EvidenceTools

    public init(input: AnalysisInput, symptoms: [Symptom], library: PlaybookLibrary, tools: EvidenceTools) {
        self.input = input; self.symptoms = symptoms; self.library = library; self.tools = tools
    }
}

/// The seam for a language model or an outside agent: it proposes causes to investigate and
/// re-ranks the scored candidates, through the same tools. Whatever it returns is still scored
/// by the playbooks and grounded before it reaches a report.
public protocol Reasoner: Sendable {
    /// A name for the trace.
    var name: String { get }
    /// Cause ids worth investigating (TAXONOMY ids with a playbook; others are ignored).
    func propose(_ context: ReasoningContext) -> [String]
    /// The candidates in the order it believes; it may add contributions (`Candidate.add`).
    func rerank(_ candidates: [Candidate], context: ReasoningContext) -> [Candidate]
}

/// The default reasoner: deterministic, no network. Proposes every cause whose playbook has a
/// supporting query with something to look at; ranks by score, then by earlier onset.
public struct BuiltInReasoner: Reasoner {
    public init() {}
    public var name: String { "built-in" }

    public func propose(_ context: ReasoningContext) -> [String] {
        context.library.causes.filter { cause in
            guard let pb = context.library.playbooks[cause] else { return false }
            return pb.supports.contains { !context.tools.findings(for: $0.source).isEmpty }
        }
    }

    public func rerank(_ candidates: [Candidate], context: ReasoningContext) -> [Candidate] {
        candidates.sorted { a, b in
            if abs(a.score - b.score) > 1e-9 { return a.score > b.score }
            switch (a.onsetStep, b.onsetStep) {
            case (let x?, let y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a.cause < b.cause
            }
        }
    }
}
