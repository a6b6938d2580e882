import Foundation
import OversightCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP/1.1 over a plain TCP socket, for `http://` endpoints (the local model server, or any
/// OpenAI-compatible server on the network without TLS).
///
/// Each exchange runs on a thread of its own that sleeps in `poll()` until the socket has bytes,
/// the idle limit passes or the consumer cancels: a streamed reply costs a wake-up per chunk the
/// server sends and nothing in between. (Foundation's `URLSession` on Linux, measured against
/// llama.cpp's server, kept a core busy in its dispatch sources for the whole reply.)
///
/// The request is sent with `Connection: close`; the body is framed by `Content-Length`,
/// chunked transfer coding, or the end of the connection. Errors are the same `AssistantError`s
/// as `HTTPStreamer` gives: `.unreachable` before a response, `.timeout` after `idleTimeout`
/// seconds without a byte, `.dropped` when the body ends early; a connection closed before any
/// response ends the stream with no head (the caller reports it).
enum PlainHTTP {
    /// Whether `request` can go this way: plain `http` with a host, reached directly (a host
    /// on this machine, or no `http_proxy` set; through a proxy `URLSession` goes, as before).
    static func handles(_ request: URLRequest,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard request.url?.scheme?.lowercased() == "http", let host = request.url?.host?.lowercased(),
              !host.isEmpty else { return false }
        let proxy = environment["http_proxy"] ?? environment["HTTP_PROXY"] ?? ""
        if proxy.isEmpty { return true }
        return isLoopback(host: host)
    }

    /// Whether `host` names this machine: `localhost`, the IPv6 loopback or 127.0.0.0/8.
    static func isLoopback(host: String) -> Bool {
        let host = host.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Send `request` and stream its response into a new stream.
    static func stream(_ request: URLRequest, idleTimeout: Double) -> AsyncThrowingStream<HTTPStreamPart, Error> {
        let (stream, continuation) = AsyncThrowingStream<HTTPStreamPart, Error>.makeStream()
        let exchange = Exchange(request: request, idleTimeout: idleTimeout, continuation: continuation)
        continuation.onTermination = { _ in exchange.cancel() }
        let thread = Thread { exchange.run() }
        thread.name = "oversight-http"
        thread.stackSize = 512 << 10
        thread.start()
        return stream
    }

    /// The bytes sent for `request` (request line, headers, body).
    static func requestBytes(_ request: URLRequest, host: String, port: Int, defaultPort: Int) -> [UInt8] {
        let url = request.url
        var target = "/"
        if let url, let comps = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            target = comps.percentEncodedPath.isEmpty ? "/" : comps.percentEncodedPath
            if let q = comps.percentEncodedQuery { target += "?" + q }
        }
        let method = request.httpMethod ?? "GET"
        let body = request.httpBody ?? Data()
        let hostField = host.contains(":") ? "[\(host)]" : host
        var head = "\(method) \(target) HTTP/1.1\r\n"
        head += "Host: \(hostField)\(port == defaultPort ? "" : ":\(port)")\r\n"
        var named = Set<String>()
        for (k, v) in (request.allHTTPHeaderFields ?? [:]).sorted(by: { $0.key < $1.key }) {
            let lower = k.lowercased()
            if ["host", "content-length", "connection", "transfer-encoding"].contains(lower) { continue }
            named.insert(lower)
            head += "\(k): \(v)\r\n"
        }
        if !named.contains("accept") { head += "Accept: */*\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        head += "Connection: close\r\n\r\n"
        return Array(head.utf8) + [UInt8](body)
    }
}

/// One request and its response, run on its own thread.
private final class Exchange: @unchecked Sendable {
    private struct Shared {
        var cancelled = false
        /// Write end of the pipe that wakes `poll()`; nil once the exchange has closed it.
        var wakeFD: Int32?
    }

    private let request: URLRequest
    private let idleTimeout: Double
    private let continuation: AsyncThrowingStream<HTTPStreamPart, Error>.Continuation
    private let shared = Locked(Shared())
    private let target: String

    init(request: URLRequest, idleTimeout: Double, continuation: AsyncThrowingStream<HTTPStreamPart, Error>.Continuation) {
        self.request = request
        self.idleTimeout = idleTimeout
        self.continuation = continuation
        target = HTTPStreamer.describe(request.url)
    }

    /// The consumer went away: wake the thread so it closes the connection.
    func cancel() {
        shared.with { s in
            s.cancelled = true
            if let fd = s.wakeFD {
                var byte: UInt8 = 1
                _ = write(fd, &byte, 1)
            }
        }
    }

    private var isCancelled: Bool { shared.with { $0.cancelled } }

    private enum Failure: Error { case error(AssistantError), cancelled, closed }

    func run() {
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else {
            continuation.finish(throwing: AssistantError.unreachable("could not connect to \(target) (no pipe: errno \(errno))"))
            return
        }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC); _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        let alreadyCancelled = shared.with { s -> Bool in
            s.wakeFD = pipeFDs[1]
            return s.cancelled
        }
        var socketFD: Int32 = -1
        defer {
            shared.with { $0.wakeFD = nil }
            close(pipeFDs[0])
            close(pipeFDs[1])
            if socketFD >= 0 { close(socketFD) }
        }
        if alreadyCancelled { return continuation.finish(throwing: AssistantError.cancelled) }
        do {
            socketFD = try connectSocket(wake: pipeFDs[0])
            try sendAll(socketFD, wake: pipeFDs[0])
            try receive(socketFD, wake: pipeFDs[0])
        } catch Failure.error(let e) {
            continuation.finish(throwing: e)
        } catch {
            continuation.finish(throwing: AssistantError.cancelled)
        }
    }

    // MARK: Connecting and sending

    private func connectSocket(wake: Int32) throws -> Int32 {
        guard let url = request.url, let host = url.host else {
            throw Failure.error(.unreachable("could not connect to \(target) (no host)"))
        }
        let port = url.port ?? 80
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { throw Failure.error(.unreachable("cannot resolve host \(target)")) }
        defer { freeaddrinfo(list) }
        var lastError: Int32 = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let ai = candidate {
            candidate = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            if fd < 0 { lastError = errno; continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            if errno != EINPROGRESS { lastError = errno; close(fd); continue }
            do {
                guard try waitFor(fd, events: Int16(POLLOUT), wake: wake, timeout: idleTimeout) else {
                    close(fd)
                    throw Failure.error(.timeout(seconds: idleTimeout))
                }
            } catch {
                close(fd)
                throw error
            }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if soError == 0 { return fd }
            lastError = soError
            close(fd)
        }
        if lastError == ECONNREFUSED {
            throw Failure.error(.unreachable("connection to \(target) refused (is the server running?)"))
        }
        throw Failure.error(.unreachable("could not connect to \(target) (\(String(cString: strerror(lastError))))"))
    }

    private func sendAll(_ fd: Int32, wake: Int32) throws {
        guard let url = request.url else { return }
        let bytes = PlainHTTP.requestBytes(request, host: url.host ?? "", port: url.port ?? 80, defaultPort: 80)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBufferPointer { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { offset += n; continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                guard try waitFor(fd, events: Int16(POLLOUT), wake: wake, timeout: idleTimeout) else {
                    throw Failure.error(.timeout(seconds: idleTimeout))
                }
                continue
            }
            // The server closed before taking the whole request: read what it answered, if anything.
            return
        }
    }

    /// Sleeps until `fd` is ready for `events` (true), the timeout passes (false) or the consumer
    /// cancels (throws).
    private func waitFor(_ fd: Int32, events: Int16, wake: Int32, timeout: Double) throws -> Bool {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, timeout) * 1e9)
        while true {
            if isCancelled { throw Failure.cancelled }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { return false }
            var fds = [pollfd(fd: fd, events: events, revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ms = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            let ready = poll(&fds, 2, ms)
            if ready < 0 && errno != EINTR && errno != EAGAIN {
                throw Failure.error(.dropped("connection to \(target) failed (poll: errno \(errno))"))
            }
            if fds[1].revents != 0 { throw Failure.cancelled }
            if fds[0].revents != 0 { return true }
        }
    }

    // MARK: Receiving

    private func receive(_ fd: Int32, wake: Int32) throws {
        var parser = ResponseParser()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var lastByte = DispatchTime.now().uptimeNanoseconds
        while true {
            let idleLeft = idleTimeout - Double(DispatchTime.now().uptimeNanoseconds &- lastByte) / 1e9
            guard try waitFor(fd, events: Int16(POLLIN), wake: wake, timeout: idleLeft) else {
                throw Failure.error(.timeout(seconds: idleTimeout))
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
                if parser.head == nil { return continuation.finish() }
                throw Failure.error(.dropped("connection to \(target) ended early (errno \(errno))"))
            }
            if n == 0 {
                if parser.head == nil { return continuation.finish() }
                if parser.finishAtClose() { return continuation.finish() }
                throw Failure.error(.dropped("connection to \(target) ended early"))
            }
            lastByte = DispatchTime.now().uptimeNanoseconds
            let step: ResponseParser.Step
            do {
                step = try parser.feed(buffer[0..<n])
            } catch {
                throw Failure.error(.dropped("connection to \(target) sent a response that is not HTTP"))
            }
            if let head = step.head { continuation.yield(.head(head)) }
            if !step.body.isEmpty { continuation.yield(.body(step.body)) }
            if step.complete { return continuation.finish() }
        }
    }
}

/// Incremental HTTP/1.1 response parser: status line and headers, then a body framed by
/// `Content-Length`, chunked transfer coding, or the end of the connection. Interim `1xx`
/// responses are skipped.
struct ResponseParser {
    struct Step {
        var head: HTTPHead?
        var body = Data()
        var complete = false
    }

    struct Malformed: Error {}

    private enum Framing { case length(Int), chunked, untilClose }
    private enum ChunkState { case size, data(Int), dataEnd, trailer, done }

    private(set) var head: HTTPHead?
    private var pending: [UInt8] = []
    private var framing = Framing.untilClose
    private var chunk = ChunkState.size
    private var complete = false

    /// Take the next bytes; returns the head when it completed, body bytes, and whether the
    /// response is complete.
    mutating func feed<C: Collection>(_ bytes: C) throws -> Step where C.Element == UInt8 {
        var step = Step()
        pending.append(contentsOf: bytes)
        while head == nil {
            guard let end = Self.find([13, 10, 13, 10], in: pending) else {
                if pending.count > 65_536 { throw Malformed() }
                return step
            }
            let text = String(decoding: pending[0..<end], as: UTF8.self)
            pending.removeFirst(end + 4)
            let lines = text.components(separatedBy: "\r\n")
            let parts = lines[0].split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else { throw Malformed() }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers[name] = headers[name].map { "\($0), \(value)" } ?? value
            }
            if (100...199).contains(status) { continue }
            let h = HTTPHead(status: status, headers: headers)
            head = h
            step.head = h
            if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                framing = .chunked
            } else if let length = headers["content-length"].flatMap({ Int($0) }), length >= 0 {
                framing = .length(length)
                if length == 0 { complete = true }
            } else if status == 204 || status == 304 {
                complete = true
            }
        }
        switch framing {
        case .untilClose:
            step.body.append(contentsOf: pending)
            pending.removeAll()
        case .length(let left):
            let take = min(left, pending.count)
            step.body.append(contentsOf: pending[0..<take])
            pending.removeFirst(take)
            framing = .length(left - take)
            if left - take == 0 { complete = true }
        case .chunked:
            try decodeChunks(into: &step.body)
        }
        step.complete = complete
        return step
    }

    /// The connection ended: true when that completes the body (framed by the close).
    mutating func finishAtClose() -> Bool {
        if complete { return true }
        if case .untilClose = framing { complete = true }
        return complete
    }

    private mutating func decodeChunks(into body: inout Data) throws {
        while !complete {
            switch chunk {
            case .size:
                guard let end = Self.find([13, 10], in: pending) else {
                    if pending.count > 4096 { throw Malformed() }
                    return
                }
                let line = String(decoding: pending[0..<end], as: UTF8.self)
                pending.removeFirst(end + 2)
                let hex = line.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let size = Int(hex, radix: 16), size >= 0 else { throw Malformed() }
                chunk = size == 0 ? .trailer : .data(size)
            case .data(let left):
                if pending.isEmpty { return }
                let take = min(left, pending.count)
                body.append(contentsOf: pending[0..<take])
                pending.removeFirst(take)
                chunk = left - take == 0 ? .dataEnd : .data(left - take)
            case .dataEnd:
                guard pending.count >= 2 else { return }
                guard pending[0] == 13, pending[1] == 10 else { throw Malformed() }
                pending.removeFirst(2)
                chunk = .size
            case .trailer:
                guard let end = Self.find([13, 10], in: pending) else { return }
                pending.removeFirst(end + 2)
                if end == 0 { chunk = .done; complete = true }
            case .done:
                complete = true
            }
        }
    }

    private static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        var i = 0
        while i <= bytes.count - needle.count {
            if bytes[i] == needle[0] {
                var k = 1
                while k < needle.count && bytes[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
