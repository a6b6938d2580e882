import ArgumentParser
import Foundation
import TmuxSupport
import OversightCore
#if canImport(Glibc)
import Glibc
#endif

/// `oversight-bench serve`: many participants at once through `oversight serve ssh`.
struct ServeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Measure keystroke-to-echo latency and memory with many participants at once through serve ssh.",
        discussion: """
            Starts the real `oversight serve ssh` (binary next to this one, or --app) on loopback for a \
            study with a simulated assistant, then connects --participants OpenSSH clients at once \
            (`ssh -tt`, each in a pseudo-terminal of this process, 100x30, key pair made here). Each \
            enters its id, reaches an assisted MMLU question, opens the chat input (F4) and types \
            --keys letters one at a time: the latency of a key is the time from writing it to the \
            client's terminal until that letter comes back in the client's screen output. While all \
            are on the question, the resident memory (VmRSS) of each participant's oversight process \
            is read. Then every client hangs up; each log must end with a hangup quit and pass \
            `oversight verify`. Needs root (sshd); run a release build: \
            swift build -c release && sudo .build/release/oversight-bench serve.
            """
    )

    @Option(help: "Participants connected at once.")
    var participants = 20

    @Option(help: "Keys each participant types into the chat input (each one measured).")
    var keys = 40

    @Option(help: "The app binary (default: oversight next to this benchmark).")
    var app: String?

    @Option(help: "Seconds a participant may wait for one screen before the run fails.")
    var timeout = 120

    func run() throws {
        guard geteuid() == 0 else { throw ValidationError("needs root: serve ssh starts sshd") }
        guard participants >= 1, keys >= 1 else { throw ValidationError("--participants and --keys must be at least 1") }
        let appPath = app ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("oversight").path
        guard FileManager.default.isExecutableFile(atPath: appPath) else {
            throw ValidationError("\(appPath) not built (swift build -c release --product oversight)")
        }
        let stage = try Stage(app: appPath)
        defer { stage.remove() }
        print("serve benchmark: \(participants) participants at once through serve ssh, \(keys) keys each; app \(appPath)")
        let gateway = try stage.startGateway()
        defer { gateway.stop() }

        let results = Results()
        let typed = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let started = Date()
        var threads: [Thread] = []
        for i in 1...participants {
            let run = ParticipantRun(id: String(format: "bench%03d", i), stage: stage, port: gateway.port,
                                     keys: keys, timeout: TimeInterval(timeout))
            let thread = Thread {
                let result = run.perform(typed: typed, release: release)
                results.add(result)
            }
            thread.stackSize = 1 << 20
            threads.append(thread)
            thread.start()
        }
        for _ in 1...participants { typed.wait() }
        let typingDone = Date()
        let memory = stage.participantRSS()
        for _ in 1...participants { release.signal() }
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while results.all.count < participants && Date() < deadline { usleep(50_000) }
        let all = results.all
        let failures = all.compactMap(\.failure)
        for f in failures.prefix(5) { print("  failed: \(f)") }
        guard failures.isEmpty, all.count == participants else {
            let errors = (try? String(contentsOf: stage.dir.appendingPathComponent("serve.err"), encoding: .utf8)) ?? ""
            print("  serve ssh said (last lines):\n" + errors.split(separator: "\n").suffix(15).map { "    " + $0 }.joined(separator: "\n"))
            throw LaunchTimer.Failure(description: "\(failures.count) of \(participants) participants failed")
        }

        let latencies = all.flatMap(\.latencies).sorted()
        func quantile(_ q: Double, _ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs[min(xs.count - 1, Int((Double(xs.count) * q).rounded(.up)) - 1)] }
        print(String(format: "  all %d participants on the question and typing done in %.1f s", participants, typingDone.timeIntervalSince(started)))
        print(String(format: "  keystroke to echo (%d keys): median %.1f ms, p95 %.1f ms, max %.1f ms",
                     latencies.count, quantile(0.5, latencies), quantile(0.95, latencies), latencies.last ?? .nan))
        let mib = memory.map { Double($0) / 1024 }.sorted()
        print(String(format: "  memory per participant (VmRSS of its oversight process, %d processes): median %.1f MiB, max %.1f MiB",
                     mib.count, quantile(0.5, mib), mib.last ?? .nan))
        if memory.count != participants { print("  warning: found \(memory.count) participant processes, expected \(participants)") }

        let verified = try stage.verifyLogs(all.map(\.participant))
        print("  logs: \(verified.ok) of \(participants) end with a hangup quit and pass oversight verify")
        for problem in verified.problems.prefix(5) { print("  \(problem)") }
        guard verified.ok == participants else { throw ExitCode(1) }
    }
}

/// The participants' results, gathered from their threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [ParticipantRun.Result] = []
    func add(_ result: ParticipantRun.Result) { lock.lock(); results.append(result); lock.unlock() }
    var all: [ParticipantRun.Result] { lock.lock(); defer { lock.unlock() }; return results }
}

/// The folder a run works in: the app, the study and its bank, the key pair, the logs. Under
/// /tmp, which the gateway account can reach.
private final class Stage: @unchecked Sendable {
    let dir: URL
    let app: String
    let study: String
    let key: String
    let sessions: URL
    static let studyID = "bench-serve"

    init(app source: String) throws {
        let fm = FileManager.default
        dir = URL(fileURLWithPath: "/tmp/oversight-serve-bench-\(getpid())")
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir.appendingPathComponent("mmlu"), withIntermediateDirectories: true)
        app = dir.appendingPathComponent("oversight").path
        try fm.copyItem(atPath: source, toPath: app)
        chmod(dir.path, 0o755)
        chmod(app, 0o755)
        let rows = (1...20).map { "BENCHQ\($0) Which of these is number \($0)?,alpha \($0),beta \($0),gamma \($0),delta \($0),\(["A", "B", "C", "D"][$0 % 4])" }
        try (rows.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("mmlu/bench_val.csv"), atomically: true, encoding: .utf8)
        try "Welcome to the benchmark study.\n".write(to: dir.appendingPathComponent("instructions.md"), atomically: true, encoding: .utf8)
        study = dir.appendingPathComponent("study.toml").path
        try """
            [study]
            id = "\(Self.studyID)"
            seed = 5
            instructions = "instructions.md"

            [[blocks]]
            condition = "assisted"
            bank = "mmlu"
            questions = 3

            [assistant]
            provider = "simulated"
            accuracy = 0.6
            word_delay_ms = 20

            """.write(toFile: study, atomically: true, encoding: .utf8)
        sessions = dir.appendingPathComponent("Sessions")
        key = dir.appendingPathComponent("participant_key").path
        let made = try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f", key])
        guard made.status == 0 else { throw LaunchTimer.Failure(description: "ssh-keygen failed: \(made.output)") }
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    struct Gateway {
        let process: Process
        let port: Int
        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
    }

    func startGateway() throws -> Gateway {
        let port = try Loopback.freePort()
        let out = dir.appendingPathComponent("serve.out"), err = dir.appendingPathComponent("serve.err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: app)
        process.arguments = ["serve", "ssh", "--study", study, "--port", String(port), "--authorized-keys", key + ".pub",
                             "--sessions", sessions.path]
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while !((try? String(contentsOf: out, encoding: .utf8)) ?? "").contains("Stop with Ctrl-C.") {
            guard process.isRunning, Date() < deadline else {
                let errors = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
                if process.isRunning { kill(process.processIdentifier, SIGTERM) }
                throw LaunchTimer.Failure(description: "serve ssh did not start: \(errors)")
            }
            usleep(50_000)
        }
        return Gateway(process: process, port: port)
    }

    /// VmRSS in KiB of every participant's oversight process of this study.
    func participantRSS() -> [Int] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> Int? in
            guard Int32(name) != nil, let raw = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard args.count > 2, args[0] == app, args[1] == "run", args.contains(study),
                  let status = try? String(contentsOfFile: "/proc/\(name)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
    }

    /// Waits for each participant's hangup quit, then runs `oversight verify` on the logs.
    func verifyLogs(_ ids: [String]) throws -> (ok: Int, problems: [String]) {
        var ok = 0
        var problems: [String] = []
        for id in ids {
            let url = SessionPaths.logURL(root: sessions, studyID: Self.studyID, participant: id)
            let deadline = Date().addingTimeInterval(30)
            var last = SessionLogReader.read(url: url)
            while Date() < deadline, last.records.last.map({ if case .quit = $0.event { false } else { true } }) ?? true {
                usleep(50_000)
                last = SessionLogReader.read(url: url)
            }
            guard case .quit(let reason)? = last.records.last?.event, reason == "hangup" else {
                problems.append("\(id): the log does not end with a hangup quit (\(last.records.map(\.event.type).suffix(3)))")
                continue
            }
            let verify = try Self.run(app, ["verify", url.path])
            if verify.status == 0 { ok += 1 } else { problems.append("\(id): verify: \(verify.output)") }
        }
        return (ok, problems)
    }

    static func run(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// One participant: an `ssh -tt` client in a pseudo-terminal of this process.
private final class ParticipantRun: @unchecked Sendable {
    struct Result {
        var participant: String
        var latencies: [Double] = []
        var failure: String?
    }

    let id: String
    let stage: Stage
    let port: Int
    let keys: Int
    let timeout: TimeInterval
    private var master: Int32 = -1
    private var child: pid_t = 0
    private var pending = [UInt8]()

    init(id: String, stage: Stage, port: Int, keys: Int, timeout: TimeInterval) {
        self.id = id
        self.stage = stage
        self.port = port
        self.keys = keys
        self.timeout = timeout
    }

    /// Letters that none of the terminal's control sequences for this screen contain, so one
    /// coming back is the echo of the key.
    static let letters = Array("qwzxvkjy".utf8)

    func perform(typed: DispatchSemaphore, release: DispatchSemaphore) -> Result {
        var result = Result(participant: id)
        defer { hangUp() }
        do {
            try connect()
            try waitFor("Participant ID")
            try send(Array((id + "\r").utf8))
            try waitFor("Welcome to the benchmark")
            try send([13])
            try waitFor("BENCHQ")
            try send(Array("\u{1b}OS".utf8))  // F4: the chat input
            try settle()
            for k in 0..<keys {
                let letter = Self.letters[k % Self.letters.count]
                pending.removeAll()
                let start = DispatchTime.now().uptimeNanoseconds
                try send([letter])
                try waitForByte(letter)
                result.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                try settle()
            }
        } catch {
            result.failure = "\(id): \(error)"
        }
        typed.signal()
        release.wait()
        return result
    }

    private func connect() throws {
        var size = winsize(ws_row: 30, ws_col: 100, ws_xpixel: 0, ws_ypixel: 0)
        var fd: Int32 = -1
        let args = ["/usr/bin/ssh", "-tt", "-i", stage.key, "-p", String(port), "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "study@127.0.0.1"]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment: [String] = ["TERM=xterm-256color", "LANG=C.UTF-8", "PATH=/usr/bin:/bin"]
        let env: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { env.forEach { free($0) } }
        let pid = forkpty(&fd, nil, nil, &size)
        if pid == 0 {
            var none = sigset_t()
            sigemptyset(&none)
            sigprocmask(SIG_SETMASK, &none, nil)
            execve(args[0], argv, env)
            _exit(127)
        }
        guard pid > 0 else { throw LaunchTimer.Failure(description: "forkpty failed: \(String(cString: strerror(errno)))") }
        child = pid
        master = fd
    }

    private func send(_ bytes: [UInt8]) throws {
        let n = bytes.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw LaunchTimer.Failure(description: "write to the client failed") }
    }

    /// Reads what arrives within `ms` milliseconds (or nothing); false at end of file.
    @discardableResult
    private func readSome(ms: Int32) throws -> Bool {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, ms) > 0 else { return true }
        var chunk = [UInt8](repeating: 0, count: 8192)
        let n = read(master, &chunk, chunk.count)
        guard n > 0 else { throw LaunchTimer.Failure(description: "the client's connection ended") }
        pending.append(contentsOf: chunk[0..<n])
        return true
    }

    private func waitFor(_ text: String) throws {
        let needle = Array(text.utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let range = pending.firstRange(of: needle) {
                pending.removeSubrange(..<range.upperBound)
                return
            }
            try readSome(ms: 100)
        }
        throw LaunchTimer.Failure(description: "\"\(text)\" did not appear within \(Int(timeout)) s")
    }

    private func waitForByte(_ byte: UInt8) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if pending.contains(byte) { return }
            try readSome(ms: 100)
        }
        throw LaunchTimer.Failure(description: "the echo of a key did not come within \(Int(timeout)) s")
    }

    /// Reads until the screen is quiet for 30 ms, so the next key starts from a drawn screen.
    private func settle() throws {
        var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, 30) > 0 {
            try readSome(ms: 0)
        }
        pending.removeAll()
    }

    private func hangUp() {
        if child > 0 {
            kill(child, SIGKILL)
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }
        if master >= 0 { close(master) }
    }
}
