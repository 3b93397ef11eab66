import Testing
@testable import DiagnoseText

@Suite struct NumbersTests {
    @Test(arguments: ["nan", "NaN", "-nan", "NAN", "'nan'"])
    func nanSpellings(_ s: String) {
        #expect(Numbers.parseDouble(s)?.isNaN == true)
    }

    @Test func infinitySpellings() {
        #expect(Numbers.parseDouble("inf") == .infinity)
        #expect(Numbers.parseDouble("+Inf") == .infinity)
        #expect(Numbers.parseDouble("-inf") == -.infinity)
        #expect(Numbers.parseDouble("Infinity") == .infinity)
        #expect(Numbers.parseDouble("-Infinity") == -.infinity)
    }

    @Test func scientificQuotedAndSeparated() {
        #expect(Numbers.parseDouble("2.504220E+00") == 2.50422)
        #expect(Numbers.parseDouble("9.150E-06") == 9.15e-06)
        #expect(Numbers.parseDouble("'6.667e-05'") == 6.667e-05)
        #expect(Numbers.parseDouble("\"1.764\"") == 1.764)
        #expect(Numbers.parseDouble("12,345") == 12345)
        #expect(Numbers.parseDouble("3.2e+4") == 32000)
        #expect(Numbers.parseDouble(" 42 ") == 42)
    }

    @Test func rejectsNonNumbers() {
        #expect(Numbers.parseDouble("") == nil)
        #expect(Numbers.parseDouble("N/A") == nil)
        #expect(Numbers.parseDouble("abc") == nil)
        #expect(Numbers.parseDouble("1.2.3x") == nil)
        #expect(Numbers.parseDouble("nano") == nil)
    }

    @Test func integers() {
        #expect(Numbers.parseInt("4,376") == 4376)
        #expect(Numbers.parseInt("-6") == -6)
        #expect(Numbers.parseInt("3.0") == 3)
        #expect(Numbers.parseInt("3.5") == nil)
        #expect(Numbers.parseInt("99999999999999999999999") == nil)
    }
}

@Suite struct AnsiTests {
    @Test func stripsColoursIncludingTorchtitanReset() {
        #expect(Ansi.strip("\u{1B}[31mstep:  1\u{1B}[39m  \u{1B}[38;2;180;60;0mloss\u{1B}[0m") == "step:  1  loss")
        #expect(Ansi.strip("plain") == "plain")
        #expect(Ansi.strip("\u{1B}]0;title\u{07}text") == "text")
        #expect(Ansi.strip("cut \u{1B}[") == "cut ")
    }

    @Test func containsIsFast() {
        var a = Array("no escape".utf8)
        #expect(a.withUnsafeBytes { Ansi.contains($0) } == false)
        a.append(0x1B)
        #expect(a.withUnsafeBytes { Ansi.contains($0) } == true)
    }
}

@Suite struct TimestampsTests {
    @Test func forms() {
        #expect(Timestamps.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamps.parse("2023-10-31 07:15:50,880") == 1698736550.88)
        let nanos = Timestamps.parse("2026-05-12T08:01:39.331095044Z")!
        #expect(abs(nanos - 1778572899.331095044) < 1e-6)
        #expect(Timestamps.parse("2024-04-06 02:59:36.123456")! - Timestamps.parse("2024-04-06 02:59:36")! > 0.12)
        #expect(Timestamps.parse("2024-01-01T01:00:00+01:00") == Timestamps.parse("2024-01-01T00:00:00Z"))
    }

    @Test func rejects() {
        #expect(Timestamps.parse("2024-13-01 00:00:00") == nil)
        #expect(Timestamps.parse("not a time") == nil)
        #expect(Timestamps.parse("2024-01-01") == nil)
    }
}

@Suite struct JSONParserTests {
    @Test func pythonNonFiniteTokens() throws {
        let v = try JSONParser.parse(#"{"a": NaN, "b": Infinity, "c": -Infinity, "d": [1, 2.5e-3, "x"], "e": null, "f": true}"#)
        #expect(v["a"]?.double?.isNaN == true)
        #expect(v["b"]?.double == .infinity)
        #expect(v["c"]?.double == -.infinity)
        #expect(v["d"]?.arrayValue?.count == 3)
        #expect(v["e"] == .null)
        #expect(v["f"] == .bool(true))
        #expect(v.objectValue?.map(\.0) == ["a", "b", "c", "d", "e", "f"])
    }

    @Test func escapes() throws {
        #expect(try JSONParser.parse(#""a\nb\u00e9\ud83d\ude00""#) == .string("a\nbé😀"))
    }

    @Test func errorsCarryLineAndColumn() {
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ?\n}")
            Issue.record("no error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
        #expect(throws: JSONError.self) { try JSONParser.parse("[1, 2") }
        #expect(throws: JSONError.self) { try JSONParser.parse("{} trailing") }
        #expect(throws: JSONError.self) { try JSONParser.parse(String(repeating: "[", count: 2000)) }
    }
}

@Suite struct PatternTests {
    @Test func namedGroupsOverBytes() throws {
        let p = try Pattern(#"iteration\s+(?<iter>\d+)/\s*(?<total>\d+)"#)
        #expect(p.groupNames["iter"] == 1)
        let m = p.matcher()
        let line = Array(" iteration      122/  250000 |".utf8)
        line.withUnsafeBytes { b in
            #expect(m.matches(b))
            #expect(m.int("iter") == 122)
            #expect(m.int("total") == 250000)
            #expect(m.range(0)?.lowerBound == 1)
        }
    }

    @Test func jitAndUnanchoredSearch() throws {
        let p = try Pattern("OVERFLOW!")
        #expect(p.jit)
        #expect(p.matches("…| 6/1184 [00:21<1:09:10,  3.52s/it][2021-02-04] OVERFLOW! Rank 0"))
        #expect(!p.matches("overflow"))
        #expect(try Pattern("overflow", options: .caseless).matches("OVERFLOW"))
    }

    @Test func marksAndEmptySubject() throws {
        let p = try Pattern("(*MARK:0)abc|(*MARK:1)xyz")
        let m = p.matcher()
        let s = Array("--xyz".utf8)
        s.withUnsafeBytes { #expect(m.matches($0)); #expect(m.mark == "1") }
        #expect(!m.matches(UnsafeRawBufferPointer(start: nil, count: 0)))
    }

    @Test func badPatternErrorNamesIt() {
        do {
            _ = try Pattern("(unclosed")
            Issue.record("no error")
        } catch {
            #expect(error.pattern == "(unclosed")
            #expect(error.description.contains("(unclosed"))
            #expect(error.offset == 9)
        }
    }
}
