import ArgumentParser
import Dispatch
import Foundation
import OversightCore
#if canImport(Glibc)
import Glibc
#endif

/// `oversight serve`: gateways that let remote participants reach a study.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a study to remote participants.",
        subcommands: [ServeSSHCommand.self, ServeWebCommand.self]
    )
}

/// `oversight serve ssh`: a dedicated OpenSSH server whose only command is the study's id screen.
struct ServeSSHCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh",
        abstract: "Run a dedicated sshd whose only command is this study's id screen.",
        discussion: """
            Starts OpenSSH's sshd (package openssh-server) with a configuration of its own: one \
            account (--user), the keys of --authorized-keys, no shell, no forwarding, and the \
            study's id screen as the only command. Needs root (sshd switches to the gateway user). \
            Prints the line participants type, then runs until interrupted; sshd stops with it, \
            also when this process is killed. A dropped connection quits the participant's session, \
            which continues when the same id connects again. The study's secret_env and api_key_env \
            variables must be set here: sshd clears the environment, so they reach the sessions through \
            files only the gateway account can read. Exit status: 0 stopped on request, \
            1 sshd stopped by itself, 2 bad input or setup failure.
            """
    )

    @Option(name: .long, help: "The study file (TOML).")
    var study: String

    @Option(name: .long, help: "TCP port sshd listens on.")
    var port: Int

    @Option(name: .long, help: "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
    var host = "127.0.0.1"

    @Option(name: .customLong("authorized-keys"), help: "OpenSSH authorized_keys file with the participants' public keys.")
    var authorizedKeys: String?

    @Option(name: .customLong("password-env"), help: ArgumentHelp("Not supported: see the README (password logins).", valueName: "NAME"))
    var passwordEnv: String?

    @Option(name: .long, help: "The account participants log in as (made if missing).")
    var user = "study"

    @Option(name: .long, help: "Folder of the session logs (default: Sessions under the current folder).")
    var sessions: String?

    func run() throws {
        let plan = try InputFailure.report { try checkInput() }
        try InputFailure.report { try setUp(plan.plan, keys: plan.keys, studyID: plan.studyID) }
        try serve(plan.plan)
    }

    private func checkInput() throws -> (plan: SSHGateway.Plan, keys: Data, studyID: String) {
        if passwordEnv != nil {
            throw CLIError("--password-env: password logins are not offered: without PAM, sshd checks a password "
                           + "against the system account, which would also open that account on every other SSH "
                           + "server of this machine; give the participants keys with --authorized-keys")
        }
        guard let keysPath = authorizedKeys else {
            throw CLIError("--authorized-keys: required (the participants' public keys, one per line)")
        }
        guard (1...65535).contains(port) else { throw CLIError("--port: \(port) is not a TCP port (1-65535)") }
        guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0.isLetter || $0 == "." || $0 == ":" || $0 == "-" }) else {
            throw CLIError("--host: \"\(Printable.escaped(host))\" is not an address")
        }
        guard Identifier.isValid(user), user.first?.isLetter == true, user == user.lowercased() else {
            throw CLIError("--user: \"\(Printable.escaped(user))\" is not a lowercase account name")
        }
        guard geteuid() == 0 else {
            throw CLIError("oversight serve ssh: needs root (sshd must switch to the \(user) account)")
        }
        guard let keys = FileManager.default.contents(atPath: keysPath) else {
            throw CLIError("--authorized-keys: cannot read \(keysPath)")
        }
        let keyLines = String(decoding: keys, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if let bad = keyLines.enumerated().first(where: { !$0.element.isEmpty && !$0.element.hasPrefix("#") && !$0.element.contains("ssh-") && !$0.element.contains("ecdsa-") && !$0.element.contains("sk-") }) {
            throw CLIError("\(keysPath):\(bad.offset + 1): not a public key line")
        }
        guard keyLines.contains(where: { !$0.isEmpty && !$0.hasPrefix("#") }) else {
            throw CLIError("\(keysPath): no public key in the file")
        }
        let studyURL = URL(fileURLWithPath: study).standardizedFileURL
        let loaded = try StudyLoader.load(path: studyURL.path)
        let root = (sessions.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SessionPaths.defaultRoot).standardizedFileURL
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let template = "/tmp/oversight-ssh-XXXXXX"
        var buffer = Array(template.utf8CString)
        guard let made = mkdtemp(&buffer) else {
            throw CLIError("oversight: cannot make a folder under /tmp: \(String(cString: strerror(errno)))")
        }
        let plan = SSHGateway.Plan(user: user, host: host, port: port, stateDir: String(cString: made), binary: binary,
                                   studyPath: studyURL.path, sessionsRoot: root.path,
                                   environmentNames: SSHGateway.environmentNames(loaded))
        return (plan, keys, loaded.id)
    }

    private func setUp(_ plan: SSHGateway.Plan, keys: Data, studyID: String) throws {
        do {
            guard let sshd = SSHGateway.findTool(["sshd"]) else {
                throw CLIError("oversight: sshd not found: install Debian's openssh-server (scripts/setup.sh does)")
            }
            try SSHGateway.ensureUser(plan.user)
            let studySessions = plan.sessionsRoot + "/" + studyID
            try SSHGateway.handOver(folder: studySessions, to: plan.user)
            try SSHGateway.checkReachable(plan, studyFolder: URL(fileURLWithPath: plan.studyPath).deletingLastPathComponent().path,
                                          studySessions: studySessions)
            try SSHGateway.prepareState(plan, authorizedKeys: keys)
            try SSHGateway.handOverEnvironment(plan, to: plan.user)
            try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            let check = try SSHGateway.runTool(sshd, ["-t", "-f", plan.config])
            guard check.status == 0 else { throw CLIError("oversight: sshd refused its configuration: \(SSHGateway.oneLine(check.output))") }
        } catch {
            try? FileManager.default.removeItem(atPath: plan.stateDir)
            throw error
        }
    }

    private func serve(_ plan: SSHGateway.Plan) throws {
        let cleanUp = { try? FileManager.default.removeItem(atPath: plan.stateDir) }
        guard let sshd = SSHGateway.findTool(["sshd"]) else { cleanUp(); throw ExitCode(2) }
        let watcher: SSHWatcher
        do { watcher = try SSHWatcher(shell: "/bin/sh", arguments: ["-c", SSHGateway.watcherScript, sshd, plan.config]) } catch {
            cleanUp()
            throw error
        }
        let stopped = StopFlag()
        let sources = stopped.watch([SIGINT, SIGTERM, SIGHUP]) { watcher.stop() }
        // sshd writes its pid file once it listens.
        let sshdPID = { (try? String(contentsOfFile: plan.pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
        let deadline = Date().addingTimeInterval(20)
        while sshdPID() == nil && watcher.isRunning && Date() < deadline {
            usleep(50_000)
        }
        if let pid = sshdPID(), watcher.isRunning {
            let text = "sshd listens on \(plan.host) port \(plan.port) for study \(URL(fileURLWithPath: plan.studyPath).lastPathComponent); "
                + "logs in \(plan.sessionsRoot); sshd pid \(pid), its files in \(plan.stateDir).\n"
                + "Participants type:\n  \(plan.participantLine)\nStop with Ctrl-C.\n"
            FileHandle.standardOutput.write(Data(text.utf8))
        } else if watcher.isRunning {
            watcher.stop()
        }
        let status = watcher.wait()
        sources.forEach { $0.cancel() }
        cleanUp()
        if stopped.isSet { return }
        SessionLauncher.printError("oversight: sshd stopped (status \(status)); see its messages above")
        throw ExitCode(1)
    }
}
