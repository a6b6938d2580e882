import ArgumentParser
import Dispatch
import Foundation
import OversightCore
import OversightAssistants
#if canImport(Glibc)
import Glibc
#endif

/// `oversight serve web`: the study's id screen in a browser, through webssh and a private sshd.
struct ServeWebCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "web",
        abstract: "Serve this study's id screen in a browser (webssh in front of a private sshd).",
        discussion: """
            Serves a page (PyPI's webssh \(WebGateway.webSSHVersion), installed into the project's .venv by \
            scripts/setup.sh; xterm.js comes from its own folder, nothing from the internet) that connects \
            each browser tab to a private sshd on 127.0.0.1 whose only command is the study's id screen. \
            webssh logs in with a key made for this run; no host, account, password or key reaches the \
            page. The address may carry the id (?participant=ID): it is checked like a typed id and, when \
            accepted, skips the id screen. Closing the tab quits the participant's session (reason \
            hangup); opening the page again resumes it. Listens on 127.0.0.1 unless --host: put a TLS \
            reverse proxy in front for remote participants (README). Needs root (sshd switches to the \
            gateway account; the web server runs as that account, or as root when that account cannot \
            run the Python). Runs until interrupted; everything it \
            started stops with it, also when it is killed. The study's secret_env and api_key_env \
            variables must be set here (they reach the sessions as with serve ssh). Exit status: 0 \
            stopped on request, 1 a server \
            stopped by itself, 2 bad input or setup failure.
            """
    )

    @Option(name: .long, help: "The study file (TOML).")
    var study: String

    @Option(name: .long, help: "TCP port of the page.")
    var port: Int

    @Option(name: .long, help: "Address the page is served on (default 127.0.0.1; 0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(name: .long, help: "The account the participants' sessions and the web server run as (made if missing).")
    var user = "study"

    @Option(name: .long, help: "Folder of the session logs (default: Sessions under the current folder).")
    var sessions: String?

    @Option(name: .customLong("max-per-address"), help: "Open pages (sessions) at once from one client address; a lab behind one NAT address needs one per seat.")
    var maxPerAddress = 20

    @Option(name: .long, help: "Python with webssh \(WebGateway.webSSHVersion) (default: the project's .venv/bin/python).")
    var python: String?

    func run() throws {
        let plan = try InputFailure.report { try checkInput() }
        let webUser = try InputFailure.report { try setUp(plan.plan, studyID: plan.studyID) }
        try serve(plan.plan, webUser: webUser)
    }

    private func checkInput() throws -> (plan: WebGateway.Plan, studyID: String) {
        guard (1...65535).contains(port) else { throw CLIError("--port: \(port) is not a TCP port (1-65535)") }
        guard maxPerAddress >= 1 else { throw CLIError("--max-per-address: \(maxPerAddress) is not a positive number") }
        guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0.isLetter || $0 == "." || $0 == ":" || $0 == "-" }) else {
            throw CLIError("--host: \"\(Printable.escaped(host))\" is not an address")
        }
        guard Identifier.isValid(user), user.first?.isLetter == true, user == user.lowercased() else {
            throw CLIError("--user: \"\(Printable.escaped(user))\" is not a lowercase account name")
        }
        guard geteuid() == 0 else {
            throw CLIError("oversight serve web: needs root (its sshd must switch to the \(user) account)")
        }
        let studyURL = URL(fileURLWithPath: study).standardizedFileURL
        let loaded = try StudyLoader.load(path: studyURL.path)
        let root = (sessions.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SessionPaths.defaultRoot).standardizedFileURL
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let interpreter = python ?? (ProjectRoot.locate() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .appendingPathComponent(".venv/bin/python").path
        let sshPort = try WebGateway.freeLoopbackPort()
        var buffer = Array("/tmp/oversight-web-XXXXXX".utf8CString)
        guard let made = mkdtemp(&buffer) else {
            throw CLIError("oversight: cannot make a folder under /tmp: \(String(cString: strerror(errno)))")
        }
        let ssh = SSHGateway.Plan(user: user, host: "127.0.0.1", port: sshPort, stateDir: String(cString: made), binary: binary,
                                  studyPath: studyURL.path, sessionsRoot: root.path,
                                  environmentNames: SSHGateway.environmentNames(loaded))
        return (WebGateway.Plan(ssh: ssh, host: host, port: port, python: interpreter), loaded.id)
    }

    /// Sets everything up; returns the account the web server runs as (nil: root).
    private func setUp(_ plan: WebGateway.Plan, studyID: String) throws -> String? {
        do {
            guard let sshd = SSHGateway.findTool(["sshd"]) else {
                throw CLIError("oversight: sshd not found: install Debian's openssh-server (scripts/setup.sh does)")
            }
            try SSHGateway.ensureUser(plan.ssh.user)
            let studySessions = plan.ssh.sessionsRoot + "/" + studyID
            try SSHGateway.handOver(folder: studySessions, to: plan.ssh.user)
            try SSHGateway.checkReachable(plan.ssh, studyFolder: URL(fileURLWithPath: plan.ssh.studyPath).deletingLastPathComponent().path,
                                          studySessions: studySessions)
            let webUser = try WebGateway.checkPython(plan.python, user: plan.ssh.user)
            try WebGateway.prepareState(plan, owner: webUser)
            try SSHGateway.handOverEnvironment(plan.ssh, to: plan.ssh.user)
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            let check = try SSHGateway.runTool(sshd, ["-t", "-f", plan.ssh.config])
            guard check.status == 0 else { throw CLIError("oversight: sshd refused its configuration: \(SSHGateway.oneLine(check.output))") }
            return webUser
        } catch {
            try? FileManager.default.removeItem(atPath: plan.ssh.stateDir)
            throw error
        }
    }

    /// The web server's command line: a clean environment, isolated Python, and the gateway
    /// account when it can run the interpreter (`webUser`), else root.
    private func webCommand(_ plan: WebGateway.Plan, webUser: String?) throws -> [String] {
        var drop: [String] = []
        if let webUser {
            guard let pw = getpwnam(webUser) else { throw CLIError("oversight: no user \(webUser)") }
            guard let setpriv = SSHGateway.findTool(["setpriv"]) else { throw CLIError("oversight: setpriv not found (package util-linux)") }
            drop = [setpriv, "--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)", "--init-groups", "--"]
        }
        return ["/usr/bin/env", "-i", "PATH=/usr/bin:/bin", "HOME=/", "LANG=C.UTF-8",
                "OVERSIGHT_WEBSSH_VERSION=\(WebGateway.webSSHVersion)"] + drop
            + [plan.python, "-I", plan.server, plan.ssh.stateDir, plan.host, String(plan.port), String(plan.ssh.port), plan.ssh.user,
               String(maxPerAddress)]
    }

    private func serve(_ plan: WebGateway.Plan, webUser: String?) throws {
        let cleanUp = { try? FileManager.default.removeItem(atPath: plan.ssh.stateDir) }
        let watcher: SSHWatcher
        do {
            guard let sshd = SSHGateway.findTool(["sshd"]) else { throw CLIError("oversight: sshd not found") }
            let web = try webCommand(plan, webUser: webUser)
            watcher = try SSHWatcher(shell: "/bin/bash", arguments: ["-c", WebGateway.watcherScript, "watcher", sshd, plan.ssh.config] + web)
        } catch {
            cleanUp()
            if let message = error as? CLIError { SessionLauncher.printError(message.description) }
            throw ExitCode(2)
        }
        let stopped = StopFlag()
        let sources = stopped.watch([SIGINT, SIGTERM, SIGHUP]) { watcher.stop() }
        // sshd writes its pid file once it listens; the web server its ready file.
        let sshdPID = { (try? String(contentsOfFile: plan.ssh.pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        let webPID = { (try? String(contentsOfFile: plan.readyFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        let deadline = Date().addingTimeInterval(30)
        while (sshdPID() == nil || webPID() == nil) && watcher.isRunning && Date() < deadline {
            usleep(50_000)
        }
        if let sshd = sshdPID(), let web = webPID(), watcher.isRunning {
            let text = "The page is served on \(plan.host) port \(plan.port) for study \(URL(fileURLWithPath: plan.ssh.studyPath).lastPathComponent); "
                + "logs in \(plan.ssh.sessionsRoot); web server pid \(web), private sshd pid \(sshd) on 127.0.0.1 port \(plan.ssh.port), "
                + "their files in \(plan.ssh.stateDir).\n"
                + (webUser == nil ? "Note: the web server runs as root, because \(plan.ssh.user) cannot run \(plan.python); "
                   + "give --python a Python environment with webssh that \(plan.ssh.user) can reach to run it as \(plan.ssh.user).\n" : "")
                + "Participants open:\n  \(plan.url)\nor, with their id (it skips the id screen when accepted):\n  \(plan.url)?participant=ID\n"
                + "Stop with Ctrl-C.\n"
            FileHandle.standardOutput.write(Data(text.utf8))
        } else if watcher.isRunning {
            SessionLauncher.printError("oversight: the servers did not start within 30 s")
            watcher.stop()
        }
        let status = watcher.wait()
        sources.forEach { $0.cancel() }
        cleanUp()
        if stopped.isSet { return }
        SessionLauncher.printError("oversight: the web gateway stopped (status \(status)); see the messages above")
        throw ExitCode(1)
    }
}
