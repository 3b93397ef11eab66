import DiagnoseCore
import DiagnoseText
import Testing
@testable import DiagnoseIngest

/// One case per example of every built-in parser (text-log rule examples included, run through
/// `TextLogParser` with all rules so rules are checked together, as in a real file).
struct RegistryCase: Sendable, CustomTestStringConvertible {
    let parserID: String
    let index: Int
    let example: ParserExample
    var testDescription: String { "\(parserID) #\(index): \(example.name)" }

    static var all: [RegistryCase] {
        ParserRegistry.builtIn.parsers.flatMap { p in
            p.examples.enumerated().map { RegistryCase(parserID: p.id, index: $0.offset, example: $0.element) }
        }
    }
}

@Suite struct RegistryExamplesTests {
    @Test(arguments: RegistryCase.all)
    func example(_ c: RegistryCase) throws {
        let parser = try #require(ParserRegistry.builtIn.parser(id: c.parserID))
        let dir = ExampleRunner.tempDir()
        let abs = try ExampleRunner.write(Array(c.example.content.utf8), dir: dir, path: c.example.path)
        let head = try ExampleRunner.head(abs, path: c.example.path)
        let score = parser.sniff(head)
        #expect(score >= c.example.minSniff, "sniff \(score) < \(c.example.minSniff)")
        let sink = try ExampleRunner.parse(parser, abs: abs, path: c.example.path)
        for e in c.example.expect {
            if let why = ExampleRunner.failure(e, sink) { Issue.record("\(why)") }
        }
    }

    @Test func everyTrainingRuleAndFormatHasExamples() {
        for spec in TrainingRules.all { #expect(!spec.examples.isEmpty, "rule \(spec.id) has no examples") }
        for p in TrainingFormats.parsers { #expect(!p.examples.isEmpty, "parser \(p.id) has no examples") }
        #expect(Set(TrainingRules.all.map(\.id)).count == TrainingRules.all.count, "rule ids are unique")
        #expect(Set(ParserRegistry.builtIn.parsers.map(\.id)).count == ParserRegistry.builtIn.parsers.count)
    }

    /// Every example file is claimed by its own parser, so sniffing routes real files right.
    @Test(arguments: RegistryCase.all)
    func sniffMatrix(_ c: RegistryCase) throws {
        let dir = ExampleRunner.tempDir()
        let abs = try ExampleRunner.write(Array(c.example.content.utf8), dir: dir, path: c.example.path)
        let head = try ExampleRunner.head(abs, path: c.example.path)
        let claimed = ParserRegistry.builtIn.claim(head)
        #expect(claimed?.parser.id == c.parserID,
                "claimed by \(claimed?.parser.id ?? "nobody") (\(claimed?.score ?? 0)), expected \(c.parserID)")
    }
}
