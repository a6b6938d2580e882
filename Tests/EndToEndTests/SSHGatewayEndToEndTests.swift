import Foundation
import OversightCore
import TmuxSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `oversight serve ssh` against a real OpenSSH server on loopback: participants connect with the
/// `ssh` client inside tmux, with a key pair made here by ssh-keygen.
final class SSHGatewayEndToEndTests: XCTestCase {
    private var fixture: StudyFixture!
    private var key = ""
    private var authorizedKeys = ""

    private let block = StudyFixture.block("assisted", bank: "quality", questions: 2)

    override func setUpWithError() throws {
        guard geteuid() == 0 else { throw XCTSkip("serve ssh needs root (sshd switches to the gateway account)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") else {
            throw XCTSkip("OpenSSH is not installed: run scripts/setup.sh (packages openssh-server, openssh-client)")
        }
        fixture = try StudyFixture()
        key = fixture.dir.appendingPathComponent("participant_key").path
        authorizedKeys = key + ".pub"
        let made = try Self.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "e2e", "-f", key])
        XCTAssertEqual(made.status, 0, made.output)
    }

    override func tearDown() { fixture = nil }

    // MARK: - Helpers

    /// A running `oversight serve ssh`.
    private final class Gateway {
        let process = Process()
        let out: URL, err: URL
        let port: Int
        var sshdPID: pid_t = 0
        var stateDir = ""

        init(fixture: StudyFixture, study: String, port: Int, keys: String) throws {
            self.port = port
            out = fixture.dir.appendingPathComponent("serve-\(port).out")
            err = fixture.dir.appendingPathComponent("serve-\(port).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            // The gateway account runs the binary: serve a copy it can reach.
            process.executableURL = URL(fileURLWithPath: try fixture.gatewayBinary())
            process.arguments = ["serve", "ssh", "--study", study, "--port", String(port),
                                 "--authorized-keys", keys, "--sessions", fixture.sessions.path]
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

        /// Waits for the "Participants type:" line; reads sshd's pid and folder from the output.
        func waitReady(timeout: TimeInterval = 30) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while !stdout.contains("Stop with Ctrl-C.") {
                guard process.isRunning, Date() < deadline else {
                    XCTFail("serve ssh did not get ready; stdout:\n\(stdout)\nstderr:\n\(stderr)")
                    throw TmuxError.timeout("serve ssh ready")
                }
                usleep(50_000)
            }
            let text = stdout
            if let range = text.range(of: "sshd pid ") {
                sshdPID = pid_t(text[range.upperBound...].prefix(while: \.isNumber)) ?? 0
            }
            if let range = text.range(of: "its files in ") {
                stateDir = String(text[range.upperBound...].prefix(while: { $0 != "\n" }).dropLast())
            }
            XCTAssertGreaterThan(sshdPID, 0, "the output names sshd's pid:\n\(text)")
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
    }

    private static func run(_ path: String, _ args: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    /// Connects to 127.0.0.1:`port`; nil when refused. Returns what arrives before EOF or `wait`.
    private static func connectAndRead(port: Int, wait: TimeInterval) -> Data? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else { return nil }
        var received = Data()
        let deadline = Date().addingTimeInterval(wait)
        var buffer = [UInt8](repeating: 0, count: 256)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return received
    }

    private func sshArgs(_ port: Int) -> [String] {
        ["-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
         "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"]
    }

    private func waitForLog(_ url: URL, _ what: String, timeout: TimeInterval = 20,
                            _ predicate: (LogReadResult) -> Bool) throws -> LogReadResult {
        let deadline = Date().addingTimeInterval(timeout)
        var last = SessionLogReader.read(url: url)
        while !predicate(last) {
            if Date() >= deadline {
                XCTFail("timed out waiting for \(what) in \(url.lastPathComponent); types: \(last.types)")
                throw TmuxError.timeout(what)
            }
            usleep(50_000)
            last = SessionLogReader.read(url: url)
        }
        return last
    }

    private func answerFirstQuestion(_ tmux: Tmux, _ s: String, log: URL) throws {
        try tmux.waitFor(s, text: "Welcome to the end-to-end study", timeout: 30)
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "QUALITY-Q", timeout: 20)
        try tmux.keys(s, "F3")
        try tmux.type(s, "b")
        try tmux.type(s, "3")
        try tmux.waitFor(s, text: "Press Enter to submit", timeout: 20)
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "Press Enter to continue", timeout: 20)
        _ = try waitForLog(log, "the submission") { $0.types.contains("submitted") }
    }

    // MARK: - Tests

    func testTwoParticipantsAtOnceThenOneDropsAndResumes() throws {
        let study = try fixture.writeStudy(name: "ssh.toml", id: "e2e-ssh", blocks: block)
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, keys: authorizedKeys)
        defer { gateway.stop() }
        try gateway.waitReady()
        XCTAssertTrue(gateway.stdout.contains("  ssh -p \(port) study@127.0.0.1\n"), "the line participants type:\n\(gateway.stdout)")

        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let connect = ["ssh", "-tt"] + sshArgs(port) + ["study@127.0.0.1"]
        for (s, id) in [("one", "p1"), ("two", "p2")] {
            try tmux.start(session: s, cols: 100, rows: 30, command: connect)
            try tmux.waitFor(s, text: "Participant ID:", timeout: 30)
            try tmux.type(s, id)
            try tmux.keys(s, "Enter")
        }
        let log1 = fixture.logURL(study: "e2e-ssh", participant: "p1")
        let log2 = fixture.logURL(study: "e2e-ssh", participant: "p2")
        try answerFirstQuestion(tmux, "one", log: log1)
        try answerFirstQuestion(tmux, "two", log: log2)

        // The connection of p1 drops: the client dies without a word to the server.
        let client = try tmux.panePID("one")
        kill(client, SIGKILL)
        let dropped = try waitForLog(log1, "the hangup quit") {
            if case .quit? = $0.records.last?.event { return true } else { return false }
        }
        guard case .quit(let reason)? = dropped.records.last?.event else { return XCTFail("no quit: \(dropped.types)") }
        XCTAssertEqual(reason, "hangup")
        XCTAssertFalse(SessionLogReader.read(url: log2).types.contains("quit"), "the other participant goes on")
        try tmux.waitFor("two", text: "Press Enter to continue")

        // The same person connects again and continues after the answered question.
        try tmux.start(session: "back", cols: 100, rows: 30, command: connect)
        try tmux.waitFor("back", text: "Participant ID:", timeout: 30)
        try tmux.type("back", "p1")
        try tmux.keys("back", "Enter")
        try tmux.waitFor("back", text: "You have started this study before", timeout: 20)
        try tmux.type("back", "y")
        try tmux.waitFor("back", text: "QUALITY-Q", timeout: 20)
        let resumed = try waitForLog(log1, "the resume") { $0.types.contains("session_resume") }
        XCTAssertEqual(resumed.types.filter { $0 == "session_start" }.count, 1, "the same session goes on")
        XCTAssertEqual(resumed.types.filter { $0 == "submitted" }.count, 1, "the answer given before the drop is kept")
    }

    func testWithoutATerminalOneLineAndNoCommandRuns() throws {
        let study = try fixture.writeStudy(name: "ssh.toml", id: "e2e-notty", blocks: block)
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, keys: authorizedKeys)
        defer { gateway.stop() }
        try gateway.waitReady()
        let marker = fixture.dir.appendingPathComponent("touched").path
        let result = try Self.run("/usr/bin/ssh", sshArgs(port) + ["study@127.0.0.1", "touch \(marker); id"])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.output, "", "nothing is drawn")
        XCTAssertEqual(result.errors, "This study needs an interactive terminal: connect with ssh -p \(port) study@127.0.0.1\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the client's command never runs")
    }

    func testForwardingIsRefused() throws {
        let study = try fixture.writeStudy(name: "ssh.toml", id: "e2e-fwd", blocks: block)
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, keys: authorizedKeys)
        defer { gateway.stop() }
        try gateway.waitReady()

        // -W (stdio forwarding) fails at once.
        let stdio = try Self.run("/usr/bin/ssh", sshArgs(port) + ["-W", "127.0.0.1:\(port)", "study@127.0.0.1"])
        XCTAssertEqual(stdio.status, 255, stdio.errors)

        // -L: the client listens, but the server opens no connection to the target (sshd itself,
        // which would greet with "SSH-2.0-").
        let local = try Loopback.freePort()
        let forwarder = Process()
        forwarder.executableURL = URL(fileURLWithPath: "/usr/bin/ssh")
        forwarder.arguments = sshArgs(port) + ["-N", "-L", "\(local):127.0.0.1:\(port)", "study@127.0.0.1"]
        forwarder.standardInput = FileHandle.nullDevice
        forwarder.standardOutput = FileHandle.nullDevice
        forwarder.standardError = FileHandle.nullDevice
        try forwarder.run()
        // With -N the client never ends by itself.
        defer { kill(forwarder.processIdentifier, SIGKILL); forwarder.waitUntilExit() }
        let deadline = Date().addingTimeInterval(20)
        var got: Data?
        while got == nil && Date() < deadline && forwarder.isRunning {
            got = Self.connectAndRead(port: local, wait: 3)
            if got == nil { usleep(100_000) }
        }
        guard let received = got else { return XCTFail("the client never listened on \(local)") }
        XCTAssertFalse(String(decoding: received, as: UTF8.self).contains("SSH-"), "nothing was forwarded")
        let logDeadline = Date().addingTimeInterval(10)
        while !gateway.stderr.contains("refused local port forward") && Date() < logDeadline { usleep(50_000) }
        XCTAssertTrue(gateway.stderr.contains("refused local port forward"), gateway.stderr)

    }

    func testStoppingTheCommandStopsSshdAlsoAfterKill9() throws {
        let study = try fixture.writeStudy(name: "ssh.toml", id: "e2e-stop", blocks: block)

        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, keys: authorizedKeys)
        try gateway.waitReady()
        XCTAssertNotNil(Self.connectAndRead(port: port, wait: 0.5), "sshd listens")
        kill(gateway.process.processIdentifier, SIGTERM)
        gateway.process.waitUntilExit()
        XCTAssertEqual(gateway.process.terminationStatus, 0, gateway.stderr)
        XCTAssertTrue(Loopback.waitGone(gateway.sshdPID), "sshd stops with the command")
        XCTAssertNil(Self.connectAndRead(port: port, wait: 0.5), "nobody listens any more")
        XCTAssertFalse(FileManager.default.fileExists(atPath: gateway.stateDir), "its files are removed")

        let again = try Gateway(fixture: fixture, study: study, port: port, keys: authorizedKeys)
        try again.waitReady()
        kill(again.process.processIdentifier, SIGKILL)
        again.process.waitUntilExit()
        XCTAssertTrue(Loopback.waitGone(again.sshdPID), "sshd stops also after kill -9 of the command")
        XCTAssertNil(Self.connectAndRead(port: port, wait: 0.5), "nobody listens any more")
        try? FileManager.default.removeItem(atPath: again.stateDir)
    }

    func testPasswordEnvIsRefusedWithoutShowingThePassword() throws {
        let study = try fixture.writeStudy(name: "ssh.toml", id: "e2e-pw", blocks: block)
        setenv("E2E_GATEWAY_SECRET", "hunter2-secret", 1)
        defer { unsetenv("E2E_GATEWAY_SECRET") }
        let result = try fixture.runApp(["serve", "ssh", "--study", study, "--port", "2222", "--authorized-keys",
                                         authorizedKeys, "--password-env", "E2E_GATEWAY_SECRET"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.hasPrefix("--password-env: password logins are not offered"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line")
        XCTAssertFalse((result.stdout + result.stderr).contains("hunter2-secret"))
    }
}
