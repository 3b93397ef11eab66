import Foundation
import Yams

/// A sample case a playbook names: one where its cause must rank first, or a healthy one where
/// it must stay silent. Examples are tests: the lead's corpus runner checks each against the
/// investigation of that case.
public struct PlaybookExample: Sendable, Hashable {
    public enum Expectation: String, Sendable, Hashable { case ranksFirst = "ranks-first", staysSilent = "stays-silent" }
    public var cause: String
    public var caseID: String
    public var expectation: Expectation
    public init(cause: String, caseID: String, expectation: Expectation) {
        self.cause = cause; self.caseID = caseID; self.expectation = expectation
    }
}

public enum PlaybookExamples {
    /// Every example of every playbook, sorted by cause then case.
    public static func all(_ library: PlaybookLibrary) -> [PlaybookExample] {
        library.causes.flatMap { cause -> [PlaybookExample] in
            guard let pb = library.playbooks[cause] else { return [] }
            return pb.examples.incidents.map { PlaybookExample(cause: cause, caseID: $0, expectation: .ranksFirst) }
                + pb.examples.healthy.map { PlaybookExample(cause: cause, caseID: $0, expectation: .staysSilent) }
        }
    }

    /// Nil when the investigation meets the example, else why not.
    public static func check(_ example: PlaybookExample, _ investigation: Investigation, threshold: Double = 0.5) -> String? {
        switch example.expectation {
        case .ranksFirst:
            guard investigation.status == .incident else { return "\(example.caseID): no incident, expected \(example.cause) first" }
            guard let top = investigation.top, top.cause == example.cause else {
                return "\(example.caseID): \(investigation.top?.cause ?? "nothing") ranks first, expected \(example.cause)"
            }
            return nil
        case .staysSilent:
            if let h = investigation.hypotheses.first(where: { $0.cause == example.cause && $0.confidence >= threshold }) {
                return "\(example.caseID): \(example.cause) raised at \(h.confidence) on a healthy case"
            }
            return nil
        }
    }

    /// The case folder: `<samples>/<split>/<id>` for a split folder under `samples`, or `<samples>/<id>`.
    public static func caseDirectory(_ caseID: String, samplesRoot: String) -> String? {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let direct = (samplesRoot as NSString).appendingPathComponent(caseID)
        if fm.fileExists(atPath: direct, isDirectory: &isDir), isDir.boolValue { return direct }
        for split in ((try? fm.contentsOfDirectory(atPath: samplesRoot)) ?? []).sorted() {
            let p = ((samplesRoot as NSString).appendingPathComponent(split) as NSString).appendingPathComponent(caseID)
            if fm.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue { return p }
        }
        return nil
    }

    /// The `cause` of a case's `truth.yaml`, or nil when it cannot be read.
    public static func truthCause(caseDirectory: String) -> String? {
        let path = (caseDirectory as NSString).appendingPathComponent("truth.yaml")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8),
              let doc = (try? Yams.load(yaml: text)) as? [String: Any] else { return nil }
        return doc["cause"] as? String
    }
}
