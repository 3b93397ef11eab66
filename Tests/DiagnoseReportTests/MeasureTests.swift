import Foundation
import Testing
@testable import DiagnoseText
@testable import DiagnoseReport

/// Throughput of the redactor and renderers; prints only with DIAGNOSE_MEASURE=1 (use a release
/// build: `swift test -c release --filter MeasureTests`).
@Suite struct MeasureTests {
    static let lines = [
        "[rank0]: {'loss': 2.504, 'grad_norm': 1.2, 'learning_rate': 9.77e-06, 'epoch': 0.5}",
        "[2023-10-31 07:15:50,880] [INFO] [loss_scaler.py:183:update_scale] [deepspeed] OVERFLOW! Rank 0 Skipping step.",
        "(APIServer pid=1) INFO 05-12 08:01:39 [loggers.py:271] Avg prompt throughput: 1.0 tokens/s, Prefix cache hit rate: 42.1%",
        "export HF_TOKEN=hf_QwErTyUiOpAsDfGhJkLzXcVbNm012345",
        "host:123:456 [3] NCCL INFO Channel 00/02 :    0   1   2   3",
    ]

    @Test func redactorThroughput() {
        let n = ProcessInfo.processInfo.environment["DIAGNOSE_MEASURE"] == nil ? 2_000 : 200_000
        var bytes = 0
        var masked = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<n {
            let line = Self.lines[i % Self.lines.count]
            let out = Redactor.redact(line)
            bytes += line.utf8.count
            if out != line { masked += 1 }
        }
        let secs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(masked == n / Self.lines.count)
        if ProcessInfo.processInfo.environment["DIAGNOSE_MEASURE"] != nil {
            print("redactor: \(n) lines, \(bytes) bytes in \(String(format: "%.3f", secs)) s = \(Int(Double(n) / secs)) lines/s, \(String(format: "%.1f", Double(bytes) / secs / 1e6)) MB/s")
        }
    }

    @Test func renderTimes() throws {
        let d = SampleDiagnosis.lrTooHigh()
        for f in [ReportFormat.markdown(color: false), .html, .json] {
            let start = DispatchTime.now().uptimeNanoseconds
            let data = try ReportRenderer.render(d, format: f)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            #expect(!data.isEmpty)
            if ProcessInfo.processInfo.environment["DIAGNOSE_MEASURE"] != nil {
                print("render \(f): \(data.count) bytes in \(String(format: "%.2f", ms)) ms")
            }
        }
    }
}

@Suite struct PatternJITTests {
    @Test func jitAvailable() throws {
        let p = try Pattern("token|secret", options: [.caseless])
        if ProcessInfo.processInfo.environment["DIAGNOSE_MEASURE"] != nil { print("pcre2 jit: \(p.jit)") }
        #expect(p.matches("a TOKEN b"))
    }
}

@Suite struct RedactorProfileTests {
    @Test func profile() throws {
        guard ProcessInfo.processInfo.environment["DIAGNOSE_PROFILE"] != nil else { return }
        let line = MeasureTests.lines[0]
        func time(_ name: String, _ body: () -> Void) {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<20_000 { body() }
            print("\(name): \((DispatchTime.now().uptimeNanoseconds - start) / 20_000) ns")
        }
        time("trigger") { _ = Redactor.mayHoldSecret(line) }
        let p = try Pattern("token|secret", options: [.caseless])
        time("matcher alloc") { _ = p.matcher() }
        let m = p.matcher()
        let bytes = Array(line.utf8)
        time("match only") { bytes.withUnsafeBytes { _ = m.matches($0) } }
        time("redact clean") { _ = Redactor.redact(line) }
        time("redact hf") { _ = Redactor.redact(MeasureTests.lines[3]) }
        time("redact vllm") { _ = Redactor.redact(MeasureTests.lines[2]) }
        time("isSecretKey") { _ = Secrets.isSecretKey("grad_norm") }
    }
}
