import DiagnoseCore
import DiagnoseText
import Foundation
import Testing
@testable import DiagnoseIngest

/// Mixed and broken input: nothing crashes, every line is counted.
@Suite struct BrokenInputTests {
    @Test func truncatedLastLines() throws {
        let text = "{'loss': 1.0, 'learning_rate': 1e-05, 'epoch': 0.1}\n{'loss': 0.9, 'learning_r"
        let sink = try TextRun.parse(text)
        #expect(sink.linesRead == 2)
        #expect(sink.metrics.filter { $0.name == .loss }.count == 2)
        #expect(sink.problems.contains { $0.line == 2 })
        let mega = try TextRun.parse(" iteration      122/  250000 | consumed samples:       124928 | learning rate: 9.150E-06 | lm loss: 2.5042")
        #expect(mega.metrics.contains { $0.name == .loss && $0.step == 122 })
    }

    @Test func interleavedRanks() throws {
        let sink = try TextRun.parse("""
            [rank0]: {'loss': 1.0, 'learning_rate': 1e-05, 'epoch': 0.1}
            [rank1]: [E ProcessGroupNCCL.cpp:737] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=5, OpType=ALLREDUCE, Timeout(ms)=600000) ran for 600100 milliseconds before timing out.
            [rank0]: Traceback (most recent call last):
            [rank1]: some rank-1 noise
            [rank0]:   File "t.py", line 3, in <module>
            [rank0]: RuntimeError: boom
            [rank1]: more noise
            """)
        #expect(sink.metrics.allSatisfy { $0.rank == 0 })
        #expect(sink.events.contains { $0.kind == .ncclTimeout && $0.rank == 1 })
        let tb = try #require(sink.events.first { $0.kind == .traceback })
        #expect(tb.rank == 0 && tb.line == 3 && tb.lineCount == 4)
        #expect(sink.genericLines == 2)
        #expect(sink.linesRead == 7)
    }

    @Test func gluedLinesBothParsed() throws {
        let frame = " 50%|█████     | 592/1184 [10:00<10:00,  1.01s/it]"
        let text = frame + "{'loss': 0.5, 'grad_norm': 1.5, 'learning_rate': 5e-06, 'epoch': 0.5}\r" + frame
            + "[2021-02-04 15:06:19,825] [INFO] [stage2.py:1357:step] [deepscale] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 65536.0, reducing to 32768.0\n"
        let sink = try TextRun.parse(text)
        #expect(sink.metrics.contains { $0.name == .loss && $0.value == 0.5 && $0.line == 1 })
        #expect(sink.events.contains { $0.kind == .overflowSkip && $0.line == 1 })
        #expect(sink.metrics.contains { $0.name == .lossScale && $0.value == 32768 })
        #expect(sink.linesRead == 1)
    }

    @Test func garbageAndInvalidUTF8() throws {
        var bytes: [UInt8] = []
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20000 { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
        bytes += Array("\n{'loss': \u{FF}".utf8) + [0xC3, 0x28, 0xFF, 0xFE] + Array("1.0}\n".utf8)
        bytes += [0xE2, 0x82] + Array(" iteration 5/10 | lm loss: 1.0 |\n".utf8)
        let expectedLines = bytes.filter { $0 == 0x0A }.count + (bytes.last == 0x0A ? 0 : 1)
        let sink = try TextRun.parse(bytes)
        #expect(sink.linesRead == expectedLines)
        #expect(sink.metrics.contains { $0.name == .loss && $0.step == 5 })
    }

    @Test func fiveMegabyteSingleLine() throws {
        var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: 5 << 20)
        bytes += Array("\nCUDA out of memory. Tried to allocate 1.00 GiB\n".utf8)
        let sink = try TextRun.parse(bytes)
        #expect(sink.linesRead == 2)
        #expect(sink.truncatedLines == 1)
        #expect(sink.events.contains { $0.kind == .oom && $0.line == 2 })
    }

    @Test func everyBuiltInParserSurvivesGarbage() throws {
        var rng = SystemRandomNumberGenerator()
        let samples: [[UInt8]] = [
            (0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) },
            Array("{\"log_history\": [{\"loss\": NaN, \"step\": 1}, {\"loss\": ".utf8),
            Array("Wall time,Step,Value\n1,2\nabc,def,ghi\n,,\n".utf8),
            Array("epoch,step,train_loss\n\"unterminated,1,2\n0,1\n".utf8),
            [],
        ]
        for parser in ParserRegistry.builtIn.parsers {
            for (i, s) in samples.enumerated() {
                let dir = ExampleRunner.tempDir()
                let path = ["x.log", "trainer_state.json", "run-a-tag-loss.csv", "metrics.csv", "empty.log"][i]
                let abs = try ExampleRunner.write(s, dir: dir, path: path)
                _ = parser.sniff(try ExampleRunner.head(abs, path: path))
                let sink = RecordSink()
                try parser.parse(ParseInput(absolutePath: abs, path: path), into: sink)
            }
        }
    }

    @Test func brokenWholeFileFormatsReportProblems() throws {
        let dir = ExampleRunner.tempDir()
        let state = "{\n  \"log_history\": [\n    {\"loss\": 1.5, \"step\": 10},\n    {\"loss\": 1."
        let abs = try ExampleRunner.write(Array(state.utf8), dir: dir, path: "trainer_state.json")
        let sink = try ExampleRunner.parse(HFTrainerStateParser(), abs: abs, path: "trainer_state.json")
        #expect(sink.metrics.count == 1)
        #expect(sink.problems.count >= 2)
        let csv = "Wall time,Step,Value\n1,2,3\nbad row\n"
        let csvAbs = try ExampleRunner.write(Array(csv.utf8), dir: dir, path: "run-x-tag-loss.csv")
        let csvSink = try ExampleRunner.parse(TensorBoardCSVParser(), abs: csvAbs, path: "run-x-tag-loss.csv")
        #expect(csvSink.metrics.count == 1)
        #expect(csvSink.unparsedLines == 1)
    }

    @Test func unknownLinesStayGenericAndCounted() throws {
        let sink = try TextRun.parse("""
            Loading dataset shards
            WARNING: something odd happened
            step 3 of something else
            """)
        #expect(sink.genericLines == 3)
        #expect(sink.events.map(\.kind) == [.warningLine])
    }
}
