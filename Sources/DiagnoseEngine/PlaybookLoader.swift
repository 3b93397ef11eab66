import Foundation

/// Finds, reads and validates playbooks. Loading is strict: any error in any file is reported
/// with the file and field, and a library with errors is not used.
public enum PlaybookLoader {
    /// The file name of the calibration parameters inside a playbook directory.
    public static let calibrationFile = "calibration.yaml"
    /// Environment variable naming a user playbook directory.
    public static let environmentVariable = "DIAGNOSE_PLAYBOOKS"

    /// A failure to load: every problem found.
    public struct LoadFailure: Error, Sendable, CustomStringConvertible {
        public var errors: [PlaybookError]
        public var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// Parses one playbook text; `file` names it in errors, and a file named `<cause>.yaml` must name that cause.
    public static func parse(_ text: String, file: String) -> (Playbook?, [PlaybookError]) {
        let base = (file as NSString).lastPathComponent
        let stem = base.hasSuffix(".yaml") ? String(base.dropLast(5)) : (base.hasSuffix(".yml") ? String(base.dropLast(4)) : nil)
        return PlaybookParser.parse(text, file: file, expectedCause: stem)
    }

    /// Loads (name, text) pairs: `calibration.yaml` is the calibration, every other name a playbook.
    /// Returns the library, the errors, and whether a calibration was present.
    public static func load(files: [(name: String, text: String)], origin: String)
        -> (library: PlaybookLibrary, errors: [PlaybookError], hasCalibration: Bool) {
        var playbooks: [String: Playbook] = [:]
        var errors: [PlaybookError] = []
        var calibration = Calibration.identity
        var hasCalibration = false
        for (name, text) in files.sorted(by: { $0.name < $1.name }) {
            let display = origin == "embedded" ? "playbooks/\(name)" : (origin as NSString).appendingPathComponent(name)
            if name == calibrationFile {
                let (c, errs) = Calibration.parse(text, file: display)
                errors += errs
                if let c { calibration = c; hasCalibration = true }
                continue
            }
            let (pb, errs) = parse(text, file: display)
            errors += errs
            if let pb {
                if playbooks[pb.cause] != nil {
                    errors.append(PlaybookError(file: display, field: "cause", message: "a second playbook for '\(pb.cause)'"))
                }
                playbooks[pb.cause] = pb
            }
        }
        return (PlaybookLibrary(playbooks: playbooks, calibration: calibration, origin: origin), errors, hasCalibration)
    }

    /// The YAML files of a directory (not recursive), as (name, text).
    static func readDirectory(_ directory: String) -> (files: [(name: String, text: String)], errors: [PlaybookError]) {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            return ([], [PlaybookError(file: directory, field: "", message: "not a directory")])
        }
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            return ([], [PlaybookError(file: directory, field: "", message: "cannot be read")])
        }
        var files: [(String, String)] = []
        var errors: [PlaybookError] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                errors.append(PlaybookError(file: path, field: "", message: "cannot be read as UTF-8"))
                continue
            }
            files.append((name, text))
        }
        return (files, errors)
    }

    /// Loads a directory of playbooks (and its `calibration.yaml` if any).
    public static func load(directory: String) -> (library: PlaybookLibrary, errors: [PlaybookError], hasCalibration: Bool) {
        let (files, readErrors) = readDirectory(directory)
        let (lib, errs, cal) = load(files: files, origin: directory)
        return (lib, readErrors + errs, cal)
    }

    /// Every problem in a directory's playbooks (for `diagnose playbooks validate [DIR]`); empty when valid.
    public static func validate(directory: String) -> [PlaybookError] {
        load(directory: directory).errors
    }

    /// TAXONOMY causes (bar `healthy`) without a playbook in `library`.
    public static func missingCauses(_ library: PlaybookLibrary) -> [String] {
        CauseCatalog.ids.filter { library.playbooks[$0] == nil }
    }

    /// The built-in playbook directory for a binary at `executablePath`: next to it
    /// (`<bin>/../share/diagnose/playbooks`, `<bin>/playbooks`), else a `playbooks/` beside a
    /// `Package.swift` found walking up from the executable, then from `currentDirectory`.
    public static func builtInDirectory(executablePath: String,
                                        currentDirectory: String = FileManager.default.currentDirectoryPath) -> String? {
        let fm = FileManager.default
        func isDir(_ p: String) -> Bool {
            var d: ObjCBool = false
            return fm.fileExists(atPath: p, isDirectory: &d) && d.boolValue
        }
        let exe = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        let bin = exe.deletingLastPathComponent()
        for c in [bin.appendingPathComponent("../share/diagnose/playbooks").standardized, bin.appendingPathComponent("playbooks")]
        where isDir(c.path) {
            return c.path
        }
        for start in [bin, URL(fileURLWithPath: currentDirectory)] {
            var dir = start.standardized
            while true {
                let pb = dir.appendingPathComponent("playbooks")
                if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path), isDir(pb.path) { return pb.path }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path || dir.path == "/" { break }
                dir = parent
            }
        }
        return nil
    }

    /// The built-in library: from the directory `builtInDirectory` finds when it loads cleanly,
    /// else the copy compiled into the binary.
    public static func builtIn(executablePath: String?,
                               currentDirectory: String = FileManager.default.currentDirectoryPath) -> PlaybookLibrary {
        if let exe = executablePath, let dir = builtInDirectory(executablePath: exe, currentDirectory: currentDirectory) {
            let (lib, errors, _) = load(directory: dir)
            if errors.isEmpty, missingCauses(lib).isEmpty { return lib }
        }
        return .embedded
    }

    /// The library in force: built-ins, then a user directory (`userDirectory`, else
    /// `$DIAGNOSE_PLAYBOOKS`) adding or overriding playbooks. A user directory with errors is refused.
    public static func resolve(userDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               executablePath: String? = CommandLine.arguments.first) throws(LoadFailure) -> PlaybookLibrary {
        let base = builtIn(executablePath: executablePath)
        guard let dir = userDirectory ?? environment[environmentVariable], !dir.isEmpty else { return base }
        let (user, errors, hasCal) = load(directory: dir)
        if !errors.isEmpty { throw LoadFailure(errors: errors) }
        return base.merging(user, otherHasCalibration: hasCal)
    }
}
