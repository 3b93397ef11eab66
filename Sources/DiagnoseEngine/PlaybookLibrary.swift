/// The playbooks in force (built-ins, overridden or extended by a user directory) and the
/// calibration that turns their scores into probabilities.
public struct PlaybookLibrary: Sendable {
    public var playbooks: [String: Playbook]
    public var calibration: Calibration
    /// Where each came from, for the trace ("embedded", a directory).
    public var origin: String

    public init(playbooks: [String: Playbook], calibration: Calibration = .identity, origin: String) {
        self.playbooks = playbooks; self.calibration = calibration; self.origin = origin
    }

    /// Config keys the playbooks list as benign (for the config diff's benign rules), sorted, unique.
    public var benignKeys: [String] { Array(Set(playbooks.values.flatMap(\.benignKeys))).sorted() }

    /// Cause ids with a playbook, sorted.
    public var causes: [String] { playbooks.keys.sorted() }

    /// This library with `other`'s playbooks added or replacing; `other`'s calibration wins
    /// when `otherHasCalibration`.
    public func merging(_ other: PlaybookLibrary, otherHasCalibration: Bool) -> PlaybookLibrary {
        var out = self
        for (k, v) in other.playbooks { out.playbooks[k] = v }
        if otherHasCalibration { out.calibration = other.calibration }
        out.origin = "\(origin) + \(other.origin)"
        return out
    }

    /// The built-in playbooks compiled into the binary (see `scripts/embed-playbooks.sh`).
    public static let embedded: PlaybookLibrary = {
        let (lib, _, _) = PlaybookLoader.load(files: EmbeddedPlaybooks.files, origin: "embedded")
        return lib
    }()
}
