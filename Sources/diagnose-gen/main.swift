import Foundation

// diagnose-gen: writes the sample-incident corpus (and large runs for benchmarks) deterministically.
//
//   diagnose-gen samples [--out samples] [--seed 42]
//   diagnose-gen large --out DIR [--ranks 128] [--steps N] [--seed 7]

let args = CommandLine.arguments.dropFirst()
func option(_ name: String, _ fallback: String) -> String {
    guard let i = args.firstIndex(of: name), args.index(after: i) < args.endIndex else { return fallback }
    return args[args.index(after: i)]
}
let seed = UInt64(option("--seed", "42")) ?? 42
switch args.first {
case "samples":
    let out = URL(fileURLWithPath: option("--out", "samples"))
    var cases = TrainingCases.make(seed: seed)
    cases += ServingEvalCases.make(seed: seed)
    try? FileManager.default.removeItem(at: out.appendingPathComponent("dev"))
    try? FileManager.default.removeItem(at: out.appendingPathComponent("heldout"))
    try CorpusWriter.write(cases, to: out, seed: seed)
    var byCause: [String: Int] = [:]
    for c in cases { byCause[c.cause, default: 0] += 1 }
    FileHandle.standardError.write(Data("wrote \(cases.count) cases to \(out.path)\n".utf8))
    for (cause, n) in byCause.sorted(by: { $0.key < $1.key }) {
        FileHandle.standardError.write(Data("  \(cause): \(n)\n".utf8))
    }
case "large":
    try LargeRun.write(to: URL(fileURLWithPath: option("--out", "bench-out/large")),
                       ranks: Int(option("--ranks", "128")) ?? 128,
                       steps: Int(option("--steps", "20000")) ?? 20000, seed: seed)
default:
    FileHandle.standardError.write(Data("usage: diagnose-gen samples [--out DIR] [--seed N] | large --out DIR [--ranks N] [--steps N]\n".utf8))
    exit(64)
}
