import Foundation
import Testing
import DiagnoseCore
import DiagnoseText
@testable import DiagnoseReport

/// Secrets planted in log excerpts, configs, symptoms, timeline and trace must not reach any output.
@Suite struct RedactionAcrossOutputsTests {
    static let hf = "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNm012345"
    static let openai = "sk-proj-" + "AbCdEfGh1234567890IjKlMnOpQrStUvWx"
    static let wandb = "fedcba9876543210fedcba9876543210fedcba98"
    static let dbPass = "Tr0ub4dor-and-3"
    static let bearer = "tok" + "en-9f8e7d6c5b4a39281706"
    static let plantedSecrets = [hf, openai, wandb, dbPass, bearer]

    static func planted() -> Diagnosis {
        var d = SampleDiagnosis.lrTooHigh()
        d.hypotheses[0].evidence[1].excerpt = "[rank0]: HF_TOKEN=\(hf) loading tokenizer"
        d.hypotheses[0].summary += " Logged: OPENAI_API_KEY=\(openai)"
        d.hypotheses[1].evidence[0].excerpt = "2026-11-03T08:01:39Z curl -H 'Authorization: Bearer \(bearer)' http://judge"
        d.hypotheses[0].remediation += " (db at postgresql://svc:\(dbPass)@db.internal/runs)"
        d.configDiff.append(ConfigChange(file: "configs/env.yaml", baselineFile: "configs/env.yaml", key: "wandb.api_key",
                                         change: .changed, oldValue: wandb, newValue: wandb, line: 3, baselineLine: 3,
                                         material: true))
        d.configDiff.append(ConfigChange(file: "configs/env.yaml", baselineFile: nil, key: "db.url", change: .added,
                                         oldValue: nil, newValue: "postgresql://svc:\(dbPass)@db.internal/runs",
                                         line: 4, baselineLine: nil, material: false))
        d.symptoms.append(Symptom(kind: .configChange, configKey: "hf_token", oldValue: hf, newValue: hf,
                                  summary: "hf_token changed to \(hf)"))
        d.timeline.append(TimelineEntry(step: 10, time: nil, label: "wandb login \(wandb)"))
        d.trace.append(TraceStep(action: "grep", detail: "found OPENAI_API_KEY=\(openai)"))
        d.inputs.problems.append("configs/env.yaml:9: bad line 'password: \(dbPass)'")
        d.weakSignals[0].title = "token=\(bearer)"
        return d
    }

    func assertClean(_ text: String, _ what: String) {
        for s in Self.plantedSecrets {
            #expect(!text.contains(s), "\(what) leaks \(s.prefix(6))…")
            #expect(!text.contains(String(s.dropFirst(4).prefix(12))), "\(what) leaks part of \(s.prefix(6))…")
        }
    }

    @Test func reports() throws {
        let d = Self.planted()
        for f in [ReportFormat.markdown(color: false), .markdown(color: true), .html, .json] {
            let text = try ReportRenderer.renderString(d, format: f)
            assertClean(text, "\(f)")
            #expect(text.contains("hf_***"))
        }
        let md = try ReportRenderer.renderString(d, format: .markdown(color: false))
        #expect(md.contains("| `wandb.api_key` | `***` | `***` |"))
        #expect(md.contains("postgresql://svc:\\*\\*\\*@db.internal/runs"))
    }

    @Test func postmortemAndPages() {
        let d = Self.planted()
        assertClean(PostmortemRenderer.render(d, context: PostmortemContext(gpuCount: 8)), "postmortem")
        assertClean(String(decoding: PagePayload.pagerDuty(d, routingKey: "k"), as: UTF8.self), "pagerduty")
        assertClean(String(decoding: PagePayload.alertmanager(d, receiver: "r", externalURL: "u"), as: UTF8.self), "alertmanager")
        assertClean(String(decoding: PagePayload.slack(d), as: UTF8.self), "slack")
    }

    @Test func redactedDiagnosisKeepsShapeAndMarksSecretConfig() throws {
        let r = Redactor.redact(Self.planted())
        #expect(r.hypotheses.count == 3 && r.charts.count == 8)
        let w = r.configDiff.first { $0.key == "wandb.api_key" }
        #expect(w?.secret == true && w?.oldValue == "***" && w?.newValue == "***")
        #expect(r.symptoms.last?.oldValue == "***")
        #expect(r.hypotheses[0].evidence[1].excerpt == "[rank0]: HF_TOKEN=hf_*** loading tokenizer")
        #expect(try ReportRenderer.json(redacted: Redactor.redact(r)) == ReportRenderer.json(redacted: r))
    }

    @Test func writesSampleOutputsWhenAsked() throws {
        guard let dir = ProcessInfo.processInfo.environment["DIAGNOSE_SAMPLE_DIR"] else { return }
        let d = SampleDiagnosis.lrTooHigh()
        let url = URL(fileURLWithPath: dir)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try ReportRenderer.render(d, format: .html).write(to: url.appendingPathComponent("report.html"))
        try ReportRenderer.render(d, format: .markdown(color: false)).write(to: url.appendingPathComponent("report.md"))
        try ReportRenderer.render(d, format: .json).write(to: url.appendingPathComponent("report.json"))
        let ctx = PostmortemContext(gpuCount: 8, stepTimeSeconds: 2.5, onsetStep: 820, lastStep: 1540)
        try Data(PostmortemRenderer.render(d, context: ctx).utf8).write(to: url.appendingPathComponent("postmortem.md"))
        try PagePayload.pagerDuty(d, routingKey: "ROUTING_KEY").write(to: url.appendingPathComponent("pagerduty.json"))
        try PagePayload.alertmanager(d, receiver: "ml-oncall", externalURL: "http://alertmanager:9093")
            .write(to: url.appendingPathComponent("alertmanager.json"))
        try PagePayload.slack(d).write(to: url.appendingPathComponent("slack.json"))
        try ReportRenderer.render(SampleDiagnosis.healthy(), format: .html).write(to: url.appendingPathComponent("healthy.html"))
        #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("report.html").path))
    }
}
