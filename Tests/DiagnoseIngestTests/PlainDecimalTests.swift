import DiagnoseText
import Testing
@testable import DiagnoseIngest

@Suite struct PlainDecimalTests {
    static func both(_ s: String) -> (Double?, Double?) {
        var s = s
        return s.withUTF8 { p in
            let b = UnsafeRawBufferPointer(p)
            return (PlainDecimal.parse(b), Numbers.parseDouble(b))
        }
    }

    static func same(_ a: Double?, _ b: Double?) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case let (x?, y?): return x.bitPattern == y.bitPattern || (x.isNaN && y.isNaN)
        default: return false
        }
    }

    @Test(arguments: ["0", "512", "  512 ", "0.812", "86545.2", "-3.5", "-0", "5.", ".5", ".", "-", "", "   ",
                      "1e3", "2.504220E+00", "9.150E-06", "nan", "NaN", "inf", "-inf", "1,234", "'1.764'",
                      "0.1", "0.3", "123456789012345", "1234567890123456", "12345678901234567890",
                      "0.0000000000000000000001", "0.00000000000000000000001", "1.5x", "--1", "1.2.3",
                      "000123.4500", "9007199254740993", "65536.0", "4294967296"])
    func agreesWithNumbers(_ s: String) {
        let (fast, slow) = Self.both(s)
        #expect(Self.same(fast, slow), "\(s): \(String(describing: fast)) vs \(String(describing: slow))")
    }

    @Test func agreesOnRandomDecimals() {
        var state: UInt64 = 0x2545F4914F6CDD1D
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for _ in 0..<20_000 {
            let intDigits = Int(next() % 10)
            let fracDigits = Int(next() % 18)
            var s = next() % 4 == 0 ? "-" : ""
            for _ in 0..<intDigits { s.append(Character(UnicodeScalar(UInt8(0x30 + next() % 10)))) }
            if fracDigits > 0 || next() % 2 == 0 { s += "." }
            for _ in 0..<fracDigits { s.append(Character(UnicodeScalar(UInt8(0x30 + next() % 10)))) }
            let (fast, slow) = Self.both(s)
            #expect(Self.same(fast, slow), "\(s)")
        }
    }
}
