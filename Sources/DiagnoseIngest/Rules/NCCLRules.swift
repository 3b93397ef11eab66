import DiagnoseCore
import DiagnoseText

/// ProcessGroupNCCL watchdog timeouts (FORMATS.md B.2), old `[E ProcessGroupNCCL.cpp:737] [Rank 1]`
/// and new `[rank0]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank 0]` forms, with or
/// without NumelIn/NumelOut. The `[PG … Rank N] Exception … detected by watchdog at work: …, last
/// completed NCCL work: …` follow-up and the watchdog's termination are `nccl-error` events
/// with the work counters as facts (the lowest `last completed` points at the straggler).
final class NCCLTimeoutRule: LineRule {
    let keywords = ["Watchdog caught collective operation timeout", "detected by watchdog",
                    "NCCL watchdog thread terminated"]
    private static let timeout = Rx.make(
        #"Watchdog caught collective operation timeout: WorkNCCL\(SeqNum=(\d+), OpType=([A-Za-z_]+)[^)]*?Timeout\(ms\)=(\d+)\)(?: ran for (\d+) milliseconds)?"#)
    private static let rankTag = Rx.make(#"\[(?:PG [^\]]*?)?Rank (\d+)\]"#)
    private static let work = Rx.make(#"at work: (\d+), last enqueued NCCL work: (-?\d+), last completed NCCL work: (-?\d+)"#)
    private let mTimeout = NCCLTimeoutRule.timeout.matcher()
    private let mRank = NCCLTimeoutRule.rankTag.matcher()
    private let mWork = NCCLTimeoutRule.work.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        let text = line.text
        let rank = mRank.matches(text) ? mRank.int(1) : nil
        if mTimeout.matches(b) {
            var e = line.event(.ncclTimeout, .error, detail: .ncclTimeout(op: mTimeout.string(2), seqNum: mTimeout.int(1),
                                                                          timeoutMs: mTimeout.int(3)))
            e.rank = line.rank ?? rank
            sink.emit(e)
            return .consumed(step: nil)
        }
        if Bytes.has(b, "detected by watchdog") {
            var facts: [String: String] = [:]
            if mWork.matches(b) {
                facts["work"] = mWork.string(1); facts["lastEnqueued"] = mWork.string(2); facts["lastCompleted"] = mWork.string(3)
            }
            var e = line.event(.ncclError, .error, detail: .facts(facts))
            e.rank = rank ?? line.rank
            sink.emit(e)
            return .consumed(step: nil)
        }
        if Bytes.has(b, "NCCL watchdog thread terminated") {
            var e = line.event(.ncclError, .error)
            e.rank = rank ?? line.rank
            sink.emit(e)
            return .consumed(step: nil)
        }
        return .pass
    }

    static let spec = LineRuleSpec(id: "nccl-timeout", examples: [
        ParserExample(name: "NCCL watchdog timeout, old and new forms", path: "logs/train.log", content: """
            [E ProcessGroupNCCL.cpp:737] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=469508, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1802212 milliseconds before timing out.
            [rank0]:[E321 02:07:08.408271257 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=1580, OpType=ALLREDUCE, NumelIn=466119168, NumelOut=466119168, Timeout(ms)=600000) ran for 600060 milliseconds before timing out.
            [rank0]:[E1206 18:44:12.715298746 ProcessGroupNCCL.cpp:607] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=7753, OpType=_REDUCE_SCATTER_BASE, NumelIn=544997376, NumelOut=68124672, Timeout(ms)=600000) ran for 600061 milliseconds before timing out.
            [rank1]:[E1206 18:44:12.715298746 ProcessGroupNCCL.cpp:1595] [PG ID 0 PG GUID 0(default_pg) Rank 1] Exception (either an error or timeout) detected by watchdog at work: 808, last enqueued NCCL work: 811, last completed NCCL work: 807.
            """, expect: [
                .event(kind: .ncclTimeout, line: 1, rank: 1, contains: "SeqNum=469508"),
                .event(kind: .ncclTimeout, line: 2, rank: 0),
                .event(kind: .ncclTimeout, line: 3, rank: 0, contains: "_REDUCE_SCATTER_BASE"),
                .event(kind: .ncclError, line: 4, rank: 1),
                .count(events: 4),
            ]),
    ]) { NCCLTimeoutRule() }
}

/// NCCL `WARN` lines (FORMATS.md B.3), including both IB completion-error wordings (`with error 4,
/// opcode …` and `with status=12 opcode=…`), and NCCL error returns surfaced by PyTorch
/// (`NCCL error in: …`, `ncclSystemError`, `ncclInternalError`, `ncclRemoteError`).
final class NCCLWarnRule: LineRule {
    let keywords = ["NCCL WARN", "NCCL error", "ncclSystemError", "ncclInternalError", "ncclRemoteError",
                    "ncclUnhandledCudaError"]
    private static let ib = Rx.make(#"Got completion from peer (\S+) with (?:error (\d+)|status=(\w+)(?:\((\d+)\))?)"#)
    private let mIB = NCCLWarnRule.ib.matcher()

    func consume(_ line: LineContext, _ sink: RecordSink) -> RuleOutcome {
        let b = line.payload
        var facts: [String: String] = [:]
        if mIB.matches(b) {
            facts["peer"] = mIB.string(1)
            facts["status"] = mIB.string(2) ?? mIB.string(4) ?? mIB.string(3)
            facts["transport"] = "ib"
        }
        let warn = Bytes.has(b, "NCCL WARN")
        sink.emit(line.event(.ncclError, warn ? .warning : .error, detail: facts.isEmpty ? nil : .facts(facts)))
        return .consumed(step: nil)
    }

    static let spec = LineRuleSpec(id: "nccl-warn", examples: [
        ParserExample(name: "NCCL IB WARN, both wordings", path: "logs/nccl.log", content: """
            H100-2:19989:20082 [1] transport/net_ib.cc:1295 NCCL WARN NET/IB : Got completion from peer fe80::966d:ae03:8b:df78%ib0<53249> with error 4, opcode 32564, len 32564, vendor err 81 (Send)
            hostname-test:984:1357 [4] ib_plugin.c:1615 NCCL WARN NET/IB : Got completion from peer 172.36.143.59<44206> with status=12 opcode=129 len=65536 vendor err 129 (Recv) localGid ::ffff:29.87.88.182 remoteGids::ffff:29.87.4.221
            hostname-test:984:1357 [4] NCCL INFO transport/net.cc:1298 -> 6
            """, expect: [
                .event(kind: .ncclError, line: 1, contains: "Got completion from peer"),
                .event(kind: .ncclError, line: 2, contains: "status=12"),
                .count(events: 2),
            ]),
    ]) { NCCLWarnRule() }
}
