import DiagnoseCore

/// Groups the config records of one file into `ConfigDocument`s (one per logical document, in
/// order of first appearance), as the index hands them to `ConfigDiff`.
public enum ConfigDocuments {
    public static func group(path: String, _ configs: [(document: String, kind: ConfigKind, entry: ConfigEntry)]) -> [ConfigDocument] {
        var order: [String] = []
        var docs: [String: ConfigDocument] = [:]
        for c in configs {
            if docs[c.document] == nil {
                order.append(c.document)
                docs[c.document] = ConfigDocument(path: path, document: c.document, kind: c.kind, entries: [])
            }
            docs[c.document]!.entries.append(c.entry)
        }
        return order.map { docs[$0]! }
    }
}
