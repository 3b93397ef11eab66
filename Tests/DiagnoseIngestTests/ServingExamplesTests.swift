import Foundation
import Testing
import DiagnoseCore
@testable import DiagnoseIngest

/// Every serving/eval/config parser and rule runs its own real-format examples, and the registry
/// sends each example file to that parser. Examples are text; a binary format (the Inspect `.eval`
/// zip) is run on its fixtures instead (InspectEvalZipTests).
@Suite struct ServingExamplesTests {
    static let parsers: [any FormatParser] = ServingEvalFormats.parsers

    @Test(arguments: ServingEvalFormats.parsers.filter { !$0.readsBinary }.map(\.id))
    func parserExamples(id: String) throws {
        let parser = try #require(Self.parsers.first { $0.id == id })
        #expect(!parser.examples.isEmpty, "\(id) has no examples")
        for ex in parser.examples {
            let head = FileHead(path: ex.path, text: ex.content)
            let score = parser.sniff(head)
            #expect(score >= ex.minSniff, "\(id) / \(ex.name): sniff \(score)")
            let claimed = ParserRegistry.builtIn.claim(head)?.parser.id
            #expect(claimed == id, "\(id) / \(ex.name): registry gave it to \(claimed ?? "nobody")")
            let sink = try ServingTestSupport.parse(parser, path: ex.path, content: ex.content)
            let missing = ServingTestSupport.failures(sink, ex.expect)
            #expect(missing.isEmpty, "\(id) / \(ex.name): \(missing)")
            #expect(sink.problems.isEmpty, "\(id) / \(ex.name): problems \(sink.problems.map(\.message))")
        }
    }

    @Test(arguments: ServingRules.all.map(\.id))
    func ruleExamples(id: String) throws {
        let spec = try #require(ServingRules.all.first { $0.id == id })
        #expect(!spec.examples.isEmpty)
        for ex in spec.examples {
            let sink = try ServingTestSupport.parseLog(spec, path: ex.path, content: ex.content)
            let missing = ServingTestSupport.failures(sink, ex.expect)
            #expect(missing.isEmpty, "\(id) / \(ex.name): \(missing)")
            // The same lines through every built-in rule yield the same records.
            let all = try ServingTestSupport.parse(TextLogParser(), path: ex.path, content: ex.content)
            #expect(ServingTestSupport.failures(all, ex.expect).isEmpty, "\(id) / \(ex.name) with all rules")
        }
    }
}
