import Testing
@testable import DiagnoseCore

@Suite struct RunIDTests {
    @Test func acceptsFolderNames() throws {
        #expect(try RunID(validating: "sft-7b_2026.11.03").value == "sft-7b_2026.11.03")
    }
    @Test func refusesSlashesAndDots() {
        #expect(throws: RunID.Invalid.self) { try RunID(validating: "a/b") }
        #expect(throws: RunID.Invalid.self) { try RunID(validating: "..") }
        #expect(throws: RunID.Invalid.self) { try RunID(validating: "a..b") }
        #expect(throws: RunID.Invalid.self) { try RunID(validating: "") }
        #expect(throws: RunID.Invalid.self) { try RunID(validating: "run id") }
    }
}
