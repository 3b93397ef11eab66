import Foundation
import DiagnoseCore
import DiagnoseText

/// Page payloads for on-call tools, built from a redacted diagnosis. Each returns the JSON body
/// to POST (deterministic bytes).
public enum PagePayload {
    /// How urgent a page is, from the top hypothesis' confidence.
    public enum Severity: String, Sendable, Hashable, CaseIterable {
        case critical, error, warning, info

        /// ≥ 0.8 critical, ≥ 0.5 error, ≥ 0.2 warning, else info; no incident is info.
        public static func from(_ d: Diagnosis) -> Severity {
            guard d.status == .incident, let top = ReportFacts.ranked(d.hypotheses).first,
                  top.confidence.isFinite else { return .info }
            switch top.confidence {
            case 0.8...: return .critical
            case 0.5..<0.8: return .error
            case 0.2..<0.5: return .warning
            default: return .info
            }
        }
    }

    /// One line for a page title: "run-id: incident: most likely lr-too-high, 81%".
    public static func summary(_ d: Diagnosis, limit: Int = 1024) -> String {
        let top = ReportFacts.ranked(d.hypotheses).first
        var s = "\(d.runID): \(ReportFacts.verdictLine(d))"
        if let top, d.status == .incident { s += " (\(top.title))" }
        return clip(TextFormat.clean(s), limit)
    }

    static func clip(_ s: String, _ limit: Int) -> String {
        s.count <= limit ? s : String(s.prefix(max(0, limit - 1))) + "…"
    }

    static func hypothesesJSON(_ d: Diagnosis, limit: Int = 3) -> JSONOut {
        .array(ReportFacts.ranked(d.hypotheses).prefix(limit).map { h in
            var o: [String: JSONOut] = [
                "rank": .int(h.rank), "cause": .string(h.cause), "title": .string(TextFormat.clean(h.title)),
                "confidence": .number((h.confidence * 1000).rounded() / 1000),
                "remediation": .string(clip(TextFormat.clean(h.remediation), 500)),
            ]
            if let e = h.evidence.first(where: \.supports) {
                o["evidence"] = .string(clip(TextFormat.location(e.source, e.line) + ": " + TextFormat.clean(e.excerpt), 300))
            }
            if let s = h.onsetStep { o["onset_step"] = .int(s) }
            return .object(o)
        })
    }

    /// PagerDuty Events API v2 `trigger` event. `dedup_key` is derived from the run id, so
    /// re-sending for the same run updates one incident.
    public static func pagerDuty(_ diagnosis: Diagnosis, routingKey: String, source: String = "diagnose",
                                 reportURL: String? = nil) -> Data {
        let d = Redactor.redact(diagnosis)
        var details: [String: JSONOut] = [
            "run_id": .string(d.runID),
            "status": .string(d.status.rawValue),
            "verdict": .string(ReportFacts.verdictLine(d)),
            "signoff": .string(d.signoff.state.rawValue),
            "hypotheses": hypothesesJSON(d),
        ]
        if let b = d.baselineRunID { details["baseline_run_id"] = .string(b) }
        var payload: [String: JSONOut] = [
            "summary": .string(summary(d, limit: 1024)),
            "severity": .string(Severity.from(d).rawValue),
            "source": .string(clip(source, 255)),
            "timestamp": .string(d.generatedAt),
            "component": .string(d.runID),
            "group": .string("diagnose"),
            "custom_details": .object(details),
        ]
        if let top = ReportFacts.ranked(d.hypotheses).first, d.status == .incident { payload["class"] = .string(top.cause) }
        var body: [String: JSONOut] = [
            "routing_key": .string(routingKey),
            "event_action": .string("trigger"),
            "dedup_key": .string(clip("diagnose/\(d.runID)", 255)),
            "client": .string("diagnose"),
            "payload": .object(payload),
        ]
        if let reportURL {
            body["client_url"] = .string(reportURL)
            body["links"] = .array([.object(["href": .string(reportURL), "text": .string("diagnose report")])])
        }
        return JSONOut.object(body).data
    }

    /// An Alertmanager webhook message (version 4) with one firing alert for the run.
    public static func alertmanager(_ diagnosis: Diagnosis, receiver: String, externalURL: String,
                                    generatorURL: String? = nil) -> Data {
        let d = Redactor.redact(diagnosis)
        let top = ReportFacts.ranked(d.hypotheses).first
        var labels: [String: JSONOut] = [
            "alertname": .string("DiagnoseIncident"),
            "run_id": .string(d.runID),
            "severity": .string(Severity.from(d).rawValue),
            "status": .string(d.status.rawValue),
        ]
        if let top, d.status == .incident { labels["cause"] = .string(top.cause) }
        var annotations: [String: JSONOut] = [
            "summary": .string(summary(d, limit: 1024)),
            "description": .string(clip(TextFormat.clean(top?.summary ?? ReportFacts.verdictLine(d)), 2000)),
        ]
        if let top, !top.remediation.isEmpty { annotations["remediation"] = .string(clip(TextFormat.clean(top.remediation), 2000)) }
        let fingerprintSource = labels.keys.sorted().map { k -> String in
            if case .string(let v) = labels[k]! { return "\(k)=\(v)" }
            return k
        }.joined(separator: "\u{1F}")
        let fingerprint = String(SHA256.hex(fingerprintSource).prefix(16))
        let alert: JSONOut = .object([
            "status": .string("firing"),
            "labels": .object(labels),
            "annotations": .object(annotations),
            "startsAt": .string(d.generatedAt),
            "endsAt": .string("0001-01-01T00:00:00Z"),
            "generatorURL": .string(generatorURL ?? externalURL),
            "fingerprint": .string(fingerprint),
        ])
        let groupLabels: [String: JSONOut] = ["alertname": .string("DiagnoseIncident"), "run_id": .string(d.runID)]
        let body: [String: JSONOut] = [
            "version": .string("4"),
            "groupKey": .string("{}:{alertname=\"DiagnoseIncident\", run_id=\"\(d.runID)\"}"),
            "truncatedAlerts": .int(0),
            "status": .string("firing"),
            "receiver": .string(receiver),
            "groupLabels": .object(groupLabels),
            "commonLabels": .object(labels),
            "commonAnnotations": .object(annotations),
            "externalURL": .string(externalURL),
            "alerts": .array([alert]),
        ]
        return JSONOut.object(body).data
    }

    /// Escapes text for Slack mrkdwn: `&`, `<`, `>` (Slack's control characters).
    public static func slackEscape(_ s: String) -> String {
        TextFormat.clean(s).replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A Slack Block Kit message: header, a section with mrkdwn fields, and context.
    public static func slack(_ diagnosis: Diagnosis, reportURL: String? = nil) -> Data {
        let d = Redactor.redact(diagnosis)
        let top = ReportFacts.ranked(d.hypotheses).first
        let headerText = clip((d.status == .incident ? "Incident: " : "No incident: ") + TextFormat.clean(d.runID), 150)
        var fields: [JSONOut] = [
            mrkdwn("*Run*\n`\(slackEscape(d.runID))`"),
            mrkdwn("*Baseline*\n" + (d.baselineRunID.map { "`\(slackEscape($0))`" } ?? "none")),
            mrkdwn("*Verdict*\n\(slackEscape(ReportFacts.verdictLine(d)))"),
            mrkdwn("*Severity*\n\(Severity.from(d).rawValue)"),
        ]
        for h in ReportFacts.ranked(d.hypotheses).prefix(3) {
            fields.append(mrkdwn(clip("*#\(h.rank) \(slackEscape(h.cause))* (\(TextFormat.percent(h.confidence)))\n\(slackEscape(h.title))", 2000)))
        }
        var text = slackEscape(ReportFacts.verdictLine(d))
        if let top, d.status == .incident, !top.remediation.isEmpty {
            text += "\n*Remediation:* " + slackEscape(top.remediation)
        }
        var context = "\(slackEscape(ReportFacts.banner(d.signoff))) · generated \(slackEscape(d.generatedAt))"
        if let reportURL { context += " · <\(slackEscape(reportURL))|report>" }
        let blocks: [JSONOut] = [
            .object(["type": .string("header"), "text": .object(["type": .string("plain_text"), "text": .string(headerText)])]),
            .object(["type": .string("section"), "text": mrkdwn(clip(text, 3000)), "fields": .array(Array(fields.prefix(10)))]),
            .object(["type": .string("context"), "elements": .array([mrkdwn(clip(context, 2000))])]),
        ]
        return JSONOut.object(["text": .string(slackEscape(summary(d, limit: 3000))), "blocks": .array(blocks)]).data
    }

    private static func mrkdwn(_ s: String) -> JSONOut { .object(["type": .string("mrkdwn"), "text": .string(s)]) }
}
