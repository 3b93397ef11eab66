import Testing
import DiagnoseCore
@testable import DiagnoseReport

@Suite struct PostmortemTests {
    let ctx = PostmortemContext(gpuCount: 8, stepTimeSeconds: 2.5, onsetStep: 820, lastStep: 1540)

    @Test func sectionsInOrder() {
        let md = PostmortemRenderer.render(SampleDiagnosis.lrTooHigh(), context: ctx)
        var cursor = md.startIndex
        for h in ["# Postmortem (draft)", "## Summary", "## Impact", "## Root cause", "## Trigger", "## Detection",
                  "## Resolution", "## Timeline", "## Action items", "## Lessons learned"] {
            let r = md.range(of: h, range: cursor..<md.endIndex)
            #expect(r != nil, "missing or out of order: \(h)")
            if let r { cursor = r.upperBound }
        }
    }

    @Test func impactArithmeticFromSteps() {
        let md = PostmortemRenderer.render(SampleDiagnosis.lrTooHigh(), context: ctx)
        #expect(md.contains("lost steps = last step 1540 − onset step 820 = 720"))
        #expect(md.contains("lost time = 720 steps × 2.5 s/step = 1800 s"))
        #expect(md.contains("GPU-hours = 1800 s × 8 GPUs ÷ 3600 = 4.00"))
        #expect(md.contains("- GPU-hours lost: **4.00**"))
    }

    @Test func impactFromTimesWhenNoStepTime() {
        let i = PostmortemImpact.estimate(PostmortemContext(gpuCount: 16, onsetTime: 1_000_000, endTime: 1_007_200))
        #expect(i.lostSeconds == 7200)
        #expect(i.gpuHours == 32)
        #expect(i.lostSteps == nil)
        let none = PostmortemImpact.estimate(PostmortemContext())
        #expect(none.arithmetic.isEmpty)
        #expect(PostmortemRenderer.render(SampleDiagnosis.lrTooHigh()).contains("Not estimated"))
    }

    @Test func unconfirmedUntilSignedOff() {
        let md = PostmortemRenderer.render(SampleDiagnosis.lrTooHigh(), context: ctx)
        #expect(md.contains("**UNCONFIRMED.** Most likely `lr-too-high`"))
        #expect(md.contains("- [ ] Sign off the diagnosis: `diagnose signoff sft-7b-r18 --hypothesis 1"))
        #expect(md.contains("- [ ] Fix (`lr-too-high`): Restore optim.learning\\_rate") || md.contains("- [ ] Fix (`lr-too-high`): Restore optim.learning_rate"))
        #expect(md.contains("- [ ] Verify (`lr-too-high`): Rerun 200 steps"))
        #expect(md.contains("`optim.learning_rate`: `3.0e-4` → `3.0e-3`"))
    }

    @Test func rootCauseFromConfirmedVerdict() {
        var d = SampleDiagnosis.lrTooHigh()
        d.signoff = SignOff(state: .signedOff, by: "alice", at: "2026-11-03T10:30:00Z", verdicts: [
            Verdict(rank: 1, cause: "lr-too-high", verdict: .rejected, by: "alice", at: "2026-11-03T10:20:00Z"),
            Verdict(rank: 2, cause: "bad-data-batch", verdict: .confirmed, by: "alice", at: "2026-11-03T10:30:00Z",
                    note: "sample 88123 is corrupt"),
        ])
        let md = PostmortemRenderer.render(d, context: ctx)
        #expect(md.contains("**`bad-data-batch`**: A corrupt batch near step 840 (confirmed by alice at 2026-11-03T10:30:00Z)"))
        #expect(md.contains("Sign-off note: sample 88123 is corrupt"))
        #expect(!md.contains("UNCONFIRMED"))
        #expect(!md.contains("Sign off the diagnosis"))
    }

    @Test func healthyRun() {
        let md = PostmortemRenderer.render(SampleDiagnosis.healthy())
        #expect(md.contains("no incident found"))
        #expect(md.contains("**UNCONFIRMED.** No incident cause was found."))
    }

    @Test func deterministic() {
        #expect(PostmortemRenderer.render(SampleDiagnosis.lrTooHigh(), context: ctx)
                == PostmortemRenderer.render(SampleDiagnosis.lrTooHigh(), context: ctx))
    }
}
