import DiagnoseCore

/// What detectors look at: the run, its baseline where there is one, and the config diff.
public struct AnalysisInput: Sendable {
    public var run: RunObservations
    public var baseline: RunObservations?
    public var configChanges: [ConfigChange]

    public init(run: RunObservations, baseline: RunObservations? = nil, configChanges: [ConfigChange] = []) {
        self.run = run; self.baseline = baseline; self.configChanges = configChanges
    }
}

/// A small, pure detector: observations in, typed symptoms out.
public protocol Detector: Sendable {
    var id: String { get }
    func detect(_ input: AnalysisInput) -> [Symptom]
}
