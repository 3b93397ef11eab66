import DiagnoseAnalysis
import DiagnoseCore
import DiagnoseEngine
import DiagnoseIndex
import DiagnoseReport
import Foundation

/// Everything a diagnosis rests on, kept for the commands that need more than the report
/// (symptoms, diff, postmortem).
public struct DiagnosisBundle: Sendable {
    public var diagnosis: Diagnosis
    public var input: AnalysisInput
    public var symptoms: [Symptom]
}

extension Session {
    /// The playbook library in force (built-ins plus `--playbooks`/`$DIAGNOSE_PLAYBOOKS`).
    public func playbooks(userDirectory: String?) throws(DiagnoseError) -> PlaybookLibrary {
        do { return try PlaybookLoader.resolve(userDirectory: userDirectory) } catch {
            throw .badUsage("invalid playbooks:\n\(error.description)")
        }
    }

    /// Ingests the run and its baseline, analyses, investigates: the whole job.
    public func diagnose(_ runID: String, baseline override: String?, playbooks dir: String? = nil)
        throws(DiagnoseError) -> DiagnosisBundle {
        let library = try playbooks(userDirectory: dir)
        let (input, problems) = try analysisInput(runID, baseline: override, extraBenign: library.benignKeys)
        let symptoms = Self.symptoms(input)
        let investigation = Investigator(library: library).investigate(input, symptoms: symptoms)
        var inputs = try inputs(runID, files: input.run.files)
        inputs.problems += problems
        let hypotheses = investigation.hypotheses
        let signoff = try signOff(runID, hypotheses: hypotheses)
        var named = input.baseline?.runID
        if named == nil { named = try baseline(for: runID, override: override) }
        let diagnosis = Diagnosis(
            runID: runID, baselineRunID: named, generatedAt: ISOTime.string(now()),
            status: investigation.status, hypotheses: hypotheses, weakSignals: investigation.weakSignals,
            signoff: signoff, inputs: inputs, symptoms: symptoms, configDiff: input.configChanges,
            timeline: Timeline.entries(input, symptoms), trace: investigation.trace,
            charts: Charts.series(run: input.run, baseline: input.baseline))
        return DiagnosisBundle(diagnosis: diagnosis, input: input, symptoms: symptoms)
    }

    /// The run's and baseline's observations and the config diff (ingesting both first).
    /// `extraBenign`: key patterns the playbooks declare benign (added to the built-in list).
    public func analysisInput(_ runID: String, baseline override: String?, extraBenign: [String]? = nil)
        throws(DiagnoseError) -> (AnalysisInput, problems: [String]) {
        var benign = extraBenign ?? []
        if extraBenign == nil { benign = try playbooks(userDirectory: nil).benignKeys }
        try ingest(runID)
        var problems: [String] = []
        var baselineObs: RunObservations? = nil
        if let b = try baseline(for: runID, override: override) {
            if b == runID {
                problems.append("baseline '\(b)' is the run itself; diagnosing on the run's own signals")
            } else {
                do {
                    try ingest(b)
                    baselineObs = try observations(b)
                } catch let e {
                    if override != nil { throw e }
                    // A run.yaml baseline that is missing is reported, not fatal.
                    problems.append("baseline '\(b)' named in run.yaml: \(e.description); diagnosing on the run's own signals")
                }
            }
        }
        let run = try observations(runID)
        let changes = ConfigSide.diff(run: run, baseline: baselineObs, extraBenign: benign)
        return (AnalysisInput(run: run, baseline: baselineObs, configChanges: changes), problems)
    }

    /// Every detector's symptoms, sorted deterministically.
    public static func symptoms(_ input: AnalysisInput) -> [Symptom] {
        var all = Detectors.run(input)
        all += ConfigSide.symptoms(input)
        if let base = input.baseline {
            all += TemplateNovelty.symptoms(run: input.run.templates, baseline: base.templates, runEvents: input.run.events)
        }
        return all
    }

    /// The sign-off block from the run's audit trail.
    public func signOff(_ runID: String, hypotheses: [Hypothesis]) throws(DiagnoseError) -> SignOff {
        let chain = try auditEntries(runID)
        return AuditChain.signOff(from: chain, runID: runID, hypotheses: hypotheses)
    }
}
