import Foundation
import OversightCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Removes secrets from error messages before they are shown or logged.
public enum Redactor {
    /// `text` with every spelling of each secret (see `SecretRedactor`) and every key-like
    /// token such as `sk-…` replaced by `[redacted]`.
    public static func scrub(_ text: String, secrets: [String]) -> String {
        let out = SecretRedactor(secrets: secrets).redact(text)
        // Servers echo parts of rejected keys ("Incorrect API key provided: sk-ab***yz").
        var result = ""
        for (i, word) in out.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { result += " " }
            let bare = word.trimmingCharacters(in: CharacterSet(charactersIn: "\"'.,;:()[]{}"))
            if bare.count >= 8, bare.hasPrefix("sk-") || bare.hasPrefix("sk_") || bare.hasPrefix("key-") {
                result += word.replacingOccurrences(of: bare, with: "[redacted]")
            } else {
                result += word
            }
        }
        return result
    }
}

/// Bounded retries with exponential backoff, used only before any reply text arrived.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all (1 = no retry).
    public var maxAttempts: Int
    /// First backoff delay in seconds; doubles per attempt.
    public var baseDelay: Double
    /// Largest delay waited, including a server's Retry-After.
    public var maxDelay: Double

    public init(maxAttempts: Int = 3, baseDelay: Double = 1, maxDelay: Double = 30) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1, baseDelay: 0, maxDelay: 0)

    /// Delay before attempt `attempt + 1` after `error`, or nil when it is not worth retrying.
    public func delay(after error: AssistantError, attempt: Int) -> Double? {
        guard attempt < maxAttempts else { return nil }
        let backoff = min(maxDelay, baseDelay * pow(2, Double(attempt - 1)))
        switch error {
        case .http(let status, _, let retryAfter):
            guard status == 429 || status == 408 || status >= 500 else { return nil }
            if let retryAfter {
                // A server asking for longer than we are willing to wait: give up now.
                return retryAfter <= maxDelay ? max(0, retryAfter) : nil
            }
            return backoff
        case .unreachable(let message):
            // A name that does not resolve will not resolve a second later.
            return message.hasPrefix("cannot resolve") ? nil : backoff
        default:
            return nil
        }
    }
}

/// HTTP plumbing shared by the providers: JSON POSTs whose response is an SSE stream or a
/// JSON document, with HTTP errors turned into `AssistantError`s free of secrets.
enum ChatHTTP {
    /// Build a POST request with a JSON body.
    static func post(url: URL, headers: [(String, String)], body: Data) -> URLRequest {
        var r = URLRequest(url: url)
        r.httpMethod = "POST"
        r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        r.httpBody = body
        return r
    }

    /// Parse a Retry-After header: delta-seconds or an HTTP date.
    static func retryAfter(_ value: String?) -> Double? {
        guard let v = value?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
        if let s = Double(v), s >= 0 { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let d = f.date(from: v) { return max(0, d.timeIntervalSinceNow) }
        return nil
    }

    /// The human-readable message of an error body (`{"error":{"message":…}}`,
    /// `{"error":"…"}`, `{"message":…}`, `{"detail":…}` or plain text), shortened.
    static func errorMessage(from body: Data, secrets: [String] = []) -> String {
        var message: String?
        if let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let e = obj["error"] as? [String: Any] {
                message = e["message"] as? String ?? e["type"] as? String
            } else if let e = obj["error"] as? String {
                message = e
            } else if let m = obj["message"] as? String {
                message = m
            } else if let d = obj["detail"] as? String {
                message = d
            } else if let d = obj["detail"], JSONSerialization.isValidJSONObject(d),
                      let data = try? JSONSerialization.data(withJSONObject: d) {
                message = String(decoding: data, as: UTF8.self)
            }
        }
        // Redacted before it is shortened, so a key cut by the shortening is still found.
        let text = Redactor.scrub(message ?? String(decoding: body, as: UTF8.self), secrets: secrets)
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return oneLine.count > 300 ? String(oneLine.prefix(300)) + "…" : oneLine
    }

    /// Read the rest of an error response (at most 64 KiB) and turn it into `.http`.
    static func httpError(head: HTTPHead, iterator: inout AsyncThrowingStream<HTTPStreamPart, Error>.AsyncIterator,
                          secrets: [String]) async -> AssistantError {
        var body = Data()
        do {
            while body.count < 65_536, let part = try await iterator.next() {
                if case .body(let d) = part { body.append(d) }
            }
        } catch {
            // The status is what matters; a body cut short still says enough.
        }
        let message = errorMessage(from: body, secrets: secrets)
        return .http(status: head.status, message: message, retryAfterSeconds: retryAfter(head.headers["retry-after"]))
    }

    /// POST and hand each SSE event to `onEvent` until it returns true (the reply is complete).
    /// Throws `.dropped` when the stream ends first, `.http` for an error status.
    static func streamEvents(_ request: URLRequest, idleTimeout: Double, secrets: [String],
                             onEvent: (SSEEvent) throws -> Bool) async throws {
        var iterator = HTTPStreamer.stream(request, idleTimeout: idleTimeout).makeAsyncIterator()
        var parser = SSEParser()
        var head: HTTPHead?
        var jsonBody: Data?
        while true {
            let part: HTTPStreamPart?
            do {
                part = try await iterator.next()
            } catch let e as AssistantError {
                throw e
            } catch {
                throw AssistantError.dropped("the connection failed")
            }
            guard let part else { break }
            switch part {
            case .head(let h):
                head = h
                if h.status >= 400 {
                    throw await httpError(head: h, iterator: &iterator, secrets: secrets)
                }
                if let type = h.headers["content-type"], type.contains("application/json") {
                    jsonBody = Data()
                }
            case .body(let data):
                if jsonBody != nil {
                    jsonBody?.append(data)
                    continue
                }
                for event in parser.feed(data) {
                    if try onEvent(event) { return }
                }
            }
        }
        if Task.isCancelled { throw AssistantError.cancelled }
        if let jsonBody {
            // A server that answered a streaming request with one JSON document: an error.
            let message = errorMessage(from: jsonBody, secrets: secrets)
            throw AssistantError.malformed("expected an event stream, got JSON: \(message)")
        }
        if head == nil { throw AssistantError.dropped("the server closed the connection without answering") }
        throw AssistantError.dropped("the stream ended before the reply was complete")
    }

    /// POST and return the whole response body of a successful (2xx) response.
    static func fetch(_ request: URLRequest, idleTimeout: Double, secrets: [String]) async throws -> Data {
        var iterator = HTTPStreamer.stream(request, idleTimeout: idleTimeout).makeAsyncIterator()
        var body = Data()
        var head: HTTPHead?
        while let part = try await iterator.next() {
            switch part {
            case .head(let h):
                head = h
                if h.status >= 400 { throw await httpError(head: h, iterator: &iterator, secrets: secrets) }
            case .body(let d):
                body.append(d)
            }
        }
        if Task.isCancelled { throw AssistantError.cancelled }
        guard head != nil else { throw AssistantError.dropped("the server closed the connection without answering") }
        return body
    }
}

/// Runs one streamed reply: retries (bounded, only before any text), a progress line while
/// waiting for the first token, and the `AsyncThrowingStream` plumbing.
struct ReplyDriver: Sendable {
    var retry: RetryPolicy
    /// Progress label while waiting for the first token ("thinking", "reading the passage").
    var waitingLabel: String
    /// Seconds of silence before the first progress line.
    var progressAfter: Double = 1
    /// Removes the provider's key from the reply text and error messages (a key split
    /// across chunks included).
    var redactor = SecretRedactor(secrets: [])

    /// Stream the chunks produced by `attempt`, which receives a `yield` for text.
    func run(_ attempt: @escaping @Sendable (_ emit: @escaping @Sendable (String) -> Void) async throws -> AssistantUsage)
        -> AsyncThrowingStream<AssistantChunk, Error> {
        let (stream, continuation) = AsyncThrowingStream<AssistantChunk, Error>.makeStream()
        // Whether any text arrived, and the redaction of the text so far (held together so
        // chunks are released in order).
        let gotText = Locked(false)
        let text = Locked(redactor.stream())
        let redactor = self.redactor
        let retry = self.retry
        let label = waitingLabel
        let progressAfter = self.progressAfter
        let start = DispatchTime.now().uptimeNanoseconds
        let ticker = Task.detached {
            var next = progressAfter
            while !Task.isCancelled {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if elapsed < next {
                    try? await Task.sleep(nanoseconds: UInt64((next - elapsed) * 1e9))
                    continue
                }
                let stop = gotText.with { got -> Bool in
                    if got { return true }
                    continuation.yield(.progress("\(label)… \(Int(elapsed)) s"))
                    return false
                }
                if stop { return }
                next = (elapsed + 1).rounded(.down)
            }
        }
        let work = Task.detached {
            let emit: @Sendable (String) -> Void = { piece in
                guard !piece.isEmpty else { return }
                gotText.with { got in
                    got = true
                    let safe = text.with { $0.feed(piece) }
                    if !safe.isEmpty { continuation.yield(.text(safe)) }
                }
            }
            // Release text held back as a possible key start (at the end of the reply).
            let flush: @Sendable () -> Void = {
                gotText.with { _ in
                    let rest = text.with { $0.finish() }
                    if !rest.isEmpty { continuation.yield(.text(rest)) }
                }
            }
            var attemptNumber = 1
            while true {
                do {
                    let usage = try await attempt(emit)
                    ticker.cancel()
                    flush()
                    continuation.yield(.done(usage))
                    continuation.finish()
                    return
                } catch {
                    let e = redactor.redact(Task.isCancelled ? .cancelled
                                                : (error as? AssistantError ?? .dropped("unexpected failure")))
                    let hadText = gotText.with { $0 }
                    if !hadText, e != .cancelled, let delay = retry.delay(after: e, attempt: attemptNumber) {
                        let wait = max(0, delay)
                        _ = gotText.with { _ in
                            continuation.yield(.progress("retrying in \(Int(wait.rounded(.up))) s… (\(e.message))"))
                        }
                        try? await Task.sleep(nanoseconds: UInt64(wait * 1e9))
                        if Task.isCancelled {
                            ticker.cancel()
                            flush()
                            continuation.finish(throwing: AssistantError.cancelled)
                            return
                        }
                        attemptNumber += 1
                        continue
                    }
                    ticker.cancel()
                    flush()
                    continuation.finish(throwing: e)
                    return
                }
            }
        }
        continuation.onTermination = { _ in
            work.cancel()
            ticker.cancel()
        }
        return stream
    }
}
