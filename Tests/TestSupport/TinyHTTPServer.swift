import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-thread HTTP/1.1 receiver on 127.0.0.1 for tests: answers each connection with the next
/// scripted status, records the request bodies, and stops by itself after the last status or
/// after `idleTimeout` seconds without a connection.
public final class TinyHTTPServer: @unchecked Sendable {
    public let port: UInt16
    private let listener: Int32
    private let statuses: [Int]
    private let idleTimeout: Int32
    private let lock = NSLock()
    private var bodies: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    public struct SetupError: Error { let step: String; let code: Int32 }

    public init(statuses: [Int], idleTimeout: Int32 = 5) throws {
        self.statuses = statuses
        self.idleTimeout = idleTimeout
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw SetupError(step: "socket", code: errno) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 8) == 0 else { close(fd); throw SetupError(step: "bind/listen", code: errno) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = UInt16(bigEndian: addr.sin_port)
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    public var url: URL { URL(string: "http://127.0.0.1:\(port)/hook")! }

    /// Request bodies received so far.
    public var received: [String] { lock.lock(); defer { lock.unlock() }; return bodies }

    /// Waits until the server has stopped (bounded).
    public func waitUntilStopped(seconds: Double = 10) -> Bool { finished.wait(timeout: .now() + seconds) == .success }

    private func serve() {
        defer { close(listener); finished.signal() }
        for status in statuses {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, idleTimeout * 1000) > 0 else { return }
            let conn = accept(listener, nil, nil)
            guard conn >= 0 else { return }
            var tv = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            let body = readRequest(conn)
            lock.lock(); bodies.append(body); lock.unlock()
            let text = status < 300 ? "{\"status\":\"success\"}" : "{\"error\":\"scripted failure \(status)\"}"
            let response = "HTTP/1.1 \(status) Scripted\r\nContent-Type: application/json\r\nContent-Length: \(text.utf8.count)\r\nConnection: close\r\n\r\n\(text)"
            _ = response.withCString { send(conn, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            close(conn)
        }
    }

    private func readRequest(_ conn: Int32) -> String {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        var need: Int? = nil
        while data.count < 1 << 20 {
            let n = recv(conn, &buf, buf.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
            if need == nil, let end = find(data, Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                let length = head.components(separatedBy: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                need = end + 4 + length
            }
            if let need, data.count >= need { break }
        }
        guard let end = find(data, Array("\r\n\r\n".utf8)) else { return "" }
        return String(decoding: data[(end + 4)...], as: UTF8.self)
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<i + needle.count].elementsEqual(needle) { return i }
        return nil
    }
}
