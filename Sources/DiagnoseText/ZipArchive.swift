#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

/// One member of a ZIP archive, as its central directory (or, in a cut-short archive, its local
/// header) describes it.
public struct ZipEntry: Sendable, Hashable {
    public let name: String
    /// 0 stored, 8 deflate; anything else is refused when read.
    public let method: UInt16
    public let flags: UInt16
    public let crc32: UInt32
    public let compressedSize: Int64
    /// The declared size once inflated (checked against what inflating yields).
    public let size: Int64
    public let localHeaderOffset: Int64
}

/// Why an archive or a member cannot be read. Every case names what is wrong in words a person
/// can act on; none is a crash.
public enum ZipError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(errno: Int32)
    /// No end-of-central-directory record, and not a ZIP from its first bytes either.
    case notZip
    /// The archive ends early: the central directory (or a member's data) lies past the end.
    case truncated(String)
    case zip64
    case multiDisk
    case corrupt(String)
    case encrypted(member: String)
    case unsupportedMethod(member: String, method: UInt16)
    case tooLarge(member: String, size: Int64, cap: Int64)

    public var description: String {
        switch self {
        case .unreadable(let e): "cannot read the archive: \(String(cString: strerror(e)))"
        case .notZip: "not a ZIP archive (no end-of-central-directory record, no local file header)"
        case .truncated(let why): "ZIP archive cut short: \(why)"
        case .zip64: "ZIP64 archive (over 65,535 members or 4 GiB): not supported"
        case .multiDisk: "split (multi-disk) ZIP archive: not supported"
        case .corrupt(let why): "corrupt ZIP archive: \(why)"
        case .encrypted(let m): "member \(m) is encrypted: not read"
        case .unsupportedMethod(let m, let method):
            "member \(m) uses compression method \(method) (\(ZipArchive.methodName(method))): only stored (0) and deflate (8) are read"
        case .tooLarge(let m, let size, let cap):
            "member \(m) declares \(size) bytes inflated, above the \(cap >> 20) MiB cap: not read"
        }
    }
}

/// A small ZIP reader: the end-of-central-directory record, the central directory, and stored
/// or deflated members inflated one at a time (raw inflate through zlib), each checked against
/// its declared size and CRC-32. Memory is bounded by the largest member read (at most
/// `maxMemberBytes`) plus the central directory; nothing is mapped or cached.
///
/// An archive whose end is missing (a partial copy) is read from its local headers instead, as
/// far as they are complete; `cutShort` says so. ZIP64, split archives and encrypted members are
/// refused with a clear error.
public final class ZipArchive {
    /// Members above this inflated size are refused (`ZipError.tooLarge`).
    public static let maxMemberBytes: Int64 = 256 << 20
    /// The central directory of an archive without ZIP64 holds at most 65,535 entries; a
    /// directory above this size is corrupt.
    static let maxDirectoryBytes = 32 << 20

    public let path: String
    public let entries: [ZipEntry]
    /// Set when the archive has no central directory and was read from its local headers: the
    /// reason, in words.
    public let cutShort: String?
    private let size: Int64

    /// Opens an archive and reads its directory. `limit` caps the bytes considered (the size seen
    /// at discovery); a file still being written is read as it was then.
    public init(path: String, limit: Int64? = nil) throws(ZipError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .unreadable(errno: errno) }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw .unreadable(errno: errno) }
        var size = Int64(st.st_size)
        if let limit { size = min(size, limit) }
        self.size = size
        if let (entries, reason) = try Self.directory(fd: fd, size: size) {
            self.entries = entries
            cutShort = reason
        } else {
            // No end record: a ZIP cut short is read from its local headers, anything else refused.
            guard size >= 4, try Self.u32(fd, at: 0) == 0x0403_4b50 else { throw .notZip }
            let (entries, reason) = try Self.scanLocalHeaders(fd: fd, size: size)
            self.entries = entries
            cutShort = reason
        }
    }

    /// True when the file starts with a ZIP local file header (`PK\3\4`).
    public static func hasZipMagic(_ head: [UInt8]) -> Bool {
        head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B && head[2] == 0x03 && head[3] == 0x04
    }

    static func methodName(_ m: UInt16) -> String {
        switch m {
        case 0: "stored"
        case 8: "deflate"
        case 9: "deflate64"
        case 12: "bzip2"
        case 14: "LZMA"
        case 93: "Zstandard"
        case 95: "xz"
        default: "unknown"
        }
    }

    // MARK: members

    /// The member's bytes, inflated and checked (declared size, CRC-32).
    public func read(_ entry: ZipEntry, cap: Int64 = ZipArchive.maxMemberBytes) throws(ZipError) -> [UInt8] {
        if entry.flags & 0x1 != 0 { throw .encrypted(member: entry.name) }
        guard entry.method == 0 || entry.method == 8 else { throw .unsupportedMethod(member: entry.name, method: entry.method) }
        guard entry.size <= cap else { throw .tooLarge(member: entry.name, size: entry.size, cap: cap) }
        // Deflate never grows data by more than a few bytes per 16 KiB block: a compressed size far
        // above the inflated one is corrupt, and must not be read into memory either.
        guard entry.compressedSize <= entry.size + entry.size / 64 + 1024 else {
            throw .corrupt("member \(entry.name) declares \(entry.compressedSize) compressed bytes for \(entry.size) inflated")
        }
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw .unreadable(errno: errno) }
        defer { close(fd) }
        guard entry.localHeaderOffset + 30 <= size, try Self.u32(fd, at: entry.localHeaderOffset) == 0x0403_4b50 else {
            if entry.localHeaderOffset + 30 > size { throw .truncated("member \(entry.name) lies past the end of the file") }
            throw .corrupt("member \(entry.name): no local file header at offset \(entry.localHeaderOffset)")
        }
        let nameLength = Int64(try Self.u16(fd, at: entry.localHeaderOffset + 26))
        let extraLength = Int64(try Self.u16(fd, at: entry.localHeaderOffset + 28))
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        guard start + entry.compressedSize <= size else {
            throw .truncated("member \(entry.name) needs \(start + entry.compressedSize) bytes, the file has \(size)")
        }
        var out: [UInt8]
        if entry.method == 0 {
            guard entry.compressedSize == entry.size else {
                throw .corrupt("stored member \(entry.name) has different compressed and inflated sizes")
            }
            out = try Self.readBytes(fd, at: start, count: Int(entry.size))
        } else {
            out = try inflate(fd: fd, entry: entry, start: start)
        }
        let crc = out.withUnsafeBufferPointer { b -> UInt32 in
            UInt32(truncatingIfNeeded: CZlib.crc32(0, b.baseAddress, uInt(b.count)))
        }
        guard crc == entry.crc32 else {
            throw .corrupt("member \(entry.name) fails its CRC-32 check (\(hex(crc)) where \(hex(entry.crc32)) is recorded)")
        }
        return out
    }

    /// Raw inflate (no zlib header: windowBits -15) in 256 KiB reads into a buffer of exactly the
    /// declared size; output past it, or a stream that ends before it, is corruption.
    private func inflate(fd: Int32, entry: ZipEntry, start: Int64) throws(ZipError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(entry.size))
        var z = z_stream()
        guard inflateInit2_(&z, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corrupt("zlib could not start inflating \(entry.name)")
        }
        defer { inflateEnd(&z) }
        let chunk = 256 << 10
        var input = [UInt8](repeating: 0, count: chunk)
        var offset = start
        let end = start + entry.compressedSize
        var produced = 0
        var finished = false
        // One spare byte beyond the declared size tells "exactly the size" from "more than it".
        var spare: UInt8 = 0
        while !finished {
            guard offset < end else { break }
            let want = Int(min(Int64(chunk), end - offset))
            let got = input.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, want, off_t(offset)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .unreadable(errno: errno)
            }
            if got == 0 { throw .truncated("member \(entry.name) ends early") }
            offset += Int64(got)
            var status: Int32 = Z_OK
            input.withUnsafeMutableBufferPointer { inBuf in
                z.next_in = inBuf.baseAddress
                z.avail_in = uInt(got)
                repeat {
                    if produced < out.count {
                        status = out.withUnsafeMutableBufferPointer { outBuf in
                            z.next_out = outBuf.baseAddress! + produced
                            z.avail_out = uInt(outBuf.count - produced)
                            let s = CZlib.inflate(&z, Z_NO_FLUSH)
                            produced = outBuf.count - Int(z.avail_out)
                            return s
                        }
                    } else {
                        // Declared size reached: the stream must end here without more output.
                        status = withUnsafeMutablePointer(to: &spare) { p in
                            z.next_out = p
                            z.avail_out = 1
                            let s = CZlib.inflate(&z, Z_NO_FLUSH)
                            if z.avail_out == 0 { produced += 1 }
                            return s
                        }
                    }
                } while status == Z_OK && z.avail_in > 0 && produced <= out.count
            }
            if produced > out.count {
                throw .corrupt("member \(entry.name) inflates past its declared \(entry.size) bytes")
            }
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK, Z_BUF_ERROR: break
            default:
                let message = z.msg.map { String(cString: $0) } ?? "error \(status)"
                throw .corrupt("member \(entry.name) does not inflate (\(message))")
            }
        }
        guard finished else { throw .corrupt("member \(entry.name): its deflate stream does not end") }
        guard produced == out.count else {
            throw .corrupt("member \(entry.name) inflates to \(produced) bytes, \(entry.size) declared")
        }
        return out
    }

    // MARK: directory

    /// The central directory's entries, or nil when there is no end-of-central-directory record.
    private static func directory(fd: Int32, size: Int64) throws(ZipError) -> ([ZipEntry], String?)? {
        // The end record (22 bytes) is followed by a comment of at most 65,535 bytes.
        let tailLength = Int(min(size, 22 + 65_535))
        guard tailLength >= 22 else { return nil }
        let tail = try readBytes(fd, at: size - Int64(tailLength), count: tailLength)
        var eocd = -1
        var i = tailLength - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06,
               i + 22 + Int(le16(tail, i + 20)) <= tailLength {
                eocd = i
                break
            }
            i -= 1
        }
        guard eocd >= 0 else { return nil }
        let disk = le16(tail, eocd + 4), cdDisk = le16(tail, eocd + 6)
        let onDisk = le16(tail, eocd + 8), total = le16(tail, eocd + 10)
        let cdSize = le32(tail, eocd + 12), cdOffset = le32(tail, eocd + 16)
        // A ZIP64 end-of-central-directory locator sits just before the end record.
        let locator = eocd >= 20 && le32(tail, eocd - 20) == 0x0706_4b50
        if locator || total == 0xFFFF || onDisk == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw .zip64
        }
        if disk != 0 || cdDisk != 0 || onDisk != total { throw .multiDisk }
        let eocdOffset = size - Int64(tailLength) + Int64(eocd)
        guard Int64(cdOffset) + Int64(cdSize) <= eocdOffset else {
            throw .corrupt("the central directory (offset \(cdOffset), \(cdSize) bytes) overlaps the end record")
        }
        guard Int(cdSize) <= maxDirectoryBytes else { throw .corrupt("central directory of \(cdSize) bytes") }
        let cd = try readBytes(fd, at: Int64(cdOffset), count: Int(cdSize))
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(total))
        var p = 0
        for n in 0..<Int(total) {
            guard p + 46 <= cd.count, le32(cd, p) == 0x0201_4b50 else {
                throw .corrupt("central directory entry \(n + 1) of \(total) is not where its predecessor ends")
            }
            let nameLength = Int(le16(cd, p + 28)), extraLength = Int(le16(cd, p + 30)), commentLength = Int(le16(cd, p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= cd.count else {
                throw .corrupt("central directory entry \(n + 1) runs past the directory")
            }
            let compressed = le32(cd, p + 20), inflated = le32(cd, p + 24), local = le32(cd, p + 42)
            if compressed == 0xFFFF_FFFF || inflated == 0xFFFF_FFFF || local == 0xFFFF_FFFF { throw .zip64 }
            let name = String(decoding: cd[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            entries.append(ZipEntry(name: name, method: le16(cd, p + 10), flags: le16(cd, p + 8), crc32: le32(cd, p + 16),
                                    compressedSize: Int64(compressed), size: Int64(inflated),
                                    localHeaderOffset: Int64(local)))
            p += 46 + nameLength + extraLength + commentLength
        }
        return (entries, nil)
    }

    /// Members of an archive without its end, from consecutive local headers while they are
    /// complete. A member written with a data descriptor (sizes after the data) stops the scan.
    private static func scanLocalHeaders(fd: Int32, size: Int64) throws(ZipError) -> ([ZipEntry], String) {
        var entries: [ZipEntry] = []
        var offset: Int64 = 0
        var reason = "no central directory"
        while offset + 30 <= size {
            let h = try readBytes(fd, at: offset, count: 30)
            guard le32(h, 0) == 0x0403_4b50 else { break }
            let flags = le16(h, 6)
            let nameLength = Int64(le16(h, 26)), extraLength = Int64(le16(h, 28))
            let compressed = Int64(le32(h, 18)), inflated = Int64(le32(h, 22))
            if flags & 0x8 != 0 {
                reason += "; member \(entries.count + 1) records its sizes after its data"
                break
            }
            if compressed == 0xFFFF_FFFF || inflated == 0xFFFF_FFFF { throw .zip64 }
            let dataStart = offset + 30 + nameLength + extraLength
            guard dataStart + compressed <= size else { break }
            let name = String(decoding: try readBytes(fd, at: offset + 30, count: Int(nameLength)), as: UTF8.self)
            entries.append(ZipEntry(name: name, method: le16(h, 8), flags: flags, crc32: le32(h, 14),
                                    compressedSize: compressed, size: inflated, localHeaderOffset: offset))
            offset = dataStart + compressed
        }
        return (entries, reason + "; the \(entries.count) complete member(s) before the cut were read from their local headers")
    }

    // MARK: bytes

    private static func readBytes(_ fd: Int32, at offset: Int64, count: Int) throws(ZipError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(offset) + off_t(got)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(errno: errno)
            }
            if n == 0 { throw .truncated("expected \(count) bytes at offset \(offset), the file ends first") }
            got += n
        }
        return out
    }

    private static func u32(_ fd: Int32, at offset: Int64) throws(ZipError) -> UInt32 { le32(try readBytes(fd, at: offset, count: 4), 0) }
    private static func u16(_ fd: Int32, at offset: Int64) throws(ZipError) -> UInt16 { le16(try readBytes(fd, at: offset, count: 2), 0) }
}

@inline(__always) private func le16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
@inline(__always) private func le32(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
}
private func hex(_ v: UInt32) -> String {
    let s = String(v, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - s.count)) + s
}
