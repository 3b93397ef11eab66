import DiagnoseTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `diagnose page`: the three payload shapes, and `--send` against a receiver on 127.0.0.1.
@Suite struct PageTests {
    static let incident = "pt-350m-v32"

    func object(_ r: CLI.Result) throws -> [String: Any] {
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
    }

    @Test func pagerDutyIsAnEventsV2TriggerKeyedByTheRun() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let obj = try object(try s.diagnose(["page", s.runID, "--to", "pagerduty", "--routing-key", "R0UTINGKEY123"]))
        #expect(obj["routing_key"] as? String == "R0UTINGKEY123")
        #expect(obj["event_action"] as? String == "trigger")
        let dedup = try #require(obj["dedup_key"] as? String)
        #expect(dedup.contains(s.runID))
        let payload = try #require(obj["payload"] as? [String: Any])
        let summary = try #require(payload["summary"] as? String)
        #expect(summary.hasPrefix(s.runID + ": incident"))
        #expect(summary.count <= 1024)
        #expect(["critical", "error", "warning", "info"].contains(payload["severity"] as? String ?? ""))
        #expect(!(payload["source"] as? String ?? "").isEmpty)
        #expect(payload["timestamp"] is String)
        let details = try #require(payload["custom_details"] as? [String: Any])
        #expect(details["run_id"] as? String == s.runID)
        #expect(details["signoff"] as? String == "draft")
        // The routing key may also come from the environment; the same run keeps its dedup key.
        let viaEnv = try object(try s.diagnose(["page", s.runID, "--to", "pagerduty"],
                                               env: ["PAGERDUTY_ROUTING_KEY": "ENVKEY"]))
        #expect(viaEnv["routing_key"] as? String == "ENVKEY")
        #expect(viaEnv["dedup_key"] as? String == dedup)
    }

    @Test func pagerDutyWithoutARoutingKeyIsAUsageError() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let r = try s.diagnose(["page", s.runID, "--to", "pagerduty"], env: ["PAGERDUTY_ROUTING_KEY": ""])
        #expect(r.status == 64)
        #expect(r.stderr.contains("routing-key"))
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func alertmanagerIsAVersion4WebhookWithOneFiringAlert() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let obj = try object(try s.diagnose(["page", s.runID, "--to", "alertmanager"]))
        #expect(obj["version"] as? String == "4")
        #expect(obj["status"] as? String == "firing")
        #expect(obj["receiver"] is String)
        #expect(obj["groupKey"] is String)
        #expect(obj["externalURL"] is String)
        #expect(obj["truncatedAlerts"] as? Int == 0)
        #expect(obj["groupLabels"] is [String: Any])
        #expect(obj["commonLabels"] is [String: Any])
        #expect(obj["commonAnnotations"] is [String: Any])
        let alerts = try #require(obj["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        let alert = try #require(alerts.first)
        #expect(alert["status"] as? String == "firing")
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["alertname"] != nil)
        #expect(labels["run_id"] == s.runID)
        #expect((alert["annotations"] as? [String: String])?["summary"] != nil)
        for key in ["startsAt", "endsAt", "generatorURL", "fingerprint"] { #expect(alert[key] is String, "\(key)") }
    }

    @Test func slackIsBlockKitWithAHeaderAndFallbackText() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let obj = try object(try s.diagnose(["page", s.runID, "--to", "slack", "--report-url", "https://ci.example/r/1"]))
        #expect((obj["text"] as? String)?.contains(s.runID) == true)
        let blocks = try #require(obj["blocks"] as? [[String: Any]])
        #expect(blocks.first?["type"] as? String == "header")
        let header = try #require(blocks.first?["text"] as? [String: Any])
        #expect(header["type"] as? String == "plain_text")
        #expect((header["text"] as? String)?.count ?? 999 <= 150)
        #expect(blocks.contains { $0["type"] as? String == "section" })
        let context = try #require(blocks.last { $0["type"] as? String == "context" })
        let elements = try #require(context["elements"] as? [[String: Any]])
        #expect(elements.contains { ($0["text"] as? String)?.contains("<https://ci.example/r/1|report>") == true })
        for b in blocks where b["type"] as? String == "section" {
            #expect(((b["fields"] as? [Any])?.count ?? 0) <= 10)
        }
    }

    @Test func sendDeliversToTheReceiver() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let printed = try object(try s.diagnose(["page", s.runID, "--to", "slack"]))
        let receiver = try TinyHTTPServer(statuses: [202])
        let r = try s.diagnose(["page", s.runID, "--to", "slack", "--send", receiver.url.absoluteString])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.text.contains("sent: HTTP 202"))
        #expect(receiver.waitUntilStopped())
        let bodies = receiver.received
        #expect(bodies.count == 1)
        let got = try #require(try JSONSerialization.jsonObject(with: Data((bodies.first ?? "").utf8)) as? [String: Any])
        #expect(got["text"] as? String == printed["text"] as? String)
    }

    @Test func aServerErrorIsRetriedUntilDelivered() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let receiver = try TinyHTTPServer(statuses: [500, 200])
        let r = try s.diagnose(["page", s.runID, "--to", "alertmanager", "--send", receiver.url.absoluteString])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.text.contains("sent: HTTP 200 after 2 attempt(s)"))
        #expect(receiver.waitUntilStopped())
        #expect(receiver.received.count == 2)
        #expect(receiver.received.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }

    @Test func aClientErrorFailsAtOnceWithTheStatus() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let receiver = try TinyHTTPServer(statuses: [400], idleTimeout: 2)
        let r = try s.diagnose(["page", s.runID, "--to", "pagerduty", "--routing-key", "K", "--send",
                                receiver.url.absoluteString])
        #expect(r.status == 69)
        #expect(r.stderr.contains("HTTP 400 after 1 attempt(s)"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(receiver.waitUntilStopped())
        #expect(receiver.received.count == 1)
    }

    @Test func aDeadPortIsAClearErrorWithExit69() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let port = try Self.freePort()
        let r = try s.diagnose(["page", s.runID, "--to", "slack", "--send", "http://127.0.0.1:\(port)/hook",
                                "--retries", "1"])
        #expect(r.status == 69)
        #expect(r.stderr.hasPrefix("diagnose: page not delivered after 2 attempt(s)"), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func sendNeedsAnHTTPURL() throws {
        let s = try SampleCopy(Self.incident)
        defer { s.remove() }
        let r = try s.diagnose(["page", s.runID, "--to", "slack", "--send", "ftp://example.org/x"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("http(s) URL"))
    }

    /// A port on 127.0.0.1 that nothing listens on: bound, read back, closed.
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: addr.sin_port)
    }
}
