import DiagnoseCore
@testable import DiagnoseEngine
import Foundation
import Testing

@Suite struct PlaybookLoadingTests {
    static let valid = """
    cause: cuda-oom
    title: "CUDA out of memory on rank {oom.rank}"
    summary: "GPU memory exhausted."
    prior: -3
    supports:
      - {id: oom, kind: failure, event_kind: oom, weight: 4}
    remediation: "Reduce memory."
    verify: "No OOM."
    """

    func errors(_ text: String, file: String = "cuda-oom.yaml") -> [PlaybookError] {
        PlaybookLoader.parse(text, file: file).1
    }

    @Test func repositoryPlaybooksValidate() {
        let errs = PlaybookLoader.validate(directory: Fixture.playbookDir)
        #expect(errs.isEmpty, "\(errs.map(\.description).joined(separator: "\n"))")
    }

    @Test func everyTaxonomyCauseHasAPlaybook() {
        let (lib, errs, hasCal) = PlaybookLoader.load(directory: Fixture.playbookDir)
        #expect(errs.isEmpty)
        #expect(hasCal)
        #expect(PlaybookLoader.missingCauses(lib).isEmpty, "missing: \(PlaybookLoader.missingCauses(lib))")
        #expect(lib.playbooks[CauseCatalog.healthy] == nil)
        #expect(Set(lib.playbooks.keys) == CauseCatalog.known)
        for (cause, pb) in lib.playbooks { #expect(pb.path == "playbooks/\(cause).yaml") }
    }

    @Test func taxonomyListMatchesSharedDocumentWhenPresent() throws {
        // ../shared/TAXONOMY.md beside the repository, as CI lays it out.
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repo.deletingLastPathComponent().appendingPathComponent("shared/TAXONOMY.md").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var ids: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("- `") {
            let rest = line.dropFirst(3)
            if let end = rest.firstIndex(of: "`") { ids.append(String(rest[..<end])) }
        }
        #expect(Set(ids.filter { $0 != CauseCatalog.healthy }) == CauseCatalog.known)
    }

    @Test func embeddedCopyMatchesTheFiles() throws {
        let dir = Fixture.playbookDir
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        let embedded = Dictionary(uniqueKeysWithValues: EmbeddedPlaybooks.files.map { ($0.name, $0.text) })
        #expect(Set(names) == Set(embedded.keys), "run scripts/embed-playbooks.sh")
        for n in names {
            let text = try String(contentsOfFile: dir + "/" + n, encoding: .utf8)
            let trimmed = text.hasSuffix("\n") ? String(text.dropLast()) : text
            #expect(embedded[n] == trimmed, "\(n) differs from the embedded copy: run scripts/embed-playbooks.sh")
        }
        #expect(PlaybookLibrary.embedded.playbooks.count == CauseCatalog.ids.count)
    }

    @Test func aValidPlaybookParses() {
        let (pb, errs) = PlaybookLoader.parse(Self.valid, file: "cuda-oom.yaml")
        #expect(errs.isEmpty)
        #expect(pb?.cause == "cuda-oom")
        #expect(pb?.prior == -3)
        #expect(pb?.supports.first?.eventKinds == [.oom])
    }

    @Test func unknownTopLevelKeyNamesFileAndField() {
        let errs = errors(Self.valid + "\nseverity: high\n")
        #expect(errs.count == 1)
        #expect(errs.first?.file == "cuda-oom.yaml")
        #expect(errs.first?.field == "severity")
        #expect(errs.first?.description.contains("cuda-oom.yaml") == true)
    }

    @Test func unknownMatcherKeyNamesTheMatcher() {
        let text = Self.valid.replacingOccurrences(of: "weight: 4}", with: "weight: 4, colour: red}")
        let errs = errors(text)
        #expect(errs.map(\.field) == ["supports[0].colour"])
    }

    @Test func unknownSymptomKindIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "kind: failure", with: "kind: loss-went-weird")
        let errs = errors(text)
        #expect(errs.contains { $0.field == "supports[0].kind" && $0.message.contains("loss-went-weird") })
    }

    @Test func unknownEventKindIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "event_kind: oom", with: "event_kind: oom|gpu-melted")
        let errs = errors(text)
        #expect(errs.contains { $0.field == "supports[0].event_kind" && $0.message.contains("gpu-melted") })
    }

    @Test func unknownMetricIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "event_kind: oom", with: "metric: \"loss|perplexity\"")
        let errs = errors(text)
        #expect(errs.contains { $0.field == "supports[0].metric" && $0.message.contains("perplexity") })
        let glob = Self.valid.replacingOccurrences(of: "event_kind: oom", with: "metric: \"*zzz*\"")
        #expect(errors(glob).contains { $0.field == "supports[0].metric" })
    }

    @Test func unknownCauseIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "cause: cuda-oom", with: "cause: cosmic-rays")
        let errs = errors(text, file: "cosmic-rays.yaml")
        #expect(errs.contains { $0.field == "cause" && $0.file == "cosmic-rays.yaml" && $0.message.contains("cosmic-rays") })
    }

    @Test func fileNameMustMatchCause() {
        let errs = errors(Self.valid, file: "nccl-timeout.yaml")
        #expect(errs.contains { $0.field == "cause" })
    }

    @Test func healthyHasNoPlaybook() {
        let text = Self.valid.replacingOccurrences(of: "cause: cuda-oom", with: "cause: healthy")
        #expect(errors(text, file: "healthy.yaml").contains { $0.field == "cause" })
    }

    @Test func unknownTraitAndDirectionAreErrors() {
        let t = Self.valid.replacingOccurrences(of: "kind: failure, event_kind: oom", with: "kind: eval-failure-cluster, trait: sleepy")
        #expect(errors(t).contains { $0.field == "supports[0].trait" })
        let d = Self.valid.replacingOccurrences(of: "kind: failure, event_kind: oom", with: "kind: config-change, config_key: lr, direction: sideways")
        #expect(errors(d).contains { $0.field == "supports[0].direction" })
    }

    @Test func weightSignsAreChecked() {
        let neg = Self.valid.replacingOccurrences(of: "weight: 4", with: "weight: -4")
        #expect(errors(neg).contains { $0.field == "supports[0].weight" })
        let against = Self.valid + "\nagainst:\n  - {kind: cascade, weight: 1}\n"
        #expect(errors(against).contains { $0.field == "against[0].weight" })
    }

    @Test func referencesMustResolve() {
        let text = Self.valid + "\nagainst:\n  - {kind: failure, event_kind: xid, before: nothing-here, weight: -1}\n"
        #expect(errors(text).contains { $0.field == "against[0]" && $0.message.contains("nothing-here") })
        let title = Self.valid.replacingOccurrences(of: "{oom.rank}", with: "{ghost.rank}")
        #expect(errors(title).contains { $0.field == "title[0]" })
        let field = Self.valid.replacingOccurrences(of: "{oom.rank}", with: "{oom.colour}")
        #expect(errors(field).contains { $0.field == "title[0]" })
    }

    @Test func onsetMustNameAMatcher() {
        #expect(errors(Self.valid + "\nonset: [oom]\n").isEmpty)
        #expect(errors(Self.valid + "\nonset: [nope]\n").map(\.field) == ["onset"])
    }

    @Test func aMatcherHasExactlyOneSource() {
        let both = Self.valid.replacingOccurrences(of: "kind: failure, event_kind: oom", with: "kind: failure, log: \"*oom*\"")
        #expect(errors(both).contains { $0.field == "supports[0]" })
        let log = Self.valid.replacingOccurrences(of: "kind: failure, event_kind: oom", with: "log: \"*CUDA out of memory*\"")
        #expect(errors(log).isEmpty)
    }

    @Test func undeclaredGroupIsAnError() {
        let text = Self.valid.replacingOccurrences(of: "weight: 4}", with: "weight: 4, group: sig}")
        #expect(errors(text).contains { $0.field == "supports[0].group" })
    }

    @Test func missingRequiredFieldsAreErrors() {
        let text = "cause: cuda-oom\nsupports:\n  - {kind: failure, weight: 1}\n"
        let fields = Set(errors(text).map(\.field))
        #expect(fields.isSuperset(of: ["title", "summary", "prior", "remediation", "verify"]))
    }

    @Test func priorProbabilityIsAccepted() {
        let text = Self.valid.replacingOccurrences(of: "prior: -3", with: "prior_probability: 0.05")
        let (pb, errs) = PlaybookLoader.parse(text, file: "cuda-oom.yaml")
        #expect(errs.isEmpty)
        #expect(abs((pb?.prior ?? 0) - log(0.05 / 0.95)) < 1e-9)
    }

    @Test func badYAMLIsAnErrorNotACrash() {
        #expect(!errors("cause: [unclosed\n").isEmpty)
        #expect(!errors("").isEmpty)
        #expect(!errors("- just\n- a list\n").isEmpty)
    }

    @Test func validateReportsEveryBadFileOfADirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.valid.write(toFile: dir + "/cuda-oom.yaml", atomically: true, encoding: .utf8)
        try (Self.valid + "\nbogus: 1\n").replacingOccurrences(of: "cuda-oom", with: "disk-full")
            .write(toFile: dir + "/disk-full.yaml", atomically: true, encoding: .utf8)
        try "a: 1\nb: 0\nthreshold: 2\n".write(toFile: dir + "/calibration.yaml", atomically: true, encoding: .utf8)
        try "not a playbook".write(toFile: dir + "/README.md", atomically: true, encoding: .utf8)
        let errs = PlaybookLoader.validate(directory: dir)
        #expect(errs.contains { $0.file.hasSuffix("disk-full.yaml") && $0.field == "bogus" })
        #expect(errs.contains { $0.file.hasSuffix("calibration.yaml") && $0.field == "threshold" })
        #expect(!errs.contains { $0.file.hasSuffix("cuda-oom.yaml") })
        #expect(!PlaybookLoader.validate(directory: dir + "/missing").isEmpty)
    }

    @Test func userPlaybooksOverrideAndAdd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.valid.replacingOccurrences(of: "prior: -3", with: "prior: -1")
            .write(toFile: dir + "/cuda-oom.yaml", atomically: true, encoding: .utf8)
        let lib = try PlaybookLoader.resolve(userDirectory: dir, environment: [:], executablePath: nil)
        #expect(lib.playbooks["cuda-oom"]?.prior == -1)
        #expect(lib.playbooks.count == CauseCatalog.ids.count)
        let viaEnv = try PlaybookLoader.resolve(userDirectory: nil, environment: [PlaybookLoader.environmentVariable: dir],
                                                executablePath: nil)
        #expect(viaEnv.playbooks["cuda-oom"]?.prior == -1)
        try "cause: cuda-oom\n".write(toFile: dir + "/cuda-oom.yaml", atomically: true, encoding: .utf8)
        #expect(throws: PlaybookLoader.LoadFailure.self) {
            try PlaybookLoader.resolve(userDirectory: dir, environment: [:], executablePath: nil)
        }
    }

    @Test func builtInDirectoryIsFoundFromTheRepository() throws {
        let exe = Fixture.repoRoot + "/.build/debug/diagnose"
        let found = PlaybookLoader.builtInDirectory(executablePath: exe, currentDirectory: "/")
        #expect(found.map { URL(fileURLWithPath: $0).standardized.path } == URL(fileURLWithPath: Fixture.playbookDir).standardized.path)
        let fromCwd = PlaybookLoader.builtInDirectory(executablePath: "/nonexistent/bin/diagnose",
                                                      currentDirectory: Fixture.repoRoot + "/Sources")
        #expect(fromCwd != nil)
        let nowhere = PlaybookLoader.builtInDirectory(executablePath: "/nonexistent/bin/diagnose", currentDirectory: "/")
        #expect(nowhere == nil)
        #expect(PlaybookLoader.builtIn(executablePath: "/nonexistent/bin/diagnose", currentDirectory: "/").origin == "embedded")
    }

    @Test func installedLayoutIsFound() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inst-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/share/diagnose/playbooks", withIntermediateDirectories: true)
        let found = PlaybookLoader.builtInDirectory(executablePath: root + "/bin/diagnose", currentDirectory: "/")
        #expect(found.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
            == URL(fileURLWithPath: root + "/share/diagnose/playbooks").resolvingSymlinksInPath().path)
    }

    @Test func globsMatchKeysAndLeaves() {
        let g = Glob("*learning_rate*|lr|max_lr")
        #expect(g.matchesKey("learning_rate"))
        #expect(g.matchesKey("optimizer.params.lr"))
        #expect(g.matchesKey("train.max_lr"))
        #expect(!g.matchesKey("lr_scheduler_type"))
        #expect(Glob("*fp16|*fp16.enabled").matchesKey("deepspeed.fp16.enabled"))
        #expect(!Glob("*fp16").matches("bf16"))
    }
}
