import Foundation

/// Run ids and start times that look like real ones, drawn from the seed.
enum Naming {
    /// A pair (baseline, incident) of serving run ids sharing one stem.
    static func servePair(_ family: String, rng: inout SeededRNG) -> (String, String) {
        let style = rng.int(0...3)
        let a = rng.int(100...899)
        let b = a + rng.int(1...9)
        switch style {
        case 0:
            let m = rng.int(9...11), d = rng.int(1...20)
            return ("serve-\(family)-" + String(format: "%02d%02d", m, d), "serve-\(family)-" + String(format: "%02d%02d", m, d + rng.int(1...7)))
        case 1: return ("\(rng.pick(["assist", "support", "copilot", "agent"]))-\(family)-prod-\(a)", "\(["assist", "support", "copilot", "agent"][a % 4])-\(family)-prod-\(b)")
        case 2: return ("chat-gw-\(family)-r\(a % 50)", "chat-gw-\(family)-r\(a % 50 + rng.int(1...4))")
        default: return ("\(family)-deploy-\(a)", "\(family)-deploy-\(b)")
        }
    }

    /// A pair (baseline, incident) of eval run ids.
    static func evalPair(_ task: String, rng: inout SeededRNG) -> (String, String) {
        let style = rng.int(0...3)
        let a = rng.int(3...60)
        switch style {
        case 0: return ("eval-\(task)-r\(a)", "eval-\(task)-r\(a + rng.int(1...3))")
        case 1:
            let n = rng.int(1100...1900)
            return ("nightly-eval-\(n)", "nightly-eval-\(n + 1)")
        case 2: return ("\(task)-sweep-\(a)a", "\(task)-sweep-\(a + 1)a")
        default:
            let m = rng.int(9...11), d = rng.int(1...20)
            return ("eval-\(task)-" + String(format: "%02d%02d", m, d), "eval-\(task)-" + String(format: "%02d%02d", m, d + rng.int(1...6)))
        }
    }

    static func start(rng: inout SeededRNG) -> Clock {
        Clock(epoch: Clock.epoch(y: 2026, mo: rng.int(9...11), d: rng.int(1...27), h: rng.int(6...20), mi: rng.int(0...59), s: rng.int(0...59)))
    }
}
