import DiagnoseCore
import DiagnoseText

/// Python tracebacks (FORMATS.md B.6) as ONE multi-line event each: from `Traceback (most recent
/// call last):` through the exception line, chained tracebacks (`The above exception was the
/// direct cause…`, `During handling…`) included. Detail: the exception's qualified type, its
/// message and the innermost frame (`file:line in fn`). Tracebacks of different ranks that
/// interleave (`[rank0]: …`, `[rank1]: …`) are collected separately, keyed by the line's rank.
final class TracebackRule: LineRule {
    let keywords = ["Traceback (most recent call last)"]
    var active: Bool { !open.isEmpty }

    private enum Phase { case frames, afterException }

    private struct Block {
        var startLine: Int
        var startOffset: Int64
        var lastLine: Int
        var time: Double?
        var step: Int?
        var rank: Int?
        var phase: Phase = .frames
        var frame: String?
        var exception: String?
        var message: String?
        var pendingBlank = 0
        var excerpt: [String] = []
    }

    private var open: [Int: Block] = [:]
    private static let framePattern = Rx.make(#"^\s*File "([^"]*)", line (\d+)(?:, in (.*))?"#)
    private static let exceptionPattern = Rx.make(#"^([A-Za-z_][A-Za-z0-9_.]*)(?::\s?(.*))?$"#)
    private let mFrame = TracebackRule.framePattern.matcher()
    private let mException = TracebackRule.exceptionPattern.matcher()
    private static let maxLines = 5000

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let key = line.rank ?? -1
        let b = line.payload
        let isHeader = Bytes.has(b, "Traceback (most recent call last)")
        if var block = open[key] {
            if line.number - block.startLine > TracebackRule.maxLines {
                emit(block, sink)
                open[key] = nil
                return consume(line, sink)
            }
            switch classify(b, isHeader: isHeader, phase: block.phase) {
            case .body:
                if isHeader { block.phase = .frames; block.pendingBlank = 0 }
                if mFrame.matches(b) {
                    let file = mFrame.string(1) ?? "?"
                    let ln = mFrame.string(2) ?? "?"
                    block.frame = "\(file):\(ln)" + (mFrame.string(3).map { " in \($0)" } ?? "")
                }
                if b.count == 0 { block.pendingBlank += 1 } else if block.phase == .frames { block.pendingBlank = 0 }
                block.lastLine = line.number
                if block.excerpt.count < 8 || isHeader { remember(&block, b) }
                open[key] = block
                return .consumed(step: nil)
            case .exception:
                block.exception = mException.string(1)
                block.message = mException.bytes(2).map { Text.capped($0, limit: 1000) } ?? ""
                block.phase = .afterException
                block.pendingBlank = 0
                block.lastLine = line.number
                remember(&block, b)
                open[key] = block
                return .consumed(step: nil)
            case .end:
                emit(block, sink)
                open[key] = nil
                if isHeader { return consume(line, sink) }
                return .pass
            }
        }
        guard isHeader else { return .pass }
        var block = Block(startLine: line.number, startOffset: line.offset, lastLine: line.number, time: line.time,
                          step: line.step, rank: line.rank)
        remember(&block, b)
        open[key] = block
        return .consumed(step: nil)
    }

    private enum Kind { case body, exception, end }

    private func classify(_ b: UnsafeRawBufferPointer, isHeader: Bool, phase: Phase) -> Kind {
        if isHeader { return phase == .afterException || phase == .frames ? .body : .end }
        if Bytes.has(b, "The above exception was the direct cause") || Bytes.has(b, "During handling of the above exception")
            || Bytes.has(b, "-- Process ") && Bytes.has(b, "terminated with the following error") {
            return .body
        }
        let indent = Bytes.indent(b)
        switch phase {
        case .frames:
            if b.count == 0 { return .body }
            if indent > 0 { return .body }
            if Bytes.startsWith(b, "File \"") { return .body }
            if mException.matches(b) { return .exception }
            return .end
        case .afterException:
            if b.count == 0 { return .body }
            // Multi-line exception messages continue indented (state_dict size mismatches).
            if indent > 0 { return .body }
            return .end
        }
    }

    private func remember(_ block: inout Block, _ b: UnsafeRawBufferPointer) {
        if block.excerpt.count >= 12 { block.excerpt.removeFirst() }
        block.excerpt.append(Text.capped(b, limit: 300))
    }

    private func emit(_ block: Block, _ sink: RecordSink) {
        let exception = block.exception ?? ""
        let message = block.message ?? (block.exception == nil ? "traceback cut off before its exception line" : "")
        var text = "Traceback (most recent call last): … "
        if let f = block.frame { text += "File \(f) … " }
        text += exception.isEmpty ? message : "\(exception): \(message)"
        sink.emit(LogEvent(line: block.startLine, byteOffset: block.startOffset, lineCount: block.lastLine - block.startLine + 1,
                           time: block.time, step: block.step, rank: block.rank, severity: .error, kind: .traceback,
                           message: String(text.prefix(2048)),
                           detail: .traceback(exception: exception, message: message, frame: block.frame)))
    }

    func finish(_ sink: RecordSink) {
        for key in open.keys.sorted() { emit(open[key]!, sink) }
        open.removeAll()
    }

    static let spec = LineRuleSpec(id: "python-traceback", examples: [
        ParserExample(name: "traceback with 3.11 carets ending in an OOM", path: "logs/rank0.log", content: """
            step 10 ok
            Traceback (most recent call last):
              File "/workspace/train.py", line 120, in <module>
                main()
              File "/workspace/train.py", line 88, in main
                loss = model(batch).loss
                       ^^^^^^^^^^^^
            torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.10 GiB of which 1.50 GiB is free.
            after the traceback
            """, expect: [
                .event(kind: .traceback, line: 2, rank: 0, contains: "train.py:88 in main"),
                .event(kind: .oom, line: 8),
                .count(events: 2),
            ]),
        ParserExample(name: "interleaved rank-prefixed tracebacks", path: "logs/all.log", content: """
            [rank0]: Traceback (most recent call last):
            [rank1]: Traceback (most recent call last):
            [rank0]:   File "/w/train.py", line 10, in <module>
            [rank1]:   File "/w/train.py", line 10, in <module>
            [rank0]:     run()
            [rank1]:     run()
            [rank0]: ValueError: bad value
            [rank1]: KeyError: 'x'
            [rank0]: done
            """, expect: [
                .event(kind: .traceback, line: 1, rank: 0, contains: "ValueError: bad value"),
                .event(kind: .traceback, line: 2, rank: 1, contains: "KeyError"),
                .count(events: 2),
            ]),
        ParserExample(name: "chained traceback is one event", path: "logs/train.log", content: """
            Traceback (most recent call last):
              File "a.py", line 1, in f
                x = d["k"]
            KeyError: 'k'

            During handling of the above exception, another exception occurred:

            Traceback (most recent call last):
              File "a.py", line 3, in g
                raise RuntimeError("wrapped")
            RuntimeError: wrapped
            """, expect: [
                .event(kind: .traceback, line: 1, contains: "RuntimeError: wrapped"),
                .count(events: 1),
            ]),
    ]) { TracebackRule() }
}
