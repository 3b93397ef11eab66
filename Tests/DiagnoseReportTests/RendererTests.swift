import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseReport

@Suite struct RendererTests {
    let sample = SampleDiagnosis.lrTooHigh()

    func text(_ d: Diagnosis, _ f: ReportFormat) throws -> String { try ReportRenderer.renderString(d, format: f) }

    @Test func markdownHeaderHasDraftBaselineVerdictAndChecklist() throws {
        let md = try text(sample, .markdown(color: false))
        #expect(md.contains("DRAFT"))
        #expect(md.contains("- **Run:** `sft-7b-r18`"))
        #expect(md.contains("- **Baseline:** `sft-7b-r17`"))
        #expect(md.contains("incident: most likely lr-too-high, 81%"))
        #expect(md.contains("- [ ] #1 `lr-too-high` (81%): `diagnose signoff sft-7b-r18 --hypothesis 1"))
        #expect(md.contains("- [ ] #3 `fp16-overflow`"))
        #expect(!md.contains("\u{1B}["))
    }

    @Test func markdownHypothesisSectionsInOrder() throws {
        let md = try text(sample, .markdown(color: false))
        let order = ["## Sign-off checklist", "## Hypotheses", "### 1. Peak learning rate", "**Why it ranks here**",
                     "+2.30 config raises learning\\_rate", "-1.20 prior", "**Evidence (supports):**",
                     "`configs/train.yaml:14`", "**Evidence (argues against):**", "`logs/rank0.log:12`",
                     "**To confirm or refute:**", "**Remediation:**", "### 2. ", "## Timeline", "## Config diff",
                     "## Symptoms", "## Weak signals", "## Inputs coverage", "## Investigation trace"]
        var cursor = md.startIndex
        for needle in order {
            let found = md.range(of: needle.replacingOccurrences(of: "\\_", with: "_"), range: cursor..<md.endIndex)
            #expect(found != nil, "missing or out of order: \(needle)")
            if let found { cursor = found.upperBound }
        }
    }

    @Test func markdownConfigDiffMaterialFirstBenignCollapsed() throws {
        let md = try text(sample, .markdown(color: false))
        #expect(md.contains("| `optim.learning_rate` | `3.0e-4` | `3.0e-3` | `configs/train.yaml:14` |"))
        #expect(md.contains("Benign changes (3, collapsed): `run_name`, `seed`, `wandb.api_key`"))
    }

    @Test func markdownInputsCoverage() throws {
        let md = try text(sample, .markdown(color: false))
        #expect(md.contains("- Files: 14, lines: 1830211"))
        #expect(md.contains("`hf-trainer-log` × 8"))
        #expect(md.contains("- Unparsed lines: 12; truncated lines: 1"))
        #expect(md.contains("`notes/scratch.bin.txt`"))
        #expect(md.contains("`checkpoints/step-800/model.safetensors`: binary"))
        #expect(md.contains("`logs/rank3.log:991: malformed metrics dict`"))
    }

    @Test func colorOnlyWhenAsked() throws {
        let md = try text(sample, .markdown(color: true))
        #expect(md.contains("\u{1B}[1;33m"))
        #expect(md.contains("\u{1B}[0m"))
    }

    @Test func signedOffBannerAndCheckedBoxes() throws {
        var d = sample
        d.signoff = SignOff(state: .signedOff, by: "alice", at: "2026-11-03T10:00:00Z", verdicts: [
            Verdict(rank: 1, cause: "lr-too-high", verdict: .confirmed, by: "alice", at: "2026-11-03T10:00:00Z", note: "reverted LR"),
        ])
        let md = try text(d, .markdown(color: false))
        #expect(md.contains("SIGNED OFF by alice at 2026-11-03T10:00:00Z"))
        #expect(!md.contains("DRAFT"))
        #expect(md.contains("- [x] #1 `lr-too-high` (81%): **confirmed** by alice"))
        #expect(md.contains("- [ ] #2 `bad-data-batch`"))
        #expect(md.contains("incident: lr-too-high, confirmed at sign-off"))
        let html = try text(d, .html)
        #expect(html.contains("banner signed"))
        #expect(html.contains("SIGNED OFF by alice"))
    }

    @Test func noIncidentVerdict() throws {
        let d = SampleDiagnosis.healthy()
        let md = try text(d, .markdown(color: false))
        #expect(md.contains("- **Verdict:** no incident found"))
        #expect(!md.contains("## Sign-off checklist"))
        #expect(md.contains("## Weak signals"))
        let noBaseline = Diagnosis(runID: "r1", baselineRunID: nil, generatedAt: "2026-01-01T00:00:00Z", status: .noIncident)
        #expect(try text(noBaseline, .markdown(color: false)).contains("**Baseline:** none"))
    }

    @Test func markdownEscapesProseAndKeepsExcerptsInCode() throws {
        var d = sample
        d.hypotheses[0].title = "<img src=x onerror=alert(1)> [link](http://x) *bold*"
        d.hypotheses[0].evidence[1].excerpt = "a `tick` <script>alert(1)</script>\u{1B}[31mred\u{1B}[0m\r"
        let md = try text(d, .markdown(color: false))
        #expect(md.contains("\\<img src=x onerror=alert(1)\\> \\[link\\](http://x) \\*bold\\*"))
        #expect(md.contains("``a `tick` <script>alert(1)</script>red ``"))
        #expect(!md.contains("\u{1B}[31m"))
    }

    @Test func pipesInTableCellsDoNotSplitColumns() throws {
        var d = sample
        d.timeline = [TimelineEntry(step: 5, time: nil, label: "a|b", source: "logs/x|y.log", line: 3)]
        d.configDiff = [ConfigChange(file: "c.yaml", baselineFile: "c.yaml", key: "k", change: .changed,
                                     oldValue: "x|y", newValue: "z", line: 1, baselineLine: 1, material: true)]
        let md = try text(d, .markdown(color: false))
        #expect(md.contains("| 5 |  | a\\|b | `logs/x¦y.log:3` |"))
        #expect(md.contains("| `k` | `x¦y` | `z` |"))
    }

    @Test func deterministicBytes() throws {
        for f in [ReportFormat.markdown(color: false), .markdown(color: true), .html, .json] {
            let a = try ReportRenderer.render(SampleDiagnosis.lrTooHigh(), format: f)
            let b = try ReportRenderer.render(SampleDiagnosis.lrTooHigh(), format: f)
            #expect(a == b, "\(f) differs between renders")
        }
        var d = sample
        d.inputs.formats = Dictionary(uniqueKeysWithValues: (0..<40).map { ("fmt\($0)", $0) })
        let a = try text(d, .html), b = try text(d, .html)
        #expect(a == b)
        #expect(a.range(of: "fmt1<")!.lowerBound < a.range(of: "fmt2<")!.lowerBound)
    }

    @Test func jsonFollowsContractAndSurvivesNaN() throws {
        let data = try ReportRenderer.render(sample, format: .json)
        let s = String(decoding: data, as: UTF8.self)
        #expect(s.contains("\"schema\" : \"diagnose.report/v1\""))
        #expect(s.contains("\"status\" : \"incident\""))
        #expect(s.contains("\"signoff\" : {\n    \"state\" : \"draft\"\n  }"))
        #expect(s.contains("\"NaN\""))
        let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let hyps = obj?["hypotheses"] as? [[String: Any]]
        #expect(hyps?.first?["cause"] as? String == "lr-too-high")
        #expect(hyps?.first?["rank"] as? Int == 1)
        #expect(obj?["baseline_run_id"] as? String == "sft-7b-r17")
    }

    @Test func numberFormattingIsStable() {
        #expect(TextFormat.number(3e-4) == "0.0003")
        #expect(TextFormat.number(3e-5) == "3e-5")
        #expect(TextFormat.number(1.5e12) == "1500000000000")
        #expect(TextFormat.number(2.504220) == "2.504")
        #expect(TextFormat.number(.nan) == "NaN")
        #expect(TextFormat.number(-.infinity) == "-inf")
        #expect(TextFormat.logOdds(2.3) == "+2.30")
        #expect(TextFormat.logOdds(-0.004) == "+0.00")
        #expect(TextFormat.percent(0.805) == "81%")
        #expect(TextFormat.percent(.nan) == "?%")
    }
}
