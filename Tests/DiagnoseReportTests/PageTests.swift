import DiagnoseTestSupport
import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseReport

@Suite struct PagePayloadTests {
    let d = SampleDiagnosis.lrTooHigh()

    func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func pagerDutyEventsV2() throws {
        let o = try object(PagePayload.pagerDuty(d, routingKey: "R0UTINGKEY0123456789abcdef012345"))
        #expect(o["event_action"] as? String == "trigger")
        #expect(o["routing_key"] as? String == "R0UTINGKEY0123456789abcdef012345")
        #expect(o["dedup_key"] as? String == "diagnose/sft-7b-r18")
        let p = try #require(o["payload"] as? [String: Any])
        #expect(p["severity"] as? String == "critical")
        #expect(p["source"] as? String == "diagnose")
        #expect(p["timestamp"] as? String == "2026-11-03T09:12:44Z")
        let summary = try #require(p["summary"] as? String)
        #expect(summary.hasPrefix("sft-7b-r18: incident: most likely lr-too-high, 81%"))
        let details = try #require(p["custom_details"] as? [String: Any])
        let hyps = try #require(details["hypotheses"] as? [[String: Any]])
        #expect(hyps.count == 3)
        #expect(hyps[0]["cause"] as? String == "lr-too-high")
    }

    @Test func summaryCappedAt1024() throws {
        var long = d
        long.hypotheses[0].title = String(repeating: "very long title ", count: 200)
        let p = try #require(try object(PagePayload.pagerDuty(long, routingKey: "k"))["payload"] as? [String: Any])
        #expect((p["summary"] as? String)?.count == 1024)
    }

    @Test(arguments: [(0.95, "critical"), (0.6, "error"), (0.3, "warning"), (0.05, "info")])
    func severityFromConfidence(_ c: Double, _ expected: String) {
        var x = d
        x.hypotheses[0].confidence = c
        #expect(PagePayload.Severity.from(x).rawValue == expected)
        #expect(PagePayload.Severity.from(SampleDiagnosis.healthy()) == .info)
    }

    @Test func alertmanagerWebhookShape() throws {
        let o = try object(PagePayload.alertmanager(d, receiver: "ml-oncall", externalURL: "http://am.example:9093"))
        #expect(o["version"] as? String == "4")
        #expect(o["status"] as? String == "firing")
        #expect(o["receiver"] as? String == "ml-oncall")
        #expect(o["externalURL"] as? String == "http://am.example:9093")
        #expect((o["groupKey"] as? String)?.contains("sft-7b-r18") == true)
        for k in ["groupLabels", "commonLabels", "commonAnnotations"] { #expect(o[k] is [String: Any], "\(k)") }
        let alerts = try #require(o["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        let a = alerts[0]
        #expect(a["status"] as? String == "firing")
        #expect(a["startsAt"] as? String == "2026-11-03T09:12:44Z")
        #expect(a["endsAt"] as? String == "0001-01-01T00:00:00Z")
        #expect((a["fingerprint"] as? String)?.count == 16)
        #expect((a["labels"] as? [String: String])?["cause"] == "lr-too-high")
        #expect((a["labels"] as? [String: String])?["alertname"] == "DiagnoseIncident")
        #expect(a["generatorURL"] is String && a["annotations"] is [String: Any])
    }

    @Test func slackBlockKitEscapesMrkdwn() throws {
        var x = d
        x.hypotheses[0].title = "<!channel> & <https://evil|click>"
        let data = PagePayload.slack(x, reportURL: "https://reports.example/r18.html")
        let o = try object(data)
        let blocks = try #require(o["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["header", "section", "context"])
        let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
        #expect(fields.allSatisfy { $0["type"] as? String == "mrkdwn" })
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("<!channel>"))
        #expect(text.contains("&lt;!channel&gt; &amp; &lt;https://evil|click&gt;"))
        #expect(text.contains("<https://reports.example/r18.html|report>"))
        let header = try #require((blocks[0]["text"] as? [String: Any])?["text"] as? String)
        #expect(header.count <= 150)
    }

    @Test func payloadsAreDeterministic() {
        #expect(PagePayload.pagerDuty(d, routingKey: "k") == PagePayload.pagerDuty(d, routingKey: "k"))
        #expect(PagePayload.alertmanager(d, receiver: "r", externalURL: "u") == PagePayload.alertmanager(d, receiver: "r", externalURL: "u"))
        #expect(PagePayload.slack(d) == PagePayload.slack(d))
    }

    @Test func jsonWriterEscapes() {
        let j = JSONOut.object(["b": .string("q\"\\\n\u{01}"), "a": .array([.int(1), .number(0.5), .number(.nan), .null, .bool(true)])])
        #expect(j.text == #"{"a":[1,0.5,null,null,true],"b":"q\"\\\n\u0001"}"#)
    }
}

@Suite(.serialized) struct PageSenderTests {
    let fast = PageSender.Backoff(initial: 0.01, factor: 2, maximum: 0.05)

    @Test func deliversFirstTime() async throws {
        let server = try TinyHTTPServer(statuses: [202])
        let body = PagePayload.pagerDuty(SampleDiagnosis.lrTooHigh(), routingKey: "k")
        let r = try await PageSender.send(body, to: server.url, retries: 3, backoff: fast)
        #expect(r.status == 202 && r.attempts == 1)
        #expect(server.waitUntilStopped())
        #expect(server.received == [String(decoding: body, as: UTF8.self)])
    }

    @Test func retriesAfter500() async throws {
        let server = try TinyHTTPServer(statuses: [500, 200])
        let r = try await PageSender.send(Data("{}".utf8), to: server.url, retries: 3, backoff: fast)
        #expect(r.status == 200 && r.attempts == 2)
        #expect(server.waitUntilStopped())
        #expect(server.received.count == 2)
    }

    @Test func failsAfterRetriesWithStatusAndBody() async throws {
        let server = try TinyHTTPServer(statuses: [500, 502, 503, 500])
        do {
            try await PageSender.send(Data("{}".utf8), to: server.url, retries: 3, backoff: fast)
            Issue.record("expected a failure")
        } catch {
            #expect(error == .http(status: 500, body: "{\"error\":\"scripted failure 500\"}", attempts: 4))
            #expect(error.description.contains("HTTP 500 after 4 attempt(s)"))
        }
        #expect(server.waitUntilStopped())
        #expect(server.received.count == 4)
    }

    @Test func clientErrorIsNotRetried() async throws {
        let server = try TinyHTTPServer(statuses: [400], idleTimeout: 2)
        do {
            try await PageSender.send(Data("{}".utf8), to: server.url, retries: 3, backoff: fast)
            Issue.record("expected a failure")
        } catch {
            if case .http(let status, _, let attempts) = error { #expect(status == 400 && attempts == 1) }
            else { Issue.record("wrong error \(error)") }
        }
        #expect(server.waitUntilStopped())
    }

    @Test func connectionRefusedIsATransportError() async throws {
        let server = try TinyHTTPServer(statuses: [], idleTimeout: 1)
        #expect(server.waitUntilStopped())
        do {
            try await PageSender.send(Data("{}".utf8), to: server.url, retries: 1, backoff: fast, timeout: 3)
            Issue.record("expected a failure")
        } catch {
            if case .transport(_, let attempts) = error { #expect(attempts == 2) }
            else { Issue.record("wrong error \(error)") }
        }
    }
}
