// swift-tools-version: 6.0
// diagnose: incident diagnosis for ML training runs, evals and serving deployments.
//
// Targets follow the pipeline (see README "Architecture"); dependencies point one way,
// toward DiagnoseCore, the small set of value types every stage shares.
import PackageDescription

let package = Package(
    name: "diagnose",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "diagnose", targets: ["diagnose"]),
        .executable(name: "diagnose-gen", targets: ["diagnose-gen"]),
        .library(name: "DiagnoseKit", targets: ["DiagnoseKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries (Debian: libpcre2-dev, libsqlite3-dev, zlib1g-dev).
        .systemLibrary(name: "CPCRE2", pkgConfig: "libpcre2-8",
                       providers: [.apt(["libpcre2-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),

        // Value types shared by every stage: records, symptoms, hypotheses, the diagnosis.
        .target(name: "DiagnoseCore"),
        // Bytes and patterns: streaming line reader, PCRE2 wrapper, number scanning.
        .target(name: "DiagnoseText", dependencies: ["DiagnoseCore", "CPCRE2", "CZlib"]),
        // Drain-style log template mining.
        .target(name: "DiagnoseTemplates", dependencies: ["DiagnoseCore", "DiagnoseText"]),
        // Discovery, sniffing and the format parsers.
        .target(name: "DiagnoseIngest",
                dependencies: ["DiagnoseCore", "DiagnoseText", "DiagnoseTemplates",
                               .product(name: "Yams", package: "Yams")]),
        // The SQLite event index: schema, migrations, writes and queries.
        .target(name: "DiagnoseIndex", dependencies: ["DiagnoseCore", "CSQLite"]),
        // Detectors: index contents -> typed symptoms.
        .target(name: "DiagnoseAnalysis",
                dependencies: ["DiagnoseCore", "DiagnoseIndex", "DiagnoseText", "DiagnoseTemplates"]),
        // Playbooks and the investigator: symptoms -> ranked hypotheses.
        .target(name: "DiagnoseEngine",
                dependencies: ["DiagnoseCore", "DiagnoseAnalysis", "DiagnoseIndex",
                               .product(name: "Yams", package: "Yams")]),
        // Renderers: Markdown, HTML, JSON, postmortem, page payloads; redaction.
        .target(name: "DiagnoseReport", dependencies: ["DiagnoseCore", "DiagnoseText"]),
        // The one library entry point the CLI (and later servers) call.
        .target(name: "DiagnoseKit",
                dependencies: ["DiagnoseCore", "DiagnoseText", "DiagnoseTemplates", "DiagnoseIngest",
                               "DiagnoseIndex", "DiagnoseAnalysis", "DiagnoseEngine", "DiagnoseReport",
                               .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "diagnose",
                          dependencies: ["DiagnoseKit",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Deterministic sample-incident generator (trains a small model for real dynamics).
        .executableTarget(name: "diagnose-gen", swiftSettings: [.unsafeFlags(["-O"])]),

        .testTarget(name: "DiagnoseCoreTests", dependencies: ["DiagnoseCore"]),
        .testTarget(name: "DiagnoseTextTests", dependencies: ["DiagnoseText"]),
        .testTarget(name: "DiagnoseTemplatesTests", dependencies: ["DiagnoseTemplates"]),
        .testTarget(name: "DiagnoseIngestTests", dependencies: ["DiagnoseIngest", "DiagnoseText"]),
        .testTarget(name: "DiagnoseIndexTests", dependencies: ["DiagnoseIndex"]),
        .testTarget(name: "DiagnoseAnalysisTests", dependencies: ["DiagnoseAnalysis", "DiagnoseCore"]),
        .testTarget(name: "DiagnoseEngineTests", dependencies: ["DiagnoseEngine", "DiagnoseKit"]),
        // Helpers shared by test targets (a loopback HTTP receiver).
        .target(name: "DiagnoseTestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "DiagnoseReportTests", dependencies: ["DiagnoseReport", "DiagnoseText", "DiagnoseTestSupport"]),
        .testTarget(name: "DiagnoseKitTests", dependencies: ["DiagnoseKit"]),
        .testTarget(name: "EndToEndTests", dependencies: ["DiagnoseKit", "DiagnoseIndex", "DiagnoseTestSupport"]),
        .testTarget(name: "DiagnoseGenTests", dependencies: ["diagnose-gen"]),
    ],
    swiftLanguageModes: [.v6]
)
