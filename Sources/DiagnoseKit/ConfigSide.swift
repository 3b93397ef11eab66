import DiagnoseAnalysis
import DiagnoseCore

/// The config diff and the template/prompt findings, from the analysis stage.
enum ConfigSide {
    static func diff(run: RunObservations, baseline: RunObservations?, extraBenign: [String]) -> [ConfigChange] {
        guard let baseline else { return [] }
        return ConfigDiff.diff(run: configs(run), baseline: configs(baseline), extraBenign: extraBenign)
    }

    /// The run's config documents, without the manifest: `run.yaml` describes the run (its
    /// baseline, owner, start time) and is not part of its configuration.
    static func configs(_ obs: RunObservations) -> [ConfigDocument] {
        obs.configs.filter { $0.path != "run.yaml" }
    }

    /// Material config changes as symptoms, plus dynamic, reordered or changed template text
    /// (dynamic content is found in the run's own templates even without a baseline).
    static func symptoms(_ input: AnalysisInput) -> [Symptom] {
        ConfigDiff.symptoms(input.configChanges)
            + ConfigTextFindings.analyse(run: configs(input.run), baseline: input.baseline.map(configs) ?? [])
    }
}
