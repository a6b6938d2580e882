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

/// Where the project's local-model files live: `.venv` (Python with llama-cpp-python) and
/// `.venv/models/*.gguf`, both made by `scripts/setup-model.sh`.
public enum ProjectRoot {
    /// The nearest folder at or above `start` that holds `Package.swift` and `scripts/`.
    public static func find(from start: URL) -> URL? {
        var dir = start.standardizedFileURL
        for _ in 0..<12 {
            let fm = FileManager.default
            if fm.fileExists(atPath: dir.appendingPathComponent("Package.swift").path),
               fm.fileExists(atPath: dir.appendingPathComponent("scripts").path) {
                return dir
            }
            let up = dir.deletingLastPathComponent()
            if up.path == dir.path { break }
            dir = up
        }
        return nil
    }

    /// The project root found from the running executable's location (it lives in
    /// `.build/...` of the project, also when started through a link on PATH), else from the
    /// current directory.
    public static func locate() -> URL? {
        if let real = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"),
           let r = find(from: URL(fileURLWithPath: real).deletingLastPathComponent()) {
            return r
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        if exe.path.hasPrefix("/"), let r = find(from: exe.deletingLastPathComponent()) { return r }
        return find(from: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }
}

/// A llama.cpp OpenAI-compatible server (`python -m llama_cpp.server`) run from the project's
/// `.venv` on a free loopback port. It is started through `scripts/serve_model.py`, which
/// stops the server when this process ends in any way (including SIGKILL), so no server is
/// left behind.
public final class LocalModelServer: @unchecked Sendable {
    /// The default model file name (without `.gguf`) under `.venv/models/`.
    public static let defaultModel = "qwen2.5-coder-1.5b-instruct-q4_k_m"
    /// The command that sets everything up.
    public static let setupCommand = "scripts/setup-model.sh"

    /// `http://127.0.0.1:PORT/v1`.
    public let baseURL: String
    public let port: Int
    /// Model name shown and recorded (the file name without `.gguf`).
    public let modelName: String
    /// The server's output (for diagnosing a failed start).
    public let logURL: URL
    private let process: Process
    private let stdinPipe: Pipe
    private let stopped = Locked(false)

    private init(baseURL: String, port: Int, modelName: String, logURL: URL, process: Process, stdinPipe: Pipe) {
        self.baseURL = baseURL
        self.port = port
        self.modelName = modelName
        self.logURL = logURL
        self.process = process
        self.stdinPipe = stdinPipe
    }

    deinit { stop() }

    /// The model file for a study's `model` setting: a path (absolute, or relative to the
    /// project root) when it names a `.gguf` file or holds a `/`, else `.venv/models/<name>.gguf`.
    public static func modelFile(_ model: String?, root: URL) -> URL {
        let name = model ?? defaultModel
        if name.hasPrefix("/") { return URL(fileURLWithPath: name) }
        if name.contains("/") || name.hasSuffix(".gguf") { return root.appendingPathComponent(name) }
        return root.appendingPathComponent(".venv/models/\(name).gguf")
    }

    /// What is missing for the local model, as an error naming the command that fixes it.
    public static func checkSetup(root: URL, model: String?) -> AssistantError? {
        let fm = FileManager.default
        let python = root.appendingPathComponent(".venv/bin/python").path
        let small = (model ?? "").hasPrefix("smollm2") ? " --small" : ""
        if !fm.isExecutableFile(atPath: python) {
            return .configuration("the local model is not set up (no \(root.path)/.venv): run \(setupCommand)\(small) in \(root.path)")
        }
        let file = modelFile(model, root: root)
        if !fm.fileExists(atPath: file.path) {
            let hint = model == nil || model == defaultModel || !small.isEmpty
                ? "run \(setupCommand)\(small) in \(root.path)"
                : "put the GGUF file there, or run \(setupCommand) for the default model"
            return .configuration("model file \(file.path) is missing: \(hint)")
        }
        if !fm.fileExists(atPath: root.appendingPathComponent("scripts/serve_model.py").path) {
            return .configuration("scripts/serve_model.py is missing from \(root.path)")
        }
        return nil
    }

    /// Binds a TCP socket to 127.0.0.1:`port` (0 = any free port) and returns the port it got,
    /// or nil when that port is taken. The socket is closed again at once.
    static func bindLoopback(_ port: Int) throws -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw AssistantError.configuration("cannot create a socket (errno \(errno))") }
        defer { close(fd) }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { throw AssistantError.configuration("cannot read the bound port (errno \(errno))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether `port` on 127.0.0.1 can be bound now.
    static func portIsFree(_ port: Int) throws -> Bool { try bindLoopback(port) != nil }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        guard let port = try bindLoopback(0) else {
            throw AssistantError.configuration("cannot bind a loopback port (errno \(errno))")
        }
        return port
    }

    /// Start the server for `model` and wait until it answers `/v1/models`.
    /// - Parameters:
    ///   - logitsAll: keep logits for every token (needed for log-probabilities; costs memory
    ///     and speed, so chat runs without it).
    ///   - startupTimeout: give up (and stop the process) after this many seconds.
    ///   - progress: called about once a second while waiting.
    public static func start(root: URL, model: String?, logitsAll: Bool = false, contextTokens: Int = 16384,
                             startupTimeout: Double = 180, port fixedPort: Int? = nil,
                             progress: @Sendable (String) -> Void = { _ in }) async throws -> LocalModelServer {
        if let problem = checkSetup(root: root, model: model) { throw problem }
        let file = modelFile(model, root: root)
        let name = file.deletingPathExtension().lastPathComponent
        if let p = fixedPort, !(try portIsFree(p)) {
            throw AssistantError.configuration("port \(p) on 127.0.0.1 is in use (is a model server already running there?)")
        }
        let port = try fixedPort ?? freePort()
        let log = FileManager.default.temporaryDirectory
            .appendingPathComponent("oversight-llama-\(getpid())-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle: FileHandle
        do { logHandle = try FileHandle(forWritingTo: log) } catch {
            throw AssistantError.configuration("cannot write the server log \(log.path)")
        }
        let process = Process()
        process.executableURL = root.appendingPathComponent(".venv/bin/python")
        process.arguments = [
            root.appendingPathComponent("scripts/serve_model.py").path, "--",
            "--model", file.path, "--host", "127.0.0.1", "--port", String(port),
            "--n_ctx", String(contextTokens), "--logits_all", logitsAll ? "True" : "False",
            // By default the server ends a streaming reply early (a bare [DONE]) as soon as
            // another request waits: two debaters asked at once, or two participants sharing
            // one server, would cut each other off. Requests wait their turn instead.
            "--interrupt_requests", "False",
        ]
        process.currentDirectoryURL = root
        let stdinPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = logHandle
        process.standardError = logHandle
        do { try process.run() } catch {
            throw AssistantError.configuration("cannot start \(root.path)/.venv/bin/python: \(error.localizedDescription)")
        }
        try? logHandle.close()
        let server = LocalModelServer(baseURL: "http://127.0.0.1:\(port)/v1", port: port, modelName: name,
                                      logURL: log, process: process, stdinPipe: stdinPipe)
        let started = DispatchTime.now().uptimeNanoseconds
        var lastReport = -1
        while true {
            if Task.isCancelled {
                server.stop()
                throw AssistantError.cancelled
            }
            if !process.isRunning {
                let tail = server.logTail()
                server.stop()
                throw AssistantError.unreachable("the local model server exited during start-up (status \(process.terminationStatus)): \(tail)")
            }
            if await server.answers() { return server }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            if elapsed > startupTimeout {
                server.stop()
                throw AssistantError.timeout(seconds: startupTimeout)
            }
            if Int(elapsed) != lastReport {
                lastReport = Int(elapsed)
                progress("starting the local model… \(lastReport) s")
            }
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
    }

    /// Whether `GET /v1/models` answers 200 now.
    func answers() async -> Bool {
        guard let url = URL(string: baseURL + "/models") else { return false }
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        do {
            _ = try await ChatHTTP.fetch(request, idleTimeout: 2, secrets: [])
            return true
        } catch {
            return false
        }
    }

    /// Last line of the server log, shortened (for start-up errors).
    func logTail() -> String {
        guard let data = FileManager.default.contents(atPath: logURL.path) else { return "no output" }
        let lines = String(decoding: data.suffix(4096), as: UTF8.self).split(whereSeparator: \.isNewline)
        let last = lines.last(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }).map(String.init) ?? "no output"
        return "\(last.prefix(200)) (log: \(logURL.path))"
    }

    /// Whether the server process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Why the server ended by itself: its exit status and the last line of its output.
    public var exitDescription: String {
        "status \(process.terminationStatus): \(logTail())"
    }

    /// Process id of the wrapper that owns the server.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Stop the server (idempotent) without waiting for it: close the wrapper's stdin and send
    /// it SIGTERM, then return. The wrapper (`scripts/serve_model.py`) ends the server within
    /// about a second (SIGTERM, then SIGKILL), and the server also dies with the wrapper, so the
    /// app can exit at once (llama.cpp's server alone takes about 5 s to leave after SIGTERM).
    public func stop() {
        let already = stopped.with { s -> Bool in
            defer { s = true }
            return s
        }
        if already { return }
        try? stdinPipe.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        try? FileManager.default.removeItem(at: logURL)
    }
}

/// The local model: an OpenAI-compatible assistant talking to a `LocalModelServer`.
public struct LocalAssistant: Assistant {
    public let provider = "local"
    public let model: String?
    let inner: OpenAIAssistant

    /// Use `server` with the study's generation settings.
    public init(server: LocalModelServer, config: AssistantConfig) throws {
        var c = config
        c.baseURL = server.baseURL
        c.apiKeyEnv = nil
        c.model = server.modelName
        // A first reply over a long passage takes a while on a CPU: keep the connection.
        c.timeoutSeconds = max(config.timeoutSeconds, 300)
        inner = try OpenAIAssistant(config: c, environment: [:], provider: .local,
                                    retry: RetryPolicy(maxAttempts: 2, baseDelay: 1, maxDelay: 5))
        model = server.modelName
    }

    public func stream(_ request: AssistantRequest) -> AsyncThrowingStream<AssistantChunk, Error> {
        inner.streamMessages(request.messages, maxTokens: nil, waitingLabel: LocalAssistant.waitingLabel(request.messages))
    }

    /// "reading the passage" when the context holds a long text, else "thinking".
    static func waitingLabel(_ messages: [ChatMessage]) -> String {
        messages.contains { $0.role == .user && $0.content.count > 2000 } ? "reading the passage" : "thinking"
    }

    public func prepare(_ request: AssistantRequest) async {
        await warm(request) { _ in }
    }

    /// Have the server read the conversation so far (the passage) into its cache with a
    /// one-token reply, reporting progress; the participant's first reply then starts fast.
    public func warm(_ request: AssistantRequest, progress: @escaping @Sendable (String) -> Void) async {
        await inner.preRead(request.messages, waitingLabel: LocalAssistant.waitingLabel(request.messages), progress: progress)
    }
}
