import Foundation
import OversightCore
import TmuxSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `oversight serve web` with real servers (webssh from the project's .venv, a private OpenSSH
/// sshd) and a real browser: Debian's headless Chromium opens the page, the test reads what the
/// terminal drew from its canvas, types into it, and checks the session logs the app wrote.
final class WebGatewayEndToEndTests: XCTestCase {
    private var fixture: StudyFixture!
    private var python = ""

    private let block = StudyFixture.block("assisted", bank: "quality", questions: 2)

    override func setUpWithError() throws {
        guard geteuid() == 0 else { throw XCTSkip("serve web needs root (its sshd switches to the gateway account)") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw XCTSkip("OpenSSH is not installed: run scripts/setup.sh (package openssh-server)")
        }
        _ = try HeadlessChromium.path()
        python = StudyFixture.packageRoot.appendingPathComponent(".venv/bin/python").path
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import webssh"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard FileManager.default.isExecutableFile(atPath: python), (try? probe.run()) != nil else {
            throw XCTSkip("no .venv with webssh: run scripts/setup.sh")
        }
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { throw XCTSkip("webssh is not in .venv: run scripts/setup.sh") }
        fixture = try StudyFixture()
    }

    override func tearDown() { fixture = nil }

    // MARK: - Helpers

    /// A study whose ids must look like p1, p2, ...
    private func writeStudy(id: String) throws -> String {
        let path = try fixture.writeStudy(name: "\(id).toml", id: id, blocks: block)
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "[study]\n", with: "[study]\nparticipant_pattern = \"^p[0-9]$\"\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A running `oversight serve web`, started from a copy of the binary the gateway account can reach.
    private final class Gateway {
        let process = Process()
        let out: URL, err: URL
        let port: Int
        var webPID: pid_t = 0, sshdPID: pid_t = 0
        var stateDir = ""

        init(fixture: StudyFixture, study: String, port: Int, python: String) throws {
            self.port = port
            out = fixture.dir.appendingPathComponent("web-\(port).out")
            err = fixture.dir.appendingPathComponent("web-\(port).err")
            _ = FileManager.default.createFile(atPath: out.path, contents: nil)
            _ = FileManager.default.createFile(atPath: err.path, contents: nil)
            process.executableURL = URL(fileURLWithPath: try fixture.gatewayBinary())
            process.arguments = ["serve", "web", "--study", study, "--port", String(port),
                                 "--sessions", fixture.sessions.path, "--python", python]
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stdout: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

        func waitReady(timeout: TimeInterval = 60) throws {
            let deadline = Date().addingTimeInterval(timeout)
            while !stdout.contains("Stop with Ctrl-C.") {
                guard process.isRunning, Date() < deadline else {
                    XCTFail("serve web did not get ready; stdout:\n\(stdout)\nstderr:\n\(stderr)")
                    throw BrowserError("serve web not ready")
                }
                usleep(50_000)
            }
            let text = stdout
            func number(after label: String) -> pid_t {
                guard let range = text.range(of: label) else { return 0 }
                return pid_t(text[range.upperBound...].prefix(while: \.isNumber)) ?? 0
            }
            webPID = number(after: "web server pid ")
            sshdPID = number(after: "private sshd pid ")
            if let range = text.range(of: "their files in ") {
                stateDir = String(text[range.upperBound...].prefix(while: { $0 != "\n" }).dropLast())
            }
            XCTAssertGreaterThan(webPID, 0, text)
            XCTAssertGreaterThan(sshdPID, 0, text)
        }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
        }
    }

    private static func listening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Pixels of the terminal's canvases bright enough to be its text (the background is black).
    private static let textPixels = """
        (function () {
          var n = 0, all = document.querySelectorAll('#terminal canvas');
          for (var k = 0; k < all.length; k++) {
            var ctx = all[k].getContext('2d');
            if (!ctx || !all[k].width || !all[k].height) continue;
            var d = ctx.getImageData(0, 0, all[k].width, all[k].height).data;
            for (var i = 0; i < d.length; i += 4) if (d[i + 3] > 128 && d[i] + d[i + 1] + d[i + 2] > 384) n++;
          }
          return n;
        })()
        """

    /// Waits until the terminal in the tab shows at least `minimum` text pixels; returns the count.
    @discardableResult
    private func waitForText(_ browser: HeadlessChromium, _ session: String, minimum: Int = 1500,
                             timeout: TimeInterval = 30) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        var last = 0
        while Date() < deadline {
            last = (try browser.evaluate(Self.textPixels, session: session) as? Int) ?? 0
            if last >= minimum { return last }
            usleep(100_000)
        }
        XCTFail("the terminal drew \(last) text pixels, wanted \(minimum)")
        throw BrowserError("no text in the terminal")
    }

    private func waitForLog(_ url: URL, _ what: String, timeout: TimeInterval = 30,
                            _ predicate: (LogReadResult) -> Bool) throws -> LogReadResult {
        let deadline = Date().addingTimeInterval(timeout)
        var last = SessionLogReader.read(url: url)
        while !predicate(last) {
            if Date() >= deadline {
                XCTFail("timed out waiting for \(what) in \(url.lastPathComponent); types: \(last.types)")
                throw BrowserError(what)
            }
            usleep(50_000)
            last = SessionLogReader.read(url: url)
        }
        return last
    }

    /// The pids of the participants' app processes of `study` (the forced command's `run`).
    private static func appProcesses(study: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { name -> pid_t? in
            guard let pid = pid_t(name),
                  let raw = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let args = raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return args.count > 3 && args[1] == "run" && args.contains(study) ? pid : nil
        }
    }

    private func browser() throws -> HeadlessChromium {
        try HeadlessChromium(profile: fixture.dir.appendingPathComponent("chromium-profile"),
                             log: fixture.dir.appendingPathComponent("chromium.log"))
    }

    // MARK: - Tests

    /// The page draws the id screen (text on the terminal's canvas, a screenshot), the app runs
    /// for that tab without writing anything, and an id typed into the page starts its session.
    func testThePageShowsTheIdScreenAndATypedIdStartsTheSession() throws {
        let study = try writeStudy(id: "e2e-web")
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, python: python)
        defer { gateway.stop() }
        try gateway.waitReady()
        XCTAssertTrue(gateway.stdout.contains("Participants open:\n  http://127.0.0.1:\(port)/\n"), gateway.stdout)
        XCTAssertTrue(gateway.stdout.contains("  http://127.0.0.1:\(port)/?participant=ID\n"), gateway.stdout)

        let chromium = try browser()
        defer { chromium.quit() }
        let tab = try chromium.open("http://127.0.0.1:\(port)/")
        let lit = try waitForText(chromium, tab.session)
        let png = try chromium.screenshot(session: tab.session)
        try png.write(to: fixture.dir.appendingPathComponent("web-id-screen.png"))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG screenshot")
        XCTAssertGreaterThan(png.count, 3000, "the screenshot is not a blank page (\(lit) text pixels)")

        // The app side: one participant process for this study, and no log before an id.
        XCTAssertEqual(Self.appProcesses(study: study).count, 1, "the tab runs the study's app")
        let studyFolder = fixture.sessions.appendingPathComponent("e2e-web")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: studyFolder.path))?.filter { $0.hasSuffix(".jsonl") } ?? [], [],
                       "the id screen writes nothing")

        // Nothing secret on the page: no key, no account, no private port.
        let html = try chromium.evaluate("document.documentElement.outerHTML", session: tab.session) as? String ?? ""
        XCTAssertFalse(html.contains("PRIVATE KEY") || html.contains("ssh-ed25519"), "no key on the page")
        let privatePort = gateway.stdout.range(of: "on 127.0.0.1 port ").map { gateway.stdout[$0.upperBound...].prefix(while: \.isNumber) } ?? ""
        XCTAssertFalse(privatePort.isEmpty)
        XCTAssertFalse(html.contains(String(privatePort)), "the private sshd's port is not on the page")
        XCTAssertEqual(try chromium.evaluate("document.title", session: tab.session) as? String, "Study",
                       "the tab is not named after an account or host")

        try chromium.type("p1\r", session: tab.session)
        let log = fixture.logURL(study: "e2e-web", participant: "p1")
        let started = try waitForLog(log, "the session start") { $0.types.contains("instructions_shown") }
        XCTAssertEqual(started.types.first, "session_start")
    }

    /// `?participant=` skips the screen; closing the tab is a hangup quit; the same address
    /// again offers to resume, and the session goes on. An id the study refuses gets the screen.
    func testTheAddressIdSkipsTheScreenAClosedTabQuitsAndReopeningResumes() throws {
        let study = try writeStudy(id: "e2e-webid")
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, python: python)
        defer { gateway.stop() }
        try gateway.waitReady()
        let chromium = try browser()
        defer { chromium.quit() }

        let log = fixture.logURL(study: "e2e-webid", participant: "p2")
        let first = try chromium.open("http://127.0.0.1:\(port)/?participant=p2")
        _ = try waitForLog(log, "the session start") { $0.types.contains("instructions_shown") }
        try waitForText(chromium, first.session)
        try chromium.closeTab(first.target)
        let dropped = try waitForLog(log, "the hangup quit") {
            if case .quit? = $0.records.last?.event { return true } else { return false }
        }
        guard case .quit(let reason)? = dropped.records.last?.event else { return XCTFail("no quit: \(dropped.types)") }
        XCTAssertEqual(reason, "hangup")
        let deadline = Date().addingTimeInterval(15)
        while !Self.appProcesses(study: study).isEmpty && Date() < deadline { usleep(50_000) }
        XCTAssertEqual(Self.appProcesses(study: study), [], "the closed tab's process has ended")

        let again = try chromium.open("http://127.0.0.1:\(port)/?participant=p2")
        try waitForText(chromium, again.session)
        XCTAssertEqual(SessionLogReader.read(url: log).types.filter { $0 == "session_resume" }.count, 0,
                       "an unfinished session is resumed only after the participant agrees")
        try chromium.type("y", session: again.session)
        let resumed = try waitForLog(log, "the resume") { $0.types.contains("session_resume") }
        XCTAssertEqual(resumed.types.filter { $0 == "session_start" }.count, 1, "the same session goes on")

        // Nothing but the id is taken from the address: webssh's page would type a `command`
        // given there into the session.
        let crafted = try chromium.open("http://127.0.0.1:\(port)/?participant=p4&command=zzz&title=x#command=yyy")
        try waitForText(chromium, crafted.session)
        XCTAssertEqual(try chromium.evaluate("window.location.search + window.location.hash", session: crafted.session) as? String,
                       "?participant=p4")
        XCTAssertEqual(try chromium.evaluate("document.title", session: crafted.session) as? String, "Study")

        // An id that does not match the study's pattern: the id screen, nothing written for it.
        let wrong = try chromium.open("http://127.0.0.1:\(port)/?participant=X9")
        try waitForText(chromium, wrong.session)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.logURL(study: "e2e-webid", participant: "X9").path))
        try chromium.type("\u{8}\u{8}p3\r", session: wrong.session)
        _ = try waitForLog(fixture.logURL(study: "e2e-webid", participant: "p3"), "the corrected id's session") {
            $0.types.contains("session_start")
        }
    }

    /// sshd starts sessions with a clean environment: the study's secret_env reaches the
    /// participants' processes through the gateway, and never a page, an output or an error.
    func testTheStudySecretReachesTheSessionsAndNothingElse() throws {
        let path = try writeStudy(id: "e2e-websecret")
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "[study]\n", with: "[study]\nsecret_env = \"E2E_WEB_SECRET\"\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let secret = "s3cret-value-for-the-web-gateway"

        setenv("E2E_WEB_SECRET", secret, 1)
        defer { unsetenv("E2E_WEB_SECRET") }
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: path, port: port, python: python)
        defer { gateway.stop() }
        try gateway.waitReady()
        let chromium = try browser()
        defer { chromium.quit() }
        let tab = try chromium.open("http://127.0.0.1:\(port)/?participant=p5")
        let log = fixture.logURL(study: "e2e-websecret", participant: "p5")
        _ = try waitForLog(log, "the session start (the app found its secret)") { $0.types.contains("instructions_shown") }
        let html = try chromium.evaluate("document.documentElement.outerHTML", session: tab.session) as? String ?? ""
        for (what, text) in [("the page", html), ("the output", gateway.stdout + gateway.stderr),
                             ("the log", (try? String(contentsOf: log, encoding: .utf8)) ?? "")] {
            XCTAssertFalse(text.contains(secret), "the secret is not in \(what)")
        }
        let handedOver = gateway.stateDir + "/environment/E2E_WEB_SECRET"
        var info = stat()
        XCTAssertEqual(stat(handedOver, &info), 0)
        XCTAssertEqual(info.st_mode & 0o077, 0, "only the gateway account reads the hand-over file")
        gateway.stop()

        // Without the variable the gateway does not start: one line naming it.
        unsetenv("E2E_WEB_SECRET")
        let missing = try fixture.runApp(["serve", "web", "--study", path, "--port", String(try Loopback.freePort()),
                                          "--sessions", fixture.sessions.path, "--python", python],
                                         binary: try fixture.gatewayBinary())
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "oversight: the study needs the environment variable E2E_WEB_SECRET (its secret_env or "
                       + "api_key_env), which is not set here: set it in the shell that starts the gateway\n")
    }

    /// The README's nginx configuration, as written there (its certificate, port and upstream
    /// replaced), in front of the gateway: the page loads over TLS, its WebSocket passes the
    /// proxy (the terminal draws, a key reaches the app), and the id in the address arrives.
    func testTheReadmeNginxConfigurationServesThePageOverTLS() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            throw XCTSkip("nginx is not installed (scripts/setup.sh --proxy installs Debian's nginx); the TLS proxy test did not run")
        }
        let readme = try String(contentsOf: StudyFixture.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let open = readme.range(of: "```nginx\n"),
              let close = readme.range(of: "```", range: open.upperBound..<readme.endIndex) else {
            return XCTFail("the README has no nginx block")
        }
        let study = try writeStudy(id: "e2e-webtls")
        let port = try Loopback.freePort(), proxyPort = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, python: python)
        defer { gateway.stop() }
        try gateway.waitReady()

        let dir = fixture.dir.appendingPathComponent("nginx")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cert = dir.appendingPathComponent("cert.pem").path, key = dir.appendingPathComponent("key.pem").path
        let made = Process()
        made.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        made.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=study.example.org",
                          "-keyout", key, "-out", cert]
        made.standardOutput = FileHandle.nullDevice
        made.standardError = FileHandle.nullDevice
        try made.run()
        made.waitUntilExit()
        XCTAssertEqual(made.terminationStatus, 0, "openssl made a certificate")
        let server = String(readme[open.upperBound..<close.lowerBound])
            .replacingOccurrences(of: "listen 443 ssl;", with: "listen 127.0.0.1:\(proxyPort) ssl;")
            .replacingOccurrences(of: "/etc/letsencrypt/live/study.example.org/fullchain.pem", with: cert)
            .replacingOccurrences(of: "/etc/letsencrypt/live/study.example.org/privkey.pem", with: key)
            .replacingOccurrences(of: "http://127.0.0.1:8080", with: "http://127.0.0.1:\(port)")
        XCTAssertTrue(server.contains("127.0.0.1:\(proxyPort) ssl") && server.contains(cert) && server.contains("127.0.0.1:\(port);"),
                      "the README's block has the expected shape:\n\(server)")
        let temp = dir.path
        let config = """
            worker_processes 1;
            error_log \(temp)/error.log;
            pid \(temp)/nginx.pid;
            events { worker_connections 256; }
            http {
                access_log \(temp)/access.log;
                client_body_temp_path \(temp)/body;
                proxy_temp_path \(temp)/proxy;
                fastcgi_temp_path \(temp)/fastcgi;
                uwsgi_temp_path \(temp)/uwsgi;
                scgi_temp_path \(temp)/scgi;
            \(server)
            }

            """
        let configPath = dir.appendingPathComponent("nginx.conf").path
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        let nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        nginx.arguments = ["-c", configPath, "-p", temp, "-g", "daemon off;"]
        nginx.standardOutput = FileHandle.nullDevice
        nginx.standardError = FileHandle.nullDevice
        try nginx.run()
        defer { kill(nginx.processIdentifier, SIGQUIT); nginx.waitUntilExit() }
        let deadline = Date().addingTimeInterval(20)
        while !Self.listening(proxyPort) && nginx.isRunning && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(Self.listening(proxyPort), "nginx listens: \((try? String(contentsOfFile: temp + "/error.log", encoding: .utf8)) ?? "")")

        let chromium = try HeadlessChromium(profile: fixture.dir.appendingPathComponent("chromium-profile"),
                                            log: fixture.dir.appendingPathComponent("chromium.log"),
                                            extraArguments: ["--ignore-certificate-errors"])
        defer { chromium.quit() }
        let tab = try chromium.open("https://127.0.0.1:\(proxyPort)/?participant=p6")
        let log = fixture.logURL(study: "e2e-webtls", participant: "p6")
        let started = try waitForLog(log, "the session start") { $0.types.contains("instructions_shown") }
        try waitForText(chromium, tab.session)
        try chromium.type("\r", session: tab.session)
        _ = try waitForLog(log, "the key through the proxy's WebSocket") { $0.records.count > started.records.count }
        // nginx logs the WebSocket when it ends: close the tab, which is a hangup through the proxy too.
        try chromium.closeTab(tab.target)
        _ = try waitForLog(log, "the hangup quit through the proxy") {
            if case .quit? = $0.records.last?.event { return true } else { return false }
        }
        let accessDeadline = Date().addingTimeInterval(10)
        var access = ""
        while !access.contains("GET /ws?id=") && Date() < accessDeadline {
            usleep(50_000)
            access = (try? String(contentsOfFile: temp + "/access.log", encoding: .utf8)) ?? ""
        }
        XCTAssertTrue(access.contains("POST /?participant=p6 HTTP/1.1\" 200"), "the page's request went through nginx:\n\(access)")
        XCTAssertTrue(access.contains("\" 101 "), "the WebSocket upgrade went through nginx:\n\(access)")
    }

    func testStoppingTheCommandStopsBothServersAlsoAfterKill9() throws {
        let study = try writeStudy(id: "e2e-webstop")
        let port = try Loopback.freePort()
        let gateway = try Gateway(fixture: fixture, study: study, port: port, python: python)
        try gateway.waitReady()
        XCTAssertTrue(Self.listening(port), "the page is served")
        kill(gateway.process.processIdentifier, SIGTERM)
        gateway.process.waitUntilExit()
        XCTAssertEqual(gateway.process.terminationStatus, 0, gateway.stderr)
        XCTAssertTrue(Loopback.waitGone(gateway.webPID), "the web server stops with the command")
        XCTAssertTrue(Loopback.waitGone(gateway.sshdPID), "the private sshd stops with the command")
        XCTAssertFalse(Self.listening(port))
        XCTAssertFalse(FileManager.default.fileExists(atPath: gateway.stateDir), "its files (and the keys) are removed")

        let again = try Gateway(fixture: fixture, study: study, port: port, python: python)
        try again.waitReady()
        kill(again.process.processIdentifier, SIGKILL)
        again.process.waitUntilExit()
        XCTAssertTrue(Loopback.waitGone(again.webPID), "the web server stops also after kill -9 of the command")
        XCTAssertTrue(Loopback.waitGone(again.sshdPID), "the private sshd stops also after kill -9 of the command")
        XCTAssertFalse(Self.listening(port))
        try? FileManager.default.removeItem(atPath: again.stateDir)
    }

    func testBadInputIsOneLineAndStartsNothing() throws {
        let study = try writeStudy(id: "e2e-webbad")
        for (args, expected) in [
            (["--port", "0"], "--port: 0 is not a TCP port (1-65535)\n"),
            (["--port", "8080", "--max-per-address", "0"], "--max-per-address: 0 is not a positive number\n"),
            (["--port", "8080", "--host", "a b"], "--host: \"a b\" is not an address\n"),
            (["--port", "8080", "--python", "/nonexistent/python"],
             "--python: /nonexistent/python is not a Python interpreter; run scripts/setup.sh (it installs webssh 1.6.3 "
                + "into the project's .venv) or give --python\n"),
        ] {
            let result = try fixture.runApp(["serve", "web", "--study", study, "--sessions", fixture.sessions.path] + args,
                                            binary: try fixture.gatewayBinary())
            XCTAssertEqual(result.status, 2, "\(args)")
            XCTAssertEqual(result.stderr, expected, "\(args)")
            XCTAssertEqual(result.stdout, "")
        }
        let broken = fixture.dir.appendingPathComponent("broken.toml").path
        try "[study]\nid = \"x\"\nseed = \n".write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try fixture.runApp(["serve", "web", "--study", broken, "--port", "8080"],
                                     binary: try fixture.gatewayBinary())
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.hasPrefix(broken + ":"), bad.stderr)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
    }

    func testABusyPortStopsTheGatewayWithAClearMessage() throws {
        let study = try writeStudy(id: "e2e-webbusy")
        let port = try Loopback.freePort()
        let first = try Gateway(fixture: fixture, study: study, port: port, python: python)
        defer { first.stop() }
        try first.waitReady()
        let second = try Gateway(fixture: fixture, study: study, port: port, python: python)
        second.process.waitUntilExit()
        XCTAssertEqual(second.process.terminationStatus, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("oversight: cannot listen on 127.0.0.1 port \(port): "), second.stderr)
        XCTAssertFalse(second.stderr.contains("Traceback"), second.stderr)
        XCTAssertTrue(Self.listening(port), "the first gateway is untouched")
    }
}
