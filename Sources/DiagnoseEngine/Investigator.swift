import DiagnoseAnalysis
import DiagnoseCore

/// The root-cause engine: symptoms propose causes, each cause's playbook queries the evidence
/// tools, scores are explicit log-odds contributions, citations are grounded, scores are
/// calibrated into probabilities, and everything looked at is kept in a trace.
public struct Investigator: Sendable {
    public var library: PlaybookLibrary
    public var reasoner: any Reasoner
    /// At most this many hypotheses (and as many weak signals) are reported.
    public var maxHypotheses: Int

    public init(library: PlaybookLibrary = .embedded, reasoner: any Reasoner = BuiltInReasoner(), maxHypotheses: Int = 5) {
        self.library = library; self.reasoner = reasoner; self.maxHypotheses = maxHypotheses
    }

    public func investigate(_ input: AnalysisInput, symptoms: [Symptom]) -> Investigation {
        var trace: [TraceStep] = []
        let tools = EvidenceTools(input: input, symptoms: symptoms)
        let context = ReasoningContext(input: input, symptoms: symptoms, library: library, tools: tools)

        let material = input.configChanges.filter(\.material).count
        let kinds = Dictionary(grouping: symptoms, by: \.kind).map { "\($0.key.rawValue)×\($0.value.count)" }.sorted()
        trace.append(TraceStep(action: "observe", detail: "\(symptoms.count) symptoms [\(kinds.joined(separator: ", "))]; "
            + "\(input.run.events.count) events; \(input.configChanges.count) config changes (\(material) material); "
            + "baseline \(input.baseline?.runID ?? "none"); playbooks \(library.origin)"))

        let proposed = reasoner.propose(context)
        var causes: [String] = []
        for c in proposed where library.playbooks[c] != nil && !causes.contains(c) { causes.append(c) }
        let ignored = proposed.filter { library.playbooks[$0] == nil }
        trace.append(TraceStep(action: "propose", detail: "\(reasoner.name): " + (causes.isEmpty ? "no candidates" : causes.joined(separator: ", "))
            + (ignored.isEmpty ? "" : "; ignored (no playbook): " + ignored.joined(separator: ", "))))

        let evaluator = PlaybookEvaluator(tools: tools)
        let grounding = Grounding(run: input.run, baseline: input.baseline)
        var candidates: [Candidate] = []
        for cause in causes {
            guard let pb = library.playbooks[cause] else { continue }
            let outcome = evaluator.evaluate(pb)
            trace += outcome.trace
            guard var c = outcome.candidate else { continue }
            let (kept, dropped) = grounding.ground(c.evidence)
            if !dropped.isEmpty {
                trace.append(TraceStep(action: "ground", detail: "\(cause): dropped \(dropped.count) citation(s) that do not resolve: "
                    + dropped.prefix(3).map { "\($0.source)\($0.line.map { ":\($0)" } ?? "")" }.joined(separator: ", ")))
            }
            c.evidence = kept
            guard kept.contains(where: \.supports) else {
                trace.append(TraceStep(action: "ground", detail: "\(cause): dropped, no supporting evidence resolves to the inputs"))
                continue
            }
            candidates.append(c)
        }

        let ranked = reasoner.rerank(candidates, context: context).filter { c in candidates.contains { $0.cause == c.cause } }
        trace.append(TraceStep(action: "rank", detail: ranked.map {
            "\($0.cause) \(TemplateText.number($0.score)) -> \(TemplateText.number(library.calibration.probability($0.score)))"
        }.joined(separator: "; ").ifEmpty("nothing to rank")))

        let cal = library.calibration
        let isIncident = ranked.first.map { cal.probability($0.score) >= cal.threshold } ?? false
        var hypotheses: [Hypothesis] = []
        var weak: [Hypothesis] = []
        for c in ranked {
            let p = cal.probability(c.score)
            if isIncident && hypotheses.count < maxHypotheses && (hypotheses.isEmpty || p >= cal.weakFloor) {
                hypotheses.append(hypothesis(c, rank: hypotheses.count + 1, confidence: p))
            } else if p >= cal.weakFloor && weak.count < maxHypotheses {
                weak.append(hypothesis(c, rank: weak.count + 1, confidence: p))
            }
        }
        let status: Diagnosis.Status = isIncident ? .incident : .noIncident
        trace.append(TraceStep(action: "conclude", detail: isIncident
            ? "incident: \(hypotheses[0].cause) at \(TemplateText.number(hypotheses[0].confidence)) (threshold \(TemplateText.number(cal.threshold)))"
            : "no incident: nothing clears \(TemplateText.number(cal.threshold)); \(weak.count) weak signal(s)"))
        return Investigation(status: status, hypotheses: hypotheses, weakSignals: weak, trace: trace, candidates: ranked)
    }

    func hypothesis(_ c: Candidate, rank: Int, confidence: Double) -> Hypothesis {
        Hypothesis(rank: rank, cause: c.cause, title: c.title, confidence: (confidence * 1000).rounded() / 1000,
                   summary: c.summary, evidence: c.evidence, remediation: c.playbook.remediation,
                   playbook: c.playbook.path, contributions: c.contributions, verify: c.playbook.verify,
                   onsetStep: c.onsetStep, onsetTime: c.onsetTime)
    }
}

extension String {
    func ifEmpty(_ s: String) -> String { isEmpty ? s : self }
}
