import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for tests, answering each connection with a scripted
/// behaviour (including failures). It records every request and stops itself after `lifetime`.
final class FaultServer: @unchecked Sendable {
    enum Behavior: Sendable {
        /// A complete response.
        case respond(status: Int, headers: [String: String] = [:], body: String)
        /// `200 text/event-stream`, the body, then close (body ends at close).
        case sse(String)
        /// Status line, headers announcing `Content-Length: declared`, `body`, then close early.
        case truncated(declared: Int, body: String)
        /// `200 text/event-stream`, `body`, then silence until the server stops.
        case stall(String)
        /// Close the connection right after reading the request.
        case hangUp
        /// `200 text/event-stream`, then each piece in its own write, 20 ms apart, then close.
        case sseChunks([String])
        /// The behaviour `make` returns for the request received (e.g. one echoing a header).
        case echo(@Sendable (Recorded) -> Behavior)
        /// `200 text/event-stream` in chunked transfer coding on a kept-alive connection, as
        /// llama.cpp's server (uvicorn) sends it: one chunk per event, `intervalMs` apart.
        case drip([String], intervalMs: Int)
    }

    struct Recorded: Sendable {
        var head: String
        var body: String

        /// The value of header `name` (case-insensitive), if the request had it.
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].lowercased() == name.lowercased() {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    let port: Int
    private let listener: Int32
    private let behaviors: [Behavior]
    private let lock = NSLock()
    private var recorded: [Recorded] = []
    private var stopped = false
    private let deadline: Date

    init(_ behaviors: [Behavior], lifetime: TimeInterval = 30) throws {
        self.behaviors = behaviors
        deadline = Date().addingTimeInterval(lifetime)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    var requests: [Recorded] { lock.lock(); defer { lock.unlock() }; return recorded }

    var isStopped: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped || Date() > deadline
    }

    func stop() {
        lock.lock()
        let was = stopped
        stopped = true
        lock.unlock()
        if !was { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    private func acceptLoop() {
        var index = 0
        while !isStopped {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            let n = poll(&pfd, 1, 50)
            if n <= 0 { continue }
            let conn = accept(listener, nil, nil)
            if conn < 0 { continue }
            let behavior = behaviors[min(index, behaviors.count - 1)]
            index += 1
            let t = Thread { [self] in serve(conn, behavior) }
            t.start()
        }
        stop()
    }

    private func readRequest(_ fd: Int32) -> Recorded? {
        var data = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var contentLength = 0
        while !isStopped {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 50) <= 0 { continue }
            let n = read(fd, &buf, buf.count)
            if n <= 0 { return nil }
            data.append(contentsOf: buf[0..<n])
            if headEnd == nil, let r = findHeadEnd(data) {
                headEnd = r
                let head = String(decoding: data[0..<r], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let h = headEnd, data.count >= h + 4 + contentLength {
                return Recorded(head: String(decoding: data[0..<h], as: UTF8.self),
                                body: String(decoding: data[(h + 4)..<(h + 4 + contentLength)], as: UTF8.self))
            }
        }
        return nil
    }

    private func findHeadEnd(_ d: [UInt8]) -> Int? {
        guard d.count >= 4 else { return nil }
        for i in 0...(d.count - 4) where d[i] == 13 && d[i + 1] == 10 && d[i + 2] == 13 && d[i + 3] == 10 { return i }
        return nil
    }

    private func send(_ fd: Int32, _ s: String) {
        let bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    private func serve(_ fd: Int32, _ behavior: Behavior) {
        defer { close(fd) }
        guard let req = readRequest(fd) else { return }
        lock.lock()
        recorded.append(req)
        lock.unlock()
        var behavior = behavior
        while case .echo(let make) = behavior { behavior = make(req) }
        switch behavior {
        case .echo:
            return
        case .sseChunks(let pieces):
            send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
            for piece in pieces {
                usleep(20_000)
                send(fd, piece)
            }
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) \(FaultServer.reason(status))\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
            if headers["Content-Type"] == nil { head += "Content-Type: application/json\r\n" }
            for (k, v) in headers { head += "\(k): \(v)\r\n" }
            send(fd, head + "\r\n" + body)
        case .sse(let body):
            send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body)
        case .truncated(let declared, let body):
            send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: \(declared)\r\nConnection: close\r\n\r\n" + body)
        case .stall(let body):
            send(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + body)
            while !isStopped {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let n = poll(&pfd, 1, 50)
                if n > 0 {
                    var b = [UInt8](repeating: 0, count: 256)
                    if read(fd, &b, b.count) <= 0 { return }  // client went away
                }
            }
        case .hangUp:
            return
        case .drip(let events, let intervalMs):
            send(fd, "HTTP/1.1 200 OK\r\nserver: uvicorn\r\nconnection: keep-alive\r\n"
                 + "content-type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n")
            for event in events {
                if isStopped { return }
                usleep(UInt32(intervalMs * 1000))
                send(fd, String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n")
            }
            send(fd, "0\r\n\r\n")
            // Keep the connection open, as a keep-alive server does, until the client closes it.
            while !isStopped {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 50) > 0 {
                    var b = [UInt8](repeating: 0, count: 256)
                    if read(fd, &b, b.count) <= 0 { return }
                }
            }
        }
    }
}
