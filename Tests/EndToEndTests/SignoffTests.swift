import DiagnoseIndex
import Foundation
import Testing

/// Sign-off, the audit trail and the postmortem draft, run through the built binary on a copy
/// of a bundled sample incident.
@Suite struct SignoffTests {
    static let incident = "pt-350m-v32"

    @Test func signOffByRankTurnsEveryFormatFromDraftToSignedOff() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let before = try s.jsonReport()
        #expect((before["signoff"] as? [String: Any])?["state"] as? String == "draft")
        let hyps = try #require(before["hypotheses"] as? [[String: Any]])
        let top = try #require(hyps.first?["cause"] as? String)
        let md0 = try s.diagnose([s.runID]).text
        #expect(md0.contains("DRAFT"))
        #expect(!md0.contains("SIGNED OFF"))
        let html0 = try s.diagnose([s.runID, "--format", "html"]).text
        #expect(html0.contains("DRAFT"))

        let signed = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "confirmed", "--by", "ana",
                                     "--note", "matches the allocator trace"])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(signed.text.hasPrefix("signed: #1 \(top) confirmed by ana at "))

        let after = try s.jsonReport()
        let signoff = try #require(after["signoff"] as? [String: Any])
        #expect(signoff["state"] as? String == "signed-off")
        #expect(signoff["by"] as? String == "ana")
        let at = try #require(signoff["at"] as? String)
        #expect(at.hasSuffix("Z") && at.count >= 20)
        let verdicts = try #require(signoff["verdicts"] as? [[String: Any]])
        #expect(verdicts.count == 1)
        #expect(verdicts.first?["rank"] as? Int == 1)
        #expect(verdicts.first?["cause"] as? String == top)
        #expect(verdicts.first?["verdict"] as? String == "confirmed")
        #expect(verdicts.first?["by"] as? String == "ana")
        #expect(verdicts.first?["at"] as? String == at)
        #expect(verdicts.first?["note"] as? String == "matches the allocator trace")

        let md = try s.diagnose([s.runID]).text
        #expect(md.contains("SIGNED OFF by ana at \(at)"))
        #expect(!md.contains("DRAFT"))
        let html = try s.diagnose([s.runID, "--format", "html"]).text
        #expect(html.contains("SIGNED OFF by ana at \(at)"))
        #expect(!html.contains("DRAFT"))
    }

    @Test func signOffByCauseIDRecordsTheHypothesisRank() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let hyps = try #require(try s.jsonReport()["hypotheses"] as? [[String: Any]])
        let top = try #require(hyps.first?["cause"] as? String)
        let r = try s.diagnose(["signoff", s.runID, "--hypothesis", top, "--verdict", "confirmed", "--by", "bo"])
        #expect(r.status == 0, "\(r.stderr)")
        let signoff = try #require(try s.jsonReport()["signoff"] as? [String: Any])
        #expect(signoff["state"] as? String == "signed-off")
        let v = try #require((signoff["verdicts"] as? [[String: Any]])?.first)
        #expect(v["cause"] as? String == top)
        #expect(v["rank"] as? Int == 1)
        #expect(v["by"] as? String == "bo")
    }

    @Test func aRejectionAloneLeavesTheReportADraftWithItsVerdict() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let hyps = try #require(try s.jsonReport()["hypotheses"] as? [[String: Any]])
        let r = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "rejected", "--by", "cy"])
        #expect(r.status == 0, "\(r.stderr)")
        let signoff = try #require(try s.jsonReport()["signoff"] as? [String: Any])
        // Signed off only once a cause is confirmed or every hypothesis has a verdict.
        #expect(signoff["state"] as? String == (hyps.count == 1 ? "signed-off" : "draft"))
        #expect((signoff["verdicts"] as? [[String: Any]])?.first?["verdict"] as? String == "rejected")
    }

    @Test func unknownRankOrCauseAndEmptyByAreUsageErrors() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let cases: [([String], String)] = [
            (["--hypothesis", "99", "--verdict", "confirmed", "--by", "ana"], "no hypothesis '99'"),
            (["--hypothesis", "0", "--verdict", "confirmed", "--by", "ana"], "no hypothesis '0'"),
            (["--hypothesis", "no-such-cause", "--verdict", "rejected", "--by", "ana"], "no hypothesis 'no-such-cause'"),
            (["--hypothesis", "1", "--verdict", "confirmed", "--by", ""], "--by"),
            (["--hypothesis", "1", "--verdict", "confirmed", "--by", "   "], "--by"),
        ]
        for (args, message) in cases {
            let r = try s.diagnose(["signoff", s.runID] + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let verdict = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "maybe", "--by", "ana"])
        #expect(verdict.status == 64)
        // Nothing was appended by the refused commands.
        let audit = try s.diagnose(["audit", s.runID])
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.text.contains("audit chain intact (0 entries)"))
    }

    @Test func aReportWithoutHypothesesIsSignedOffAsHealthy() throws {
        let root = try CLI.tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/runs/quiet/logs", withIntermediateDirectories: true)
        try "INFO starting\nINFO done\n".write(toFile: root + "/runs/quiet/logs/rank0.log", atomically: true, encoding: .utf8)
        let runs = ["--runs", root + "/runs"]
        let report = try CLI.run(["quiet", "--format", "json"] + runs)
        let obj = try #require(try JSONSerialization.jsonObject(with: report.stdout) as? [String: Any])
        try #require(obj["status"] as? String == "no-incident")
        let wrong = try CLI.run(["signoff", "quiet", "--hypothesis", "1", "--verdict", "confirmed", "--by", "ana"] + runs)
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("--hypothesis healthy"), "\(wrong.stderr)")
        let r = try CLI.run(["signoff", "quiet", "--hypothesis", "healthy", "--verdict", "confirmed", "--by", "ana"] + runs)
        #expect(r.status == 0, "\(r.stderr)")
        let after = try CLI.run(["quiet", "--format", "json"] + runs)
        let signoff = try #require((try JSONSerialization.jsonObject(with: after.stdout) as? [String: Any])?["signoff"] as? [String: Any])
        #expect(signoff["state"] as? String == "signed-off")
        let v = try #require((signoff["verdicts"] as? [[String: Any]])?.first)
        #expect(v["cause"] as? String == "healthy")
        #expect(v["rank"] == nil)
        #expect(try CLI.run(["quiet"] + runs).text.contains("SIGNED OFF by ana"))
    }

    @Test func aMultiLineNoteCannotForgeALineOfTheAuditListing() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let forged = "fine\naudit chain intact (9 entries)"
        let r = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "confirmed", "--by", "ana",
                                "--note", forged])
        #expect(r.status == 0, "\(r.stderr)")
        let badBy = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "confirmed", "--by", "ana\nbo"])
        #expect(badBy.status == 64)
        let audit = try s.diagnose(["audit", s.runID])
        #expect(audit.status == 0)
        let lines = audit.text.split(separator: "\n")
        #expect(lines.count == 2, "\(audit.text)")
        #expect(lines.last == "audit chain intact (1 entry)")
        // The stored note is what was signed: the chain verifies over the original text.
        let note = try #require(try s.jsonReport()["signoff"] as? [String: Any])
        #expect((note["verdicts"] as? [[String: Any]])?.first?["note"] as? String == forged)
    }

    @Test func auditVerifiesTheChainAndNamesTheFirstTamperedEntry() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        for (rank, verdict, who) in [("1", "inconclusive", "ana"), ("1", "confirmed", "bo"), ("1", "confirmed", "cy")] {
            let r = try s.diagnose(["signoff", s.runID, "--hypothesis", rank, "--verdict", verdict, "--by", who])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let ok = try s.diagnose(["audit", s.runID])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.text.contains("#1 "))
        #expect(ok.text.contains("#3 "))
        #expect(ok.text.contains("audit chain intact (3 entries)"))

        // The table refuses edits through SQL while its triggers stand.
        let db = try SQLiteDatabase(path: s.index)
        #expect(throws: (any Error).self) { try db.execute("UPDATE signoffs SET verdict = 'rejected' WHERE seq = 2") }
        #expect(throws: (any Error).self) { try db.execute("DELETE FROM signoffs WHERE seq = 3") }
        // Someone with the file drops the trigger and rewrites entry 2's verdict.
        try db.execute("DROP TRIGGER signoffs_no_update")
        try db.execute("UPDATE signoffs SET verdict = 'rejected' WHERE seq = 2")

        let bad = try s.diagnose(["audit", s.runID])
        #expect(bad.status == 65)
        #expect(bad.text.contains("audit chain broken at seq 2: hash-mismatch"))
        #expect(bad.stderr.contains("seq 2"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")

        // Recomputing the hash is not enough: the next entry's link no longer matches.
        try db.execute("UPDATE signoffs SET verdict = 'confirmed' WHERE seq = 2")
        #expect(try s.diagnose(["audit", s.runID]).status == 0)
        try db.execute("UPDATE signoffs SET hash = '\(String(repeating: "a", count: 64))' WHERE seq = 2")
        let relinked = try s.diagnose(["audit", s.runID])
        #expect(relinked.status == 65)
        #expect(relinked.text.contains("audit chain broken at seq 2"))

        // An unverifiable chain does not sign a report off, and is not extended.
        let signoff = try #require(try s.jsonReport()["signoff"] as? [String: Any])
        #expect(signoff["state"] as? String == "draft")
        let more = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "confirmed", "--by", "dee"])
        #expect(more.status == 65)
        #expect(more.stderr.contains("audit chain broken at seq 2"), "\(more.stderr)")
        #expect(more.stderr.split(separator: "\n").count == 1, "\(more.stderr)")
        #expect(try s.diagnose(["audit", s.runID]).text.contains("#3 ") && !(try s.diagnose(["audit", s.runID]).text.contains("#4 ")))
    }

    @Test func deletingAnEntryBreaksTheChainAtTheNextOne() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        for who in ["ana", "bo", "cy"] {
            let r = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "inconclusive", "--by", who])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let db = try SQLiteDatabase(path: s.index)
        try db.execute("DROP TRIGGER signoffs_no_delete")
        try db.execute("DELETE FROM signoffs WHERE seq = 2")
        let bad = try s.diagnose(["audit", s.runID])
        #expect(bad.status == 65)
        #expect(bad.text.contains("audit chain broken at seq 3"))
    }

    @Test func auditOfAMissingRunIsNoRun() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let r = try s.diagnose(["audit", "no-such-run"])
        #expect(r.status == 66)
        #expect(r.stderr.contains("no run 'no-such-run'"))
    }

    static let sections = ["## Summary", "## Impact", "## Root cause", "## Trigger", "## Detection", "## Resolution",
                           "## Timeline", "## Action items", "## Lessons learned"]

    /// An fp16 overflow: the onset is a step, so the impact is estimated with its arithmetic.
    @Test func postmortemDraftHasEverySectionAndItsArithmetic() throws {
        let s = try SampleCopy("cpt-3b-r57")
        defer { s.remove() }
        let hyps = try #require(try s.jsonReport()["hypotheses"] as? [[String: Any]])
        let top = try #require(hyps.first?["cause"] as? String)
        let r = try s.diagnose(["postmortem", s.runID, "--gpus", "8"])
        #expect(r.status == 0, "\(r.stderr)")
        let text = r.text
        var last = text.startIndex
        for section in Self.sections {
            let found = text.range(of: "\n\(section)\n", range: last..<text.endIndex)
            #expect(found != nil, "missing or out of order: \(section)")
            if let found { last = found.upperBound }
        }
        #expect(text.contains("**UNCONFIRMED.** Most likely `\(top)`"))
        #expect(text.contains("Sign off the diagnosis"))
        #expect(try postmortemArithmeticHolds(text, gpus: 8))
        #expect(text.contains("GPU-hours = "))
        #expect(text.contains("- Lost steps: **"))
    }

    /// A crash with no step onset says why the impact is not estimated instead of inventing one.
    @Test func postmortemSaysWhyImpactIsNotEstimated() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let r = try s.diagnose(["postmortem", s.runID])
        #expect(r.status == 0, "\(r.stderr)")
        let impact = try #require(r.text.components(separatedBy: "## Impact").last?.components(separatedBy: "## Root cause").first)
        #expect(impact.contains("lost steps = ") || impact.contains("Not estimated: "))
        for section in Self.sections { #expect(r.text.contains("\n\(section)\n"), "\(section)") }
        #expect(try s.diagnose(["postmortem", s.runID, "--gpus", "0"]).status == 64)
    }

    @Test func postmortemRootCauseFollowsTheSignedOffVerdictAndIsRedacted() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let hyps = try #require(try s.jsonReport()["hypotheses"] as? [[String: Any]])
        let top = try #require(hyps.first?["cause"] as? String)
        let secret = "sk-proj-" + "Zyxwvutsrqponmlkjihgfedcba9876543210ABCD"
        let r = try s.diagnose(["signoff", s.runID, "--hypothesis", top, "--verdict", "confirmed", "--by", "ana",
                                "--note", "rotated the key \(secret) and reran"])
        #expect(r.status == 0, "\(r.stderr)")
        let pm = try s.diagnose(["postmortem", s.runID])
        #expect(pm.status == 0, "\(pm.stderr)")
        #expect(!pm.text.contains("UNCONFIRMED"))
        #expect(pm.text.contains("**`\(top)`**"))
        #expect(pm.text.contains("confirmed by ana at "))
        #expect(pm.text.contains("Sign-off note: rotated the key sk-"))
        #expect(!pm.text.contains(secret))
        #expect(!pm.text.contains(String(secret.dropFirst(8).prefix(12))))
        #expect(!pm.text.contains("Sign off the diagnosis"))
        for section in Self.sections { #expect(pm.text.contains("\n\(section)\n"), "\(section)") }
        // The audit listing shows the note redacted too.
        let audit = try s.diagnose(["audit", s.runID])
        #expect(audit.status == 0)
        #expect(!audit.text.contains(secret))
        // --output writes the same draft to a file.
        let file = s.root + "/postmortem.md"
        let out = try s.diagnose(["postmortem", s.runID, "--output", file])
        #expect(out.status == 0)
        #expect(out.stdout.isEmpty)
        let written = try String(contentsOfFile: file, encoding: .utf8)
        #expect(written.contains("## Lessons learned"))
        #expect(!written.contains(secret))
    }

    /// Regression: a rejected top hypothesis was still drafted as the most likely root cause.
    @Test func aRejectedHypothesisIsNeverCalledMostLikely() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let hyps = try #require(try s.jsonReport()["hypotheses"] as? [[String: Any]])
        let top = try #require(hyps.first?["cause"] as? String)
        let r = try s.diagnose(["signoff", s.runID, "--hypothesis", "1", "--verdict", "rejected", "--by", "ana",
                                "--note", "allocator was fine"])
        #expect(r.status == 0, "\(r.stderr)")
        let pm = try s.diagnose(["postmortem", s.runID]).text
        #expect(!pm.contains("Most likely `\(top)`"))
        #expect(pm.contains("Rejected at sign-off:"))
        #expect(pm.contains("- `\(top)`: "))
        #expect(pm.contains("rejected by ana at "))
        #expect(pm.contains("allocator was fine"))
        if hyps.count == 1 { #expect(pm.contains("Every hypothesis was rejected at sign-off")) }
        let md = try s.diagnose([s.runID]).text
        #expect(!md.contains("most likely \(top),"))
        #expect(md.contains("rejected at sign-off"))
        let slack = try s.diagnose(["page", s.runID, "--to", "slack"]).text
        #expect(!slack.contains("most likely \(top),"))
    }

    /// Re-does the impact arithmetic the postmortem prints: lost steps = last − onset, lost time
    /// = steps × s/step, GPU-hours = seconds × GPUs ÷ 3600.
    func postmortemArithmeticHolds(_ text: String, gpus: Int) throws -> Bool {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func numbers(_ line: String) -> [Double] {
            let cleaned = line.replacingOccurrences(of: ",", with: "")
            var out: [Double] = []
            var current = ""
            for ch in cleaned + " " {
                if ch.isNumber || (ch == "." && !current.isEmpty) { current.append(ch) }
                else { if let v = Double(current) { out.append(v) }; current = "" }
            }
            return out
        }
        guard let stepsLine = lines.first(where: { $0.hasPrefix("lost steps = ") }) else { return false }
        let st = numbers(stepsLine)
        guard st.count == 3, st[0] - st[1] == st[2] else { return false }
        if let timeLine = lines.first(where: { $0.hasPrefix("lost time = ") && $0.contains("s/step") }) {
            let t = numbers(timeLine)
            guard t.count == 3, t[0] == st[2], abs(t[0] * t[1] - t[2]) <= max(1, t[2] * 0.01) else { return false }
            guard let gpuLine = lines.first(where: { $0.hasPrefix("GPU-hours = ") }) else { return false }
            let g = numbers(gpuLine)
            guard g.count == 4, g[1] == Double(gpus), abs(g[0] * g[1] / 3600 - g[3]) <= 0.01 else { return false }
        }
        return true
    }
}
