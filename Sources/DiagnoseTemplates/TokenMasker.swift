/// Byte-level classification and masking of one whitespace-separated token.
///
/// Masking replaces the variable parts of a token with `<*>` before the tree sees it:
/// - every alphanumeric word that holds a digit (numbers, hex such as `0x7f3a`, ids such as
///   `12T08`, units such as `12ms`), and all-hex words inside UUIDs and MAC addresses; but a word
///   of two or more letters ending in one digit stays (device and protocol names: `eth0`, `ib0`,
///   `mlx5`, `ssh2`, `SOCKS5`);
/// - runs of such words joined by `.` `:` `-` `+` `/` `_` `,` (at most two separator bytes each) become one `<*>`,
///   so IPs, `host:port`, dates, times, versions and `1e-06` mask whole;
/// - month and weekday names (`Jun`, `Fri`), dotted names of three or more parts
///   (`com.apple.Safari.Update:`, hosts) and dotted `host:port`;
/// - a `-`/`+` sign right before a masked word, where the sign does not follow a letter or
///   digit, joins the mask (`blk_-123` gives `blk_<*>`, `x=-0.5` gives `x=<*>`);
/// - URLs (`scheme://...`) and absolute or relative paths with two or more `/` mask whole.
///
/// Every rule depends only on where digits are and whether a run is one digit or more, never on
/// which digits, so the
/// masked tokens of a line are a function of the line with its digit runs collapsed: that is
/// what makes `ShapeHasher`'s key a safe cache key.
enum TokenMasker {
    static let wildcard: [UInt8] = Array("<*>".utf8)

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0B || c == 0x0C }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool {
        c &- 0x30 < 10 || (c | 0x20) &- 0x61 < 26 || c >= 0x80
    }
    @inline(__always) static func isJoiner(_ c: UInt8) -> Bool {
        c == 0x2E || c == 0x3A || c == 0x2D || c == 0x2B || c == 0x2F || c == 0x5F || c == 0x2C
    }

    /// Writes the masked form of `token[0..<n]` to `out` and returns its length; `out` must hold
    /// `3 * n` bytes. Returns -1 when the whole token is a variable (the bare wildcard).
    static func mask(_ t: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if isWholeVariable(t, n) { return -1 }
        var o = 0
        var i = 0
        var maskEnd = -1
        var sawMask = false
        var sawOther = false
        while i < n {
            let c = t[i]
            if isAlnum(c) {
                var j = i
                var digits = 0
                var letters = 0
                while j < n, isAlnum(t[j]) {
                    if isDigit(t[j]) { digits += 1 } else if digits == 0 { letters += 1 } else { letters = -1 }
                    j += 1
                }
                var digit = digits > 0 && !(digits == 1 && letters >= 2 && isDigit(t[j - 1]))
                if !digit, isHexWord(t + i, j - i),
                   (maskEnd >= 0 && o > maskEnd && (out[o - 1] == 0x2D || out[o - 1] == 0x3A))
                    || (j - i >= 4 && j + 1 < n && (t[j] == 0x2D || t[j] == 0x3A) && isDigit(t[j + 1])) {
                    digit = true
                }
                if digit {
                    if maskEnd >= 0, o - maskEnd <= 2, joinersOnly(out, from: maskEnd, to: o) {
                        o = maskEnd
                    } else {
                        if o > 0, out[o - 1] == 0x2D || out[o - 1] == 0x2B, o == 1 || !isAlnum(out[o - 2]) {
                            o -= 1
                        }
                        out[o] = 0x3C; out[o + 1] = 0x2A; out[o + 2] = 0x3E
                        o += 3
                        sawMask = true
                    }
                    maskEnd = o
                } else {
                    while i < j { out[o] = t[i]; o += 1; i += 1 }
                    maskEnd = -1
                    sawOther = true
                }
                i = j
            } else {
                out[o] = c
                o += 1
                i += 1
                if maskEnd >= 0, !isJoiner(c) { maskEnd = -1 }
            }
        }
        if sawMask, !sawOther, o == 3 { return -1 }
        return o
    }

    private static let calendarNames: Set<UInt32> = {
        var s = Set<UInt32>()
        for w in ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
                  "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
            let b = Array(w.utf8)
            s.insert(UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16)
        }
        return s
    }()

    /// A month or weekday name, alone or with one bracket or comma around it (`[Sun`, `Dec,`).
    private static func isCalendarToken(_ t: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var s = 0
        var e = n
        if t[0] == 0x5B || t[0] == 0x28 { s = 1 }
        if e - s > 3, t[e - 1] == 0x2C || t[e - 1] == 0x5D || t[e - 1] == 0x29 { e -= 1 }
        return e - s == 3 && isCalendarName(t + s)
    }

    private static func isCalendarName(_ t: UnsafePointer<UInt8>) -> Bool {
        calendarNames.contains(UInt32(t[0]) | UInt32(t[1]) << 8 | UInt32(t[2]) << 16)
    }

    /// `name.domain:1234` (letters, digits, `-`, at least one `.`, then `:` and digits only).
    private static func isHostPort(_ t: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var colon = -1
        var k = n - 1
        while k >= 0, isDigit(t[k]) { k -= 1 }
        guard k >= 1, k < n - 1, t[k] == 0x3A else { return false }
        colon = k
        var dots = 0
        k = 0
        while k < colon {
            let c = t[k]
            if c == 0x2E { dots += 1 } else if !(isAlnum(c) || c == 0x2D || c == 0x5F) { return false }
            k += 1
        }
        return dots > 0
    }

    /// A dotted name of three or more parts (`com.apple.Safari.Update:`, `host.example.com`),
    /// optionally ending in `:` or `,`.
    private static func isDottedName(_ t: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var m = n
        if t[m - 1] == 0x3A || t[m - 1] == 0x2C { m -= 1 }
        var dots = 0
        var partLength = 0
        for k in 0..<m {
            let c = t[k]
            if c == 0x2E {
                if partLength == 0 { return false }
                dots += 1
                partLength = 0
            } else if isAlnum(c) || c == 0x2D || c == 0x5F {
                partLength += 1
            } else {
                return false
            }
        }
        return dots >= 2 && partLength > 0
    }

    @inline(__always)
    private static func isHexWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        var k = 0
        while k < n {
            if (p[k] | 0x20) &- 0x61 >= 6 { return false }
            k += 1
        }
        return true
    }

    @inline(__always)
    private static func joinersOnly(_ p: UnsafeMutablePointer<UInt8>, from: Int, to: Int) -> Bool {
        var k = from
        while k < to {
            if !isJoiner(p[k]) { return false }
            k += 1
        }
        return true
    }

    /// URLs, paths with at least two `/` (a leading `/`, `./`, `../` or `~/`), `host:port` with a
    /// dotted host, and month and weekday names.
    private static func isWholeVariable(_ t: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n >= 3, n <= 5, isCalendarToken(t, n) { return true }
        guard n >= 3 else { return false }
        if isHostPort(t, n) { return true }
        if isDottedName(t, n) { return true }
        var slashes = 0
        var i = 0
        while i < n {
            let c = t[i]
            if c == 0x2F {
                slashes += 1
                if i >= 1, i + 1 < n, t[i - 1] == 0x3A, t[i + 1] == 0x2F { return true }
            }
            i += 1
        }
        if slashes < 2 { return false }
        let c0 = t[0]
        if c0 == 0x2F { return true }
        if c0 == 0x7E, t[1] == 0x2F { return true }
        if c0 == 0x2E {
            if t[1] == 0x2F { return true }
            if t[1] == 0x2E, t[2] == 0x2F { return true }
        }
        return false
    }
}
