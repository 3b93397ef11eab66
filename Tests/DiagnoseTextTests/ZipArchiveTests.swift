import Foundation
import Testing
@testable import DiagnoseText

/// The fixtures under Tests/Fixtures/inspect (written by Python's zipfile, see make_fixtures.py).
enum InspectFixtures {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/inspect").path
    static func path(_ name: String) -> String { dir + "/" + name }
    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    /// Writes bytes to a fresh temporary file; returns its path.
    static func temp(_ bytes: [UInt8], name: String = "x.eval") throws -> String {
        let dir = NSTemporaryDirectory() + "zip-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Offset of the central-directory entry of `member` in a ZIP's bytes.
    static func centralEntry(_ b: [UInt8], _ member: String) -> Int? {
        let name = Array(member.utf8)
        var i = 0
        while i + 46 + name.count <= b.count {
            if b[i] == 0x50, b[i + 1] == 0x4B, b[i + 2] == 0x01, b[i + 3] == 0x02,
               Int(b[i + 28]) | Int(b[i + 29]) << 8 == name.count, Array(b[(i + 46)..<(i + 46 + name.count)]) == name {
                return i
            }
            i += 1
        }
        return nil
    }

    static func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
        for k in 0..<4 { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) }
    }
}

@Suite struct ZipArchiveTests {
    @Test func readsDeflatedMembersAsPythonWroteThem() throws {
        let zip = try ZipArchive(path: InspectFixtures.path("gsm8k.eval"))
        #expect(zip.cutShort == nil)
        #expect(zip.entries.map(\.name) == ["_journal/start.json", "samples/1_epoch_1.json", "samples/2_epoch_1.json",
                                            "samples/3_epoch_1.json", "_journal/summaries/1.json", "summaries.json",
                                            "reductions.json", "header.json"])
        #expect(zip.entries.allSatisfy { $0.method == 8 })
        for e in zip.entries {
            let b = try zip.read(e)
            #expect(b.count == Int(e.size))
            #expect(b.first == UInt8(ascii: "{") || b.first == UInt8(ascii: "["))
        }
        let header = String(decoding: try zip.read(zip.entries.last!), as: UTF8.self)
        #expect(header.contains("\"status\": \"success\""))
    }

    @Test func readsStoredMembers() throws {
        let zip = try ZipArchive(path: InspectFixtures.path("running.eval"))
        #expect(zip.entries.allSatisfy { $0.method == 0 })
        let start = String(decoding: try zip.read(zip.entries[0]), as: UTF8.self)
        #expect(start.hasPrefix("{\n  \"version\": 2"))
    }

    @Test func archiveCutShortIsReadFromItsCompleteLocalHeaders() throws {
        var b = try InspectFixtures.bytes("gsm8k.eval")
        // Cut inside the fourth member's data: three complete members precede it.
        let whole = try ZipArchive(path: InspectFixtures.path("gsm8k.eval"))
        let cut = Int(whole.entries[3].localHeaderOffset) + 30 + whole.entries[3].name.utf8.count + 10
        b.removeSubrange(cut...)
        let zip = try ZipArchive(path: try InspectFixtures.temp(b))
        #expect(zip.entries.map(\.name) == ["_journal/start.json", "samples/1_epoch_1.json", "samples/2_epoch_1.json"])
        #expect(zip.cutShort?.contains("no central directory") == true)
        #expect(try zip.read(zip.entries[1]).count == Int(zip.entries[1].size))
    }

    @Test func junkIsNotAZip() throws {
        let text = try InspectFixtures.temp(Array("this is not an archive\n".utf8))
        #expect(throws: ZipError.notZip) { try ZipArchive(path: text) }
        let noise = try InspectFixtures.temp((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
        #expect(throws: ZipError.notZip) { try ZipArchive(path: noise) }
        let empty = try InspectFixtures.temp([])
        #expect(throws: ZipError.notZip) { try ZipArchive(path: empty) }
        // Only a local header's magic, then nothing.
        let stub = try ZipArchive(path: try InspectFixtures.temp([0x50, 0x4B, 0x03, 0x04, 0, 0]))
        #expect(stub.entries.isEmpty && stub.cutShort != nil)
    }

    @Test func zip64IsRefused() throws {
        var b = try InspectFixtures.bytes("gsm8k.eval")
        let eocd = b.count - 22
        #expect(b[eocd] == 0x50 && b[eocd + 2] == 0x05)
        b[eocd + 8] = 0xFF; b[eocd + 9] = 0xFF; b[eocd + 10] = 0xFF; b[eocd + 11] = 0xFF
        #expect(throws: ZipError.zip64) { try ZipArchive(path: try InspectFixtures.temp(b)) }
    }

    @Test func absurdDeclaredSizeIsRefusedBeforeAnyAllocation() throws {
        var b = try InspectFixtures.bytes("gsm8k.eval")
        let cd = try #require(InspectFixtures.centralEntry(b, "samples/2_epoch_1.json"))
        InspectFixtures.put32(&b, cd + 24, 3_000_000_000)
        let zip = try ZipArchive(path: try InspectFixtures.temp(b))
        let e = try #require(zip.entries.first { $0.name == "samples/2_epoch_1.json" })
        #expect(throws: ZipError.tooLarge(member: e.name, size: 3_000_000_000, cap: ZipArchive.maxMemberBytes)) { try zip.read(e) }
        // A declared size below the real one: inflating past it is corruption, not an overrun.
        var c = try InspectFixtures.bytes("gsm8k.eval")
        InspectFixtures.put32(&c, cd + 24, 100)
        let small = try ZipArchive(path: try InspectFixtures.temp(c))
        let s = try #require(small.entries.first { $0.name == "samples/2_epoch_1.json" })
        do { _ = try small.read(s); Issue.record("read a member larger than declared") } catch {
            guard case .corrupt = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func otherCompressionMethodsAreNamed() throws {
        var b = try InspectFixtures.bytes("gsm8k.eval")
        let cd = try #require(InspectFixtures.centralEntry(b, "header.json"))
        b[cd + 10] = 93; b[cd + 11] = 0
        let zip = try ZipArchive(path: try InspectFixtures.temp(b))
        let e = try #require(zip.entries.first { $0.name == "header.json" })
        #expect(throws: ZipError.unsupportedMethod(member: "header.json", method: 93)) { try zip.read(e) }
        #expect(ZipError.unsupportedMethod(member: "header.json", method: 93).description.contains("Zstandard"))
    }

    @Test func damagedDataFailsInflateOrItsChecksum() throws {
        let whole = try ZipArchive(path: InspectFixtures.path("gsm8k.eval"))
        let e = whole.entries[2]
        let data = Int(e.localHeaderOffset) + 30 + e.name.utf8.count
        let size = Int(e.compressedSize)
        for offset in [data + 5, data + size / 2, data + size - 3] {
            var b = try InspectFixtures.bytes("gsm8k.eval")
            b[offset] ^= 0x5A
            let zip = try ZipArchive(path: try InspectFixtures.temp(b))
            do { _ = try zip.read(zip.entries[2]); Issue.record("damage at \(offset) went unnoticed") } catch {
                guard case .corrupt = error else { Issue.record("\(error)"); continue }
            }
        }
    }

    @Test func memberPastTheEndIsTruncation() throws {
        var b = try InspectFixtures.bytes("gsm8k.eval")
        let cd = try #require(InspectFixtures.centralEntry(b, "header.json"))
        InspectFixtures.put32(&b, cd + 42, UInt32(b.count))
        let zip = try ZipArchive(path: try InspectFixtures.temp(b))
        let e = try #require(zip.entries.first { $0.name == "header.json" })
        do { _ = try zip.read(e); Issue.record("read past the end") } catch {
            guard case .truncated = error else { Issue.record("\(error)"); return }
        }
    }
}
