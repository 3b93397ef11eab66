import Testing
import DiagnoseCore
@testable import DiagnoseReport

@Suite struct SHA256Tests {
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func standardVectors(_ message: String, _ digest: String) {
        #expect(SHA256.hex(message) == digest)
    }

    @Test func millionAs() {
        var h = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(SHA256.hexString(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // 55, 56 and 64 bytes straddle the length field: each must differ and be stable.
        let digests = [55, 56, 63, 64, 65].map { SHA256.hex(String(repeating: "x", count: $0)) }
        #expect(Set(digests).count == 5)
        #expect(SHA256.hex(String(repeating: "x", count: 56)) == SHA256.hex(String(repeating: "x", count: 56)))
    }
}

@Suite struct AuditChainTests {
    let hyps = SampleDiagnosis.lrTooHigh().hypotheses

    func chain() -> [AuditEntry] {
        var c: [AuditEntry] = []
        c.append(AuditChain.append(to: c, runID: "r18", at: "2026-11-03T10:00:00Z", by: "alice", rank: 2,
                                   cause: "bad-data-batch", verdict: .rejected, note: "same samples fine"))
        c.append(AuditChain.append(to: c, runID: "r18", at: "2026-11-03T10:05:00Z", by: "bob", rank: 1,
                                   cause: "lr-too-high", verdict: .inconclusive))
        c.append(AuditChain.append(to: c, runID: "r18", at: "2026-11-03T10:30:00Z", by: "alice", rank: 1,
                                   cause: "lr-too-high", verdict: .confirmed, note: "reverted LR, stable"))
        return c
    }

    @Test func appendLinksAndVerifies() {
        let c = chain()
        #expect(c.map(\.seq) == [1, 2, 3])
        #expect(c[0].prevHash == AuditChain.genesis)
        #expect(c[1].prevHash == c[0].hash && c[2].prevHash == c[1].hash)
        #expect(c.allSatisfy { $0.hash.count == 64 })
        let v = AuditChain.verify(c)
        #expect(v.isValid)
        #expect(v.description == "audit chain intact (3 entries)")
    }

    @Test func editedEntryIsNamed() {
        var c = chain()
        c[1].by = "mallory"
        let v = AuditChain.verify(c)
        #expect(v.firstBadSeq == 2 && v.problem == .hashMismatch)
        #expect(v.description == "audit chain broken at seq 2: hash-mismatch")
    }

    @Test func rehashedEditBreaksTheNextLink() {
        var c = chain()
        c[0].verdict = .confirmed
        c[0].hash = AuditChain.hash(c[0])
        let v = AuditChain.verify(c)
        #expect(v.firstBadSeq == 2 && v.problem == .brokenLink)
    }

    @Test func deletedOrReorderedEntriesAreCaught() {
        var c = chain()
        c.remove(at: 1)
        #expect(AuditChain.verify(c).problem == .sequenceGap)
        var d = chain()
        d.swapAt(0, 1)
        #expect(AuditChain.verify(d).firstBadIndex == 0)
    }

    @Test func canonicalFormIsUnambiguous() {
        var a = AuditChain.append(to: [], runID: "r", at: "t", by: "a\nb", rank: 1, cause: "c", verdict: .confirmed)
        var b = AuditChain.append(to: [], runID: "r", at: "t", by: "a", rank: 1, cause: "c", verdict: .confirmed, note: "b")
        #expect(a.hash != b.hash)
        a.hash = ""; b.hash = ""
        #expect(AuditChain.canonical(a) != AuditChain.canonical(b))
    }

    @Test func signOffTakesLatestVerdictAndConfirmedSettlesIt() {
        let c = chain()
        let s = AuditChain.signOff(from: c, runID: "r18", hypotheses: hyps)
        #expect(s.state == .signedOff)
        #expect(s.by == "alice" && s.at == "2026-11-03T10:30:00Z")
        #expect(s.verdicts.count == 2)
        #expect(s.verdicts.first { $0.cause == "lr-too-high" }?.verdict == .confirmed)
        let strict = AuditChain.signOff(from: c, runID: "r18", hypotheses: hyps, policy: .everyHypothesis)
        #expect(strict.state == .draft)
        #expect(strict.verdicts.count == 2)
    }

    @Test func draftUntilReviewedWithoutConfirmation() {
        let c = Array(chain().prefix(2))
        #expect(AuditChain.signOff(from: c, runID: "r18", hypotheses: hyps).state == .draft)
        var all = c
        all.append(AuditChain.append(to: all, runID: "r18", at: "2026-11-03T11:00:00Z", by: "carol", rank: 3,
                                     cause: "fp16-overflow", verdict: .rejected))
        let s = AuditChain.signOff(from: all, runID: "r18", hypotheses: hyps)
        #expect(s.state == .signedOff && s.by == "carol")
    }

    @Test func tamperedChainOrOtherRunGivesDraft() {
        var c = chain()
        c[2].note = "edited"
        #expect(AuditChain.signOff(from: c, runID: "r18", hypotheses: hyps) == SignOff())
        #expect(AuditChain.signOff(from: chain(), runID: "other", hypotheses: hyps).state == .draft)
    }

    @Test func noHypothesesSignedOffByAnyVerdict() {
        let c = [AuditChain.append(to: [], runID: "h", at: "t", by: "dan", rank: nil, cause: "healthy", verdict: .confirmed)]
        let s = AuditChain.signOff(from: c, runID: "h", hypotheses: [])
        #expect(s.state == .signedOff && s.verdicts.first?.rank == nil)
    }
}
