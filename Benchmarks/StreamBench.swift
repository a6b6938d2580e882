import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore
import TmuxSupport
#if canImport(Glibc)
import Glibc
#endif

/// `oversight-bench stream`: what a streamed reply costs the app, and its time to first token
/// against the same request sent straight to the server.
struct StreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Measure the app's CPU time per second of streamed reply, and time to first token.",
        discussion: """
            CPU: the real `oversight run` binary (next to this one, or --app) runs in a private \
            120x40 tmux pane on an assisted MMLU question whose assistant is a loopback server that \
            streams --events events --interval-ms apart in chunked transfer coding on a kept-alive \
            connection, as llama.cpp's server does. A message is sent; the app's CPU time (user + \
            system, from /proc) from Enter until the reply is logged is divided by the reply's \
            length from the log. With --local-model the same is measured against llama.cpp's server \
            with that model, and the time to first token in the app (ttft_ms in the log) is compared \
            with the same request sent straight to the server by this process.
            Target: well under 0.1 CPU s per s of reply (the app only draws what arrives).
            """
    )

    @Option(help: "Events the loopback server streams per reply.")
    var events = 200

    @Option(help: "Milliseconds between events (20 = a model writing 50 tokens a second).")
    var intervalMs = 20

    @Option(help: "Replies to measure.")
    var trials = 3

    @Option(help: "The app binary to measure (default: oversight next to this benchmark).")
    var app: String?

    @Option(help: "Also measure against llama.cpp's server with this model under .venv/models (e.g. smollm2-135m-instruct-q4_1).")
    var localModel: String?

    @Option(help: "Longest reply of the local model, in tokens.")
    var maxTokens = 120

    func run() async throws {
        let appPath = app ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("oversight").path
        guard FileManager.default.isExecutableFile(atPath: appPath) else {
            throw LaunchTimer.Failure(description: "\(appPath) not built (swift build -c release --product oversight)")
        }
        print("stream benchmark: \(appPath)")
        let server = try DripServer(events: events, intervalMs: intervalMs)
        defer { server.stop() }
        let loop = try AppStreamRun(app: appPath, baseURL: server.baseURL, model: "drip", maxTokens: nil)
        defer { loop.close() }
        let idle = try loop.idleCPU(seconds: 2)
        print(String(format: "  idle on the question screen: %.3f CPU s per s", idle))
        var perSecond: [Double] = []
        for k in 0..<trials {
            let r = try loop.reply("Tell me about the keeper, part \(k + 1).")
            perSecond.append(r.cpu / max(0.001, r.seconds))
            print(String(format: "  loopback reply %d: %.2f s streamed (%d events, %d ms apart), app used %.3f CPU s = %.3f CPU s per s",
                         k + 1, r.seconds, events, intervalMs, r.cpu, r.cpu / max(0.001, r.seconds)))
        }
        let sorted = perSecond.sorted()
        print(String(format: "  median: %.3f CPU s per s of streamed reply", sorted[sorted.count / 2]))

        if let localModel {
            try await measureLocal(appPath: appPath, model: localModel)
        }
    }

    /// The app and this process against llama.cpp's server: CPU per second of reply, and time to
    /// first token in the app against the same requests sent straight to the server.
    func measureLocal(appPath: String, model: String) async throws {
        guard let root = ProjectRoot.locate() else { throw LaunchTimer.Failure(description: "no project folder with .venv") }
        let server = try await LocalModelServer.start(root: root, model: model, contextTokens: 4096)
        defer { server.stop() }
        print("  llama.cpp server with \(server.modelName) at \(server.baseURL):")
        var config = AssistantConfig()
        config.provider = .openai
        config.baseURL = server.baseURL
        config.model = server.modelName
        config.maxTokens = maxTokens
        config.temperature = 0
        config.timeoutSeconds = 300
        let direct = try OpenAIAssistant(config: config, environment: [:], retry: .none)
        // One request first so neither side pays for loading the model.
        _ = try await Self.ttft(direct, "Say hello.")
        let loop = try AppStreamRun(app: appPath, baseURL: server.baseURL, model: server.modelName, maxTokens: maxTokens)
        defer { loop.close() }
        var appTTFT: [Double] = [], directTTFT: [Double] = [], cpu: [Double] = []
        for k in 0..<trials {
            // Distinct questions, so no request profits from the one before (prompt cache).
            let a = try loop.reply("Question \(2 * k + 1): why is the sky blue? Explain in detail.")
            let d = try await Self.ttft(direct, "Question \(2 * k + 2): why is the sky blue? Explain in detail.")
            appTTFT.append(a.ttftMs)
            directTTFT.append(d)
            cpu.append(a.cpu / max(0.001, a.seconds))
            print(String(format: "    reply %d: app %.0f ms to first token, %.2f s, %.3f CPU s per s; straight to the server %.0f ms to first token",
                         k + 1, a.ttftMs, a.seconds, a.cpu / max(0.001, a.seconds), d))
        }
        func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        print(String(format: "    median time to first token: app %.0f ms, straight to the server %.0f ms; app CPU %.3f s per s of reply",
                     median(appTTFT), median(directTTFT), median(cpu)))
    }

    /// Milliseconds from sending `text` to the first reply text, straight to the server.
    static func ttft(_ assistant: OpenAIAssistant, _ text: String) async throws -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        var first: UInt64?
        for try await chunk in assistant.stream(AssistantRequest(id: 1, messages: [ChatMessage(role: .user, content: text)],
                                                                 question: nil)) {
            if case .text(let t) = chunk, !t.isEmpty, first == nil { first = DispatchTime.now().uptimeNanoseconds }
        }
        return Double((first ?? DispatchTime.now().uptimeNanoseconds) - started) / 1e6
    }
}

/// The app on an assisted MMLU question in a private tmux server, talking to `baseURL`.
final class AppStreamRun {
    struct Reply { var seconds: Double; var cpu: Double; var ttftMs: Double }

    private let tmux: TmuxServer
    private let dir: URL
    private let log: URL
    private let pid: pid_t
    private var replies = 0

    init(app: String, baseURL: String, model: String, maxTokens: Int?) throws {
        let tmux = try TmuxServer(socketPrefix: "oversight-stream")
        self.tmux = tmux
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-stream-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("mmlu"), withIntermediateDirectories: true)
        try "STREAM-Q1 Which planet is closest to the Sun?,Mercury,Venus,Earth,Mars,A\n"
            .write(to: dir.appendingPathComponent("mmlu/astronomy_val.csv"), atomically: true, encoding: .utf8)
        try """
            [study]
            id = "stream"
            seed = 1
            feedback = false

            [[blocks]]
            condition = "assisted"
            bank = "mmlu"
            questions = 1

            [assistant]
            provider = "openai"
            base_url = "\(baseURL)"
            model = "\(model)"
            temperature = 0
            timeout_seconds = 300
            \(maxTokens.map { "max_tokens = \($0)" } ?? "")
            """.write(to: dir.appendingPathComponent("study.toml"), atomically: true, encoding: .utf8)
        log = dir.appendingPathComponent("Sessions/stream/p1.jsonl")
        let status = try tmux.newSession("app", cols: 120, rows: 40, command: [
            "env", "LANG=C.UTF-8", "TERM=tmux-256color", app, "run", "--study",
            dir.appendingPathComponent("study.toml").path, "--participant", "p1", "--sessions",
            dir.appendingPathComponent("Sessions").path,
        ])
        guard status == 0 else { throw LaunchTimer.Failure(description: "tmux new-session failed (\(status))") }
        try Self.wait(20, "the question screen") {
            (try? tmux.capture("app"))?.contains("STREAM-Q1") == true
        }
        pid = try tmux.panePID("app")
    }

    func close() {
        tmux.shutdown()
        try? FileManager.default.removeItem(at: dir)
    }

    /// CPU seconds per second while the app waits on the question screen.
    func idleCPU(seconds: Double) throws -> Double {
        let before = try cpuSeconds()
        usleep(UInt32(seconds * 1e6))
        return (try cpuSeconds() - before) / seconds
    }

    /// Send `text` to a fresh context (Ctrl-R first, so every request is as long as the one sent
    /// straight to the server), wait until its reply is logged; the reply's length and ttft from
    /// the log and the app's CPU time over the exchange.
    func reply(_ text: String) throws -> Reply {
        if replies > 0 { _ = try tmux.run(["send-keys", "-t", "app", "C-r"]) }
        let cpuBefore = try cpuSeconds()
        _ = try tmux.run(["send-keys", "-t", "app", "-l", "--", text])
        _ = try tmux.run(["send-keys", "-t", "app", "Enter"])
        replies += 1
        var found: AssistantReply?
        try Self.wait(600, "reply \(replies) in the log") {
            let replies = SessionLogReader.read(url: self.log).records.compactMap { r -> AssistantReply? in
                if case .assistantReply(let a) = r.event { return a } else { return nil }
            }
            if replies.count >= self.replies { found = replies.last }
            return found != nil
        }
        let cpu = try cpuSeconds() - cpuBefore
        guard let r = found else { throw LaunchTimer.Failure(description: "no reply") }
        guard r.status == .complete else { throw LaunchTimer.Failure(description: "reply \(r.status): \(r.error ?? "")") }
        return Reply(seconds: Double(r.durationMs) / 1000, cpu: cpu, ttftMs: Double(r.ttftMs ?? r.durationMs))
    }

    /// User + system CPU seconds of the app so far (all its threads).
    private func cpuSeconds() throws -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { throw LaunchTimer.Failure(description: "the app is gone") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, utime 14 and stime 15 (1-based over the whole line).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw LaunchTimer.Failure(description: "unreadable /proc/\(pid)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func wait(_ seconds: Double, _ what: String, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { throw LaunchTimer.Failure(description: "timed out waiting for \(what)") }
            usleep(20_000)
        }
    }
}

/// A loopback OpenAI-compatible server that streams a fixed reply: `events` chunks of SSE,
/// `intervalMs` apart, in chunked transfer coding on a kept-alive connection.
final class DripServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let events: Int
    private let intervalMs: Int
    private let stopped = NSLock()
    private var isStopped = false

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    init(events: Int, intervalMs: Int) throws {
        self.events = events
        self.intervalMs = intervalMs
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LaunchTimer.Failure(description: "socket failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(fd, 16) == 0 else { close(fd); throw LaunchTimer.Failure(description: "bind failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    private var done: Bool { stopped.lock(); defer { stopped.unlock() }; return isStopped }

    func stop() {
        stopped.lock()
        let was = isStopped
        isStopped = true
        stopped.unlock()
        if !was { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
    }

    private func acceptLoop() {
        while !done {
            var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) <= 0 { continue }
            let conn = accept(listener, nil, nil)
            if conn >= 0 { Thread { [self] in serve(conn) }.start() }
        }
    }

    private func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var request = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        // Read the head and the body (Content-Length).
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { return }
            request.append(contentsOf: buf[0..<n])
            let text = String(decoding: request, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { continue }
            let head = text[..<end.lowerBound].lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length { break }
        }
        let head = "HTTP/1.1 200 OK\r\nserver: uvicorn\r\nconnection: keep-alive\r\n"
            + "content-type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
        guard send(fd, head) else { return }
        for i in 0...events {
            usleep(UInt32(intervalMs * 1000))
            let event = i == events ? "data: [DONE]\n\n"
                : "data: {\"model\":\"drip\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word\(i) \"}}]}\n\n"
            guard send(fd, String(event.utf8.count, radix: 16) + "\r\n" + event + "\r\n") else { return }
        }
        guard send(fd, "0\r\n\r\n") else { return }
        // Kept alive until the client closes.
        while !done {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, 200) > 0, read(fd, &buf, buf.count) <= 0 { return }
        }
    }
}
