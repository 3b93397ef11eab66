import DiagnoseAnalysis
import DiagnoseCore

/// The config diff and template findings, as the analysis stage provides them.
enum ConfigSide {
    static func diff(run: RunObservations, baseline: RunObservations?) -> [ConfigChange] {
        []
    }

    static func symptoms(_ input: AnalysisInput) -> [Symptom] {
        []
    }
}
