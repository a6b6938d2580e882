import Foundation
import OversightCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A value guarded by a lock, shareable across threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func with<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Status line and headers of an HTTP response (header names lower-cased).
public struct HTTPHead: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }
}

/// What a streamed HTTP exchange yields: the head once, then body chunks as they arrive.
public enum HTTPStreamPart: Sendable {
    case head(HTTPHead)
    case body(Data)
}

/// Streams an HTTP response body chunk by chunk: `http` URLs through `PlainHTTP`, others with
/// Foundation's `URLSession` (which has no `bytes(for:)` on Linux), whose data delegate forwards
/// every chunk into an `AsyncThrowingStream`.
///
/// Failures arrive as `AssistantError`: `.unreachable` before a response (refused, DNS),
/// `.timeout` when no byte arrived for `idleTimeout` seconds, `.dropped` when the connection
/// ends abnormally after the response started. Cancelling the consuming task cancels the
/// request.
public enum HTTPStreamer {
    /// Send `request` and stream its response: plain `http` on a socket of our own (see
    /// `PlainHTTP`), `https` through `URLSession`.
    public static func stream(_ request: URLRequest, idleTimeout: Double) -> AsyncThrowingStream<HTTPStreamPart, Error> {
        if PlainHTTP.handles(request) { return PlainHTTP.stream(request, idleTimeout: idleTimeout) }
        let (stream, continuation) = AsyncThrowingStream<HTTPStreamPart, Error>.makeStream()
        let target = HTTPStreamer.describe(request.url)
        let delegate = StreamDelegate(continuation: continuation, target: target, idleTimeout: idleTimeout)
        let configuration = URLSessionConfiguration.ephemeral
        // The watchdog below enforces the idle timeout; these are only a backstop.
        configuration.timeoutIntervalForRequest = idleTimeout + 30
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        var request = request
        request.timeoutInterval = idleTimeout + 30
        let task = session.dataTask(with: request)
        let watchdog = Task.detached {
            let step = min(0.25, max(0.01, idleTimeout / 4))
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(step * 1_000_000_000))
                if delegate.checkIdle() {
                    task.cancel()
                    return
                }
                if delegate.isFinished { return }
            }
        }
        continuation.onTermination = { _ in
            watchdog.cancel()
            task.cancel()
            session.invalidateAndCancel()
        }
        task.resume()
        session.finishTasksAndInvalidate()
        return stream
    }

    /// `host:port` of a URL, for error messages (never the path or query).
    static func describe(_ url: URL?) -> String {
        guard let url, let host = url.host else { return "the server" }
        if let port = url.port { return "\(host):\(port)" }
        return host
    }

    /// Map a Foundation networking error to the assistant's error kinds.
    static func mapError(_ error: Error, target: String, responded: Bool, idleTimeout: Double) -> AssistantError {
        if let e = error as? AssistantError { return e }
        guard let urlError = error as? URLError else {
            let ns = error as NSError
            return responded
                ? .dropped("connection to \(target) failed (\(ns.domain) \(ns.code))")
                : .unreachable("could not connect to \(target) (\(ns.domain) \(ns.code))")
        }
        switch urlError.code {
        case .cannotFindHost, .dnsLookupFailed:
            return .unreachable("cannot resolve host \(target)")
        case .cannotConnectToHost:
            return .unreachable("connection to \(target) refused (is the server running?)")
        case .notConnectedToInternet, .internationalRoamingOff, .dataNotAllowed:
            return .unreachable("no network connection to \(target)")
        case .timedOut:
            return .timeout(seconds: idleTimeout)
        case .cancelled:
            return .cancelled
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return .unreachable("TLS connection to \(target) failed (\(urlError.code.rawValue))")
        default:
            return responded
                ? .dropped("connection to \(target) ended early (error \(urlError.code.rawValue))")
                : .unreachable("could not connect to \(target) (error \(urlError.code.rawValue))")
        }
    }
}

private final class StreamDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var lastActivity = DispatchTime.now().uptimeNanoseconds
        var responded = false
        var finished = false
        var timedOut = false
    }

    private let continuation: AsyncThrowingStream<HTTPStreamPart, Error>.Continuation
    private let target: String
    private let idleTimeout: Double
    private let state = Locked(State())

    init(continuation: AsyncThrowingStream<HTTPStreamPart, Error>.Continuation, target: String, idleTimeout: Double) {
        self.continuation = continuation
        self.target = target
        self.idleTimeout = idleTimeout
    }

    var isFinished: Bool { state.with { $0.finished } }

    /// Whether the idle limit has passed; if so the stream is finished with `.timeout`.
    func checkIdle() -> Bool {
        let fire = state.with { s -> Bool in
            guard !s.finished else { return false }
            let idle = Double(DispatchTime.now().uptimeNanoseconds &- s.lastActivity) / 1e9
            if idle >= idleTimeout {
                s.finished = true
                s.timedOut = true
                return true
            }
            return false
        }
        if fire { continuation.finish(throwing: AssistantError.timeout(seconds: idleTimeout)) }
        return fire
    }

    private func touch(responded: Bool = false) -> Bool {
        state.with { s in
            s.lastActivity = DispatchTime.now().uptimeNanoseconds
            if responded { s.responded = true }
            return !s.finished
        }
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if touch(responded: true), let http = response as? HTTPURLResponse {
            var headers: [String: String] = [:]
            for (k, v) in http.allHeaderFields {
                if let k = k as? String, let v = v as? String { headers[k.lowercased()] = v }
            }
            continuation.yield(.head(HTTPHead(status: http.statusCode, headers: headers)))
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        if touch() { continuation.yield(.body(data)) }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        let (already, responded) = state.with { s -> (Bool, Bool) in
            let was = s.finished
            s.finished = true
            return (was, s.responded)
        }
        if already { return }
        if let error {
            continuation.finish(throwing: HTTPStreamer.mapError(error, target: target, responded: responded,
                                                                idleTimeout: idleTimeout))
        } else {
            continuation.finish()
        }
    }
}
