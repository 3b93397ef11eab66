import DiagnoseAnalysis
import DiagnoseCore

/// The config diff and the template/prompt findings, from the analysis stage.
enum ConfigSide {
    static func diff(run: RunObservations, baseline: RunObservations?) -> [ConfigChange] {
        guard let baseline else { return [] }
        return ConfigDiff.diff(run: run.configs, baseline: baseline.configs)
    }

    /// Material config changes as symptoms, plus dynamic, reordered or changed template text
    /// (dynamic content is found in the run's own templates even without a baseline).
    static func symptoms(_ input: AnalysisInput) -> [Symptom] {
        ConfigDiff.symptoms(input.configChanges)
            + ConfigTextFindings.analyse(run: input.run.configs, baseline: input.baseline?.configs ?? [])
    }
}
