import Foundation

/// A large multi-rank run for the performance benchmark (owned by the training generator).
enum LargeRun {
    static func write(to out: URL, ranks: Int, steps: Int, seed: UInt64) throws {}
}
