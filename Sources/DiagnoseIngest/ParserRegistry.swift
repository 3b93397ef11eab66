import DiagnoseCore
import DiagnoseText

/// The formats `diagnose` reads. A file goes to the parser with the highest sniff score at or
/// above `threshold`; ties go to the earlier parser (specific formats are listed first).
public struct ParserRegistry: Sendable {
    public let parsers: [any FormatParser]
    public let threshold: Double

    public init(parsers: [any FormatParser], threshold: Double = 0.2) {
        self.parsers = parsers
        self.threshold = threshold
    }

    /// Specific formats first, the generic text log last.
    public static let builtIn = ParserRegistry(parsers:
        TrainingFormats.parsers + ServingEvalFormats.parsers + [JSONLinesMetricsParser(), TextLogParser()])

    /// The best parser for a head and its score, or nil when none reaches the threshold.
    public func claim(_ head: FileHead) -> (parser: any FormatParser, score: Double)? {
        var best: (any FormatParser, Double)? = nil
        for p in parsers {
            let s = p.sniff(head)
            if s >= threshold, s > (best?.1 ?? -1) { best = (p, s) }
        }
        return best
    }

    public func parser(id: String) -> (any FormatParser)? { parsers.first { $0.id == id } }
}

/// Whole-file training formats (trainer_state.json, TensorBoard CSV, ...). One line per parser.
public enum TrainingFormats {
    public static let parsers: [any FormatParser] = [
        HFTrainerStateParser(),
        TensorBoardCSVParser(),
        TensorBoardJSONParser(),
        CSVMetricsParser(),
    ]
}

/// Serving, eval and config formats (Prometheus, request logs, lm-eval, Inspect, JUnit, configs,
/// templates). One line per parser.
public enum ServingEvalFormats {
    public static let parsers: [any FormatParser] = [
        PrometheusParser(),
        RequestLogParser(),
        LMEvalResultsParser(),
        LMEvalSamplesParser(),
        InspectLogParser(),
        JUnitXMLParser(),
        ToolSchemaParser(),
        JSONConfigParser(),
        YAMLConfigParser(),
        TOMLConfigParser(),
        PythonConfigParser(),
        LaunchScriptParser(),
        PromptTemplateParser(),
    ]
}
