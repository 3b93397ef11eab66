import DiagnoseCore

/// Metric points are stored in chunks, many points per row: 28 bytes a point
/// (line Int32, step Int64 or Int64.min, time Float64 or NaN, value Float64), little-endian.
public enum MetricCodec {
    public static let pointSize = 28
    static let noStep = Int64.min

    public static func encode(_ points: ArraySlice<MetricPoint>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: points.count * pointSize)
        out.withUnsafeMutableBytes { raw in
            var o = 0
            for p in points {
                store(p, into: raw, at: o)
                o += pointSize
            }
        }
        return out
    }

    /// Writes one point's 28 bytes at byte offset `o` of `raw`.
    @inline(__always)
    static func store(_ p: MetricPoint, into raw: UnsafeMutableRawBufferPointer, at o: Int) {
        raw.storeBytes(of: Int32(truncatingIfNeeded: p.line).littleEndian, toByteOffset: o, as: Int32.self)
        raw.storeBytes(of: (p.step.map { Int64($0) } ?? noStep).littleEndian, toByteOffset: o + 4, as: Int64.self)
        raw.storeBytes(of: (p.time ?? .nan).bitPattern.littleEndian, toByteOffset: o + 12, as: UInt64.self)
        raw.storeBytes(of: p.value.bitPattern.littleEndian, toByteOffset: o + 20, as: UInt64.self)
    }

    public static func decode(_ data: [UInt8], name: MetricName, rank: Int?, label: String?,
                              into out: inout [MetricPoint]) {
        let n = data.count / pointSize
        data.withUnsafeBytes { raw in
            for k in 0..<n {
                let o = k * pointSize
                let line = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                let step = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: o + 4, as: Int64.self))
                let time = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o + 12, as: UInt64.self)))
                let value = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: o + 20, as: UInt64.self)))
                out.append(MetricPoint(name: name, value: value, step: step == noStep ? nil : Int(step),
                                       time: time.isNaN ? nil : time, rank: rank, label: label, line: line))
            }
        }
    }
}

/// Unsigned LEB128 varints for delta-encoded line numbers and offsets.
public enum Varint {
    @inline(__always)
    public static func append(_ v: UInt64, to out: inout [UInt8]) {
        var x = v
        while x >= 0x80 { out.append(UInt8(x & 0x7F) | 0x80); x >>= 7 }
        out.append(UInt8(x))
    }

    public static func decodeAll(_ data: [UInt8]) -> [UInt64] {
        var out: [UInt64] = []
        var x: UInt64 = 0, shift: UInt64 = 0
        for b in data {
            x |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { out.append(x); x = 0; shift = 0 } else { shift += 7 }
        }
        return out
    }
}
