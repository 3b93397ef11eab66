import DiagnoseCore
import DiagnoseText

/// torchrun / torch.distributed.elastic `ChildFailedError` summaries (FORMATS.md B.4): the whole
/// block becomes ONE event (`lineCount` = lines spanned) with `.childFailed` detail for the root
/// cause (first observed failure): its rank, exit code and signal. Every failure entry is listed
/// in the message (`rank 1: exitcode 1; rank 0: exitcode -6 (SIGABRT)`). Both layouts (root
/// cause last since 2021-10, `Root Cause:` first before) and `<NO_OTHER_FAILURES>` are read.
final class ChildFailedRule: LineRule {
    let keywords = ["ChildFailedError"]
    private(set) var active = false

    private struct Failure {
        var rank: Int?
        var exitCode: Int?
        var signal: String?
        var host: String?
        var rootCause = false
    }

    private var startLine = 0, lastLine = 0
    private var startOffset: Int64 = 0
    private var time: Double?
    private var rank: Int?
    private var step: Int?
    private var rules = 0
    private var inRootCause = false
    private var failures: [Failure] = []
    private var header = ""
    private static let field = Rx.make(#"^\s*(time|host|rank|exitcode|error_file|traceback)\s*:\s*(.*)$"#)
    private static let signal = Rx.make(#"Signal (\d+) \((SIG[A-Z0-9]+)\)"#)
    private let mField = ChildFailedRule.field.matcher()
    private let mSignal = ChildFailedRule.signal.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        if !active {
            guard Bytes.has(b, "ChildFailedError"), !Bytes.has(b, "raise ChildFailedError") else { return .pass }
            // A bare mention ("ChildFailedError(") in a traceback frame is not the block.
            guard Bytes.has(b, "ChildFailedError:") || Bytes.trimmed(b, 0..<b.count).upperBound == (Bytes.find(b, "ChildFailedError")! + 16)
            else { return .pass }
            active = true
            startLine = line.number; lastLine = line.number; startOffset = line.offset
            time = line.time; rank = line.rank; step = line.step
            rules = 0; inRootCause = false; failures = []
            header = Text.capped(b, limit: 300)
            return .consumed(step: nil)
        }
        lastLine = line.number
        let t = Bytes.trimmed(b, 0..<b.count)
        if t.count >= 10, b[t.lowerBound] == UInt8(ascii: "="), b[t.upperBound - 1] == UInt8(ascii: "=") {
            rules += 1
            if rules >= 2 { close(sink) }
            return .consumed(step: nil)
        }
        if Bytes.has(b, "Root Cause") { inRootCause = true; return .consumed(step: nil) }
        if Bytes.has(b, "Failures:") { inRootCause = false; return .consumed(step: nil) }
        if t.count >= 3, b[t.lowerBound] == UInt8(ascii: "["), b[t.upperBound - 1] == UInt8(ascii: ":"),
           b[t.upperBound - 2] == UInt8(ascii: "]") {
            failures.append(Failure(rootCause: inRootCause))
            return .consumed(step: nil)
        }
        if mField.matches(b), let key = mField.string(1), !failures.isEmpty {
            let value = mField.bytes(2).map { Bytes.trimmed($0, 0..<$0.count) }
            let vb = mField.bytes(2)!
            let vr = value ?? 0..<0
            switch key {
            case "rank": failures[failures.count - 1].rank = Numbers.parseInt(Bytes.slice(vb, vr.lowerBound..<(firstSpace(vb, vr) ?? vr.upperBound)))
            case "exitcode": failures[failures.count - 1].exitCode = Numbers.parseInt(Bytes.slice(vb, vr.lowerBound..<(firstSpace(vb, vr) ?? vr.upperBound)))
            case "host": failures[failures.count - 1].host = Bytes.string(vb, vr)
            case "traceback":
                if mSignal.matches(vb) { failures[failures.count - 1].signal = mSignal.string(2) }
            default: break
            }
            return .consumed(step: nil)
        }
        if line.number - startLine > 400 { close(sink) }
        return .consumed(step: nil)
    }

    private func firstSpace(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        var i = r.lowerBound
        while i < r.upperBound { if b[i] == 0x20 { return i }; i += 1 }
        return nil
    }

    private func close(_ sink: RecordSink) {
        active = false
        let root = failures.first(where: \.rootCause) ?? failures.first
        var parts: [String] = []
        for f in failures {
            var s = "rank \(f.rank.map(String.init) ?? "?"): exitcode \(f.exitCode.map(String.init) ?? "?")"
            if let sig = f.signal { s += " (\(sig))" }
            if f.rootCause { s += " [root cause]" }
            if let h = f.host { s += " on \(h)" }
            parts.append(s)
        }
        let message = header + (parts.isEmpty ? "" : " — " + parts.joined(separator: "; "))
        let signal = root?.signal ?? root?.exitCode.flatMap { $0 < 0 ? ChildFailedRule.signalName(-$0) : nil }
        sink.emit(LogEvent(line: startLine, byteOffset: startOffset, lineCount: lastLine - startLine + 1, time: time,
                           step: step, rank: root?.rank ?? rank, severity: .error, kind: .childFailed,
                           message: message, detail: .childFailed(rank: root?.rank, exitCode: root?.exitCode, signal: signal)))
    }

    func finish(_ sink: RecordSink) {
        if active { close(sink) }
    }

    static func signalName(_ n: Int) -> String? {
        switch n {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 6: "SIGABRT"
        case 7: "SIGBUS"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 15: "SIGTERM"
        default: nil
        }
    }

    static let spec = LineRuleSpec(id: "child-failed", examples: [
        ParserExample(name: "ChildFailedError with multiple failures", path: "logs/launcher.log", content: """
            torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
            ============================================================
            train.py FAILED
            ------------------------------------------------------------
            Failures:
            [1]:
              time      : 2023-09-04_10:10:23
              host      : ubuntu
              rank      : 1 (local_rank: 1)
              exitcode  : 1 (pid: 3669031)
              error_file: <N/A>
              traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
            ------------------------------------------------------------
            Root Cause (first observed failure):
            [0]:
              time      : 2023-09-04_10:10:20
              host      : ubuntu
              rank      : 0 (local_rank: 0)
              exitcode  : -6 (pid: 3669030)
              error_file: <N/A>
              traceback : Signal 6 (SIGABRT) received by PID 3669030
            ============================================================
            next line
            """, expect: [
                .event(kind: .childFailed, line: 1, rank: 0, contains: "rank 1: exitcode 1"),
                .count(events: 1),
            ]),
        ParserExample(name: "ChildFailedError with no other failures", path: "logs/launcher.log", content: """
            E0801 13:23:20.000000 32974 torch/distributed/elastic/multiprocessing/api.py:874] failed (exitcode: 1) local_rank: 3 (pid: 33054) of binary: /usr/bin/python3
            Traceback (most recent call last):
              File "/usr/bin/torchrun", line 8, in <module>
                sys.exit(main())
              File "/usr/lib/python3/dist-packages/torch/distributed/launcher/api.py", line 263, in launch_agent
                raise ChildFailedError(
            torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
            ============================================================
            train.py FAILED
            ------------------------------------------------------------
            Failures:
              <NO_OTHER_FAILURES>
            ------------------------------------------------------------
            Root Cause (first observed failure):
            [0]:
              time      : 2024-08-01_13:23:20
              host      : node-1
              rank      : 3 (local_rank: 3)
              exitcode  : 1 (pid: 33054)
              error_file: <N/A>
              traceback : To enable traceback see: https://pytorch.org/docs/stable/elastic/errors.html
            ============================================================
            """, expect: [
                .event(kind: .childFailed, line: 7, rank: 3, contains: "rank 3: exitcode 1"),
                .event(kind: .traceback, line: 2, contains: "ChildFailedError"),
                .event(kind: .errorLine, line: 1, contains: "exitcode: 1"),
                .count(events: 3),
            ]),
    ]) { ChildFailedRule() }
}

/// torchrun launcher notices that a child failed: `failed (exitcode: -6) local_rank: 0 (pid: …)
/// of binary: …` in its logging, bracketed and glog forms. A negative exit code is a signal.
final class LauncherExitRule: LineRule {
    let keywords = ["failed (exitcode:"]
    private static let pattern = Rx.make(#"failed \(exitcode: (-?\d+)\) local_rank: (\d+)"#)
    private let m = LauncherExitRule.pattern.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        guard m.matches(line.payload), let code = m.int(1) else { return .pass }
        let signal = code < 0 ? ChildFailedRule.signalName(-code) : nil
        sink.emit(line.event(code < 0 ? .signal : .errorLine, .error, detail: .exit(code: code, signal: signal)))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "launcher-exit", examples: [
        ParserExample(name: "torchrun child exit lines", path: "logs/launcher.log", content: """
            ERROR:torch.distributed.elastic.multiprocessing.api:failed (exitcode: 1) local_rank: 0 (pid: 1622990) of binary: /usr/bin/python3
            [2024-05-08 08:47:31,877] torch.distributed.elastic.multiprocessing.api: [ERROR] failed (exitcode: -6) local_rank: 2 (pid: 5939) of binary: /usr/bin/python3
            """, expect: [
                .event(kind: .errorLine, line: 1, contains: "exitcode: 1"),
                .event(kind: .signal, line: 2, contains: "exitcode: -6"),
                .count(events: 2),
            ]),
    ]) { LauncherExitRule() }
}
