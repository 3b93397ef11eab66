import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a page could not be delivered.
public enum PageSendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The receiver answered with a non-2xx status on the last attempt.
    case http(status: Int, body: String, attempts: Int)
    /// No HTTP answer (connection refused, timeout, ...).
    case transport(message: String, attempts: Int)

    public var description: String {
        switch self {
        case .http(let status, let body, let attempts):
            return "page not delivered: HTTP \(status) after \(attempts) attempt(s): \(body)"
        case .transport(let message, let attempts):
            return "page not delivered after \(attempts) attempt(s): \(message)"
        }
    }
}

/// The receiver's answer to a delivered page.
public struct PageResponse: Sendable, Hashable {
    /// The 2xx status.
    public var status: Int
    /// The start of the response body.
    public var body: String
    /// Attempts it took (1 = first try).
    public var attempts: Int
}

/// Posts page payloads with retries: 5xx, 429 and transport errors are retried with
/// exponential backoff; other 4xx answers fail at once (retrying will not fix them).
public enum PageSender {
    /// Backoff between attempts: `initial`, then × `factor` each retry, capped at `maximum`.
    public struct Backoff: Sendable, Hashable {
        public var initial: Double
        public var factor: Double
        public var maximum: Double
        public init(initial: Double = 1, factor: Double = 2, maximum: Double = 30) {
            self.initial = initial; self.factor = factor; self.maximum = maximum
        }
        public func delay(afterAttempt n: Int) -> Double {
            min(maximum, initial * pow(factor, Double(max(0, n - 1))))
        }
    }

    /// Characters of a failing response body kept in the error.
    static let excerptLength = 300

    /// POSTs `data` as JSON to `url`; up to `retries` retries after the first attempt.
    @discardableResult
    public static func send(_ data: Data, to url: URL, retries: Int = 3, backoff: Backoff = Backoff(),
                            timeout: Double = 10, headers: [String: String] = [:]) async throws(PageSendError) -> PageResponse {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = data
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        var attempt = 0
        var lastError = PageSendError.transport(message: "not attempted", attempts: 0)
        while attempt <= max(0, retries) {
            attempt += 1
            do {
                let (body, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                let text = String(decoding: body.prefix(excerptLength * 4), as: UTF8.self)
                if (200..<300).contains(status) { return PageResponse(status: status, body: text, attempts: attempt) }
                lastError = .http(status: status, body: excerpt(text), attempts: attempt)
                if !(status >= 500 || status == 429 || status == 408) { throw lastError }
            } catch let e as PageSendError {
                throw e
            } catch {
                lastError = .transport(message: "\(error.localizedDescription)", attempts: attempt)
            }
            if attempt <= retries {
                try? await Task.sleep(nanoseconds: UInt64(backoff.delay(afterAttempt: attempt) * 1e9))
            }
        }
        throw lastError
    }

    static func excerpt(_ s: String) -> String {
        let one = s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return one.count > excerptLength ? String(one.prefix(excerptLength)) + "…" : one
    }
}
