import Foundation
import OversightCore
#if canImport(Glibc)
import Glibc
#endif

/// The pieces of `oversight serve ssh`: the gateway account, the private sshd configuration,
/// the entry every connection is forced into, and the watcher that keeps sshd tied to this process.
enum SSHGateway {
    /// What one gateway instance serves.
    struct Plan: Equatable {
        var user: String
        var host: String
        var port: Int
        var stateDir: String
        var binary: String
        var studyPath: String
        var sessionsRoot: String
        /// Environment variables the participants' processes need (the study's `secret_env` and
        /// `api_key_env`): sshd starts sessions with a clean environment, so the gateway hands
        /// them over in files only the gateway account can read.
        var environmentNames: [String] = []

        var hostKey: String { stateDir + "/host_ed25519_key" }
        var pidFile: String { stateDir + "/sshd.pid" }
        var authorizedKeys: String { stateDir + "/authorized_keys" }
        var entry: String { stateDir + "/entry" }
        var config: String { stateDir + "/sshd_config" }
        var environmentDir: String { stateDir + "/environment" }

        /// The line participants type.
        var participantLine: String {
            let shown = (host == "0.0.0.0" || host == "::") ? (ProcessInfo.processInfo.hostName) : host
            let bracketed = shown.contains(":") ? "[\(shown)]" : shown
            return port == 22 ? "ssh \(user)@\(bracketed)" : "ssh -p \(port) \(user)@\(bracketed)"
        }
    }

    /// The sshd configuration: keys of the study only, one user, no shell, no forwarding of any kind.
    static func config(_ plan: Plan) -> String {
        """
        # Written by oversight serve ssh; removed when it stops.
        Port \(plan.port)
        ListenAddress \(plan.host)
        HostKey \(plan.hostKey)
        PidFile \(plan.pidFile)
        AuthorizedKeysFile \(plan.authorizedKeys)
        AuthorizedPrincipalsFile none
        AllowUsers \(plan.user)
        UsePAM no
        StrictModes no
        PubkeyAuthentication yes
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        HostbasedAuthentication no
        PermitEmptyPasswords no
        PermitRootLogin no
        DisableForwarding yes
        AllowTcpForwarding no
        AllowStreamLocalForwarding no
        AllowAgentForwarding no
        X11Forwarding no
        PermitTunnel no
        GatewayPorts no
        PermitListen none
        PermitOpen none
        PermitUserRC no
        PermitUserEnvironment no
        PermitTTY yes
        PrintMotd no
        PrintLastLog no
        MaxStartups 200:30:400
        ClientAliveInterval 15
        ClientAliveCountMax 4
        LogLevel INFO
        ForceCommand \(plan.entry)

        """
    }

    /// The forced command: without a terminal it says so in one line and exits; otherwise it
    /// opens the study's id screen. Whatever command the client asked for is ignored.
    static func entryScript(_ plan: Plan) -> String {
        let q = SessionLauncher.shellQuoted
        return """
            #!/bin/sh
            # Written by oversight serve ssh: the only command of this gateway.
            if [ ! -t 0 ] || [ ! -t 1 ]; then
              echo "This study needs an interactive terminal: connect with \(plan.participantLine)" >&2
              exit 1
            fi
            cd / || exit 1
            \(environmentLines(plan))exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 \(q(plan.binary)) run --study \(q(plan.studyPath)) --sessions \(q(plan.sessionsRoot))

            """
    }

    /// Entry lines that export each variable of `environmentNames` from its file (read, never
    /// evaluated as shell text).
    static func environmentLines(_ plan: Plan) -> String {
        plan.environmentNames.map { name in
            "\(name)=$(cat \(SessionLauncher.shellQuoted(plan.environmentDir + "/" + name))) || exit 1; export \(name)\n"
        }.joined()
    }

    /// The environment variables a study's sessions need: its `secret_env` and `api_key_env`.
    static func environmentNames(_ study: Study) -> [String] {
        Array(Set([study.secretEnv, study.assistant.apiKeyEnv].compactMap { $0 })).sorted()
    }

    /// Writes each variable of `environmentNames` (taken from `environment`) into a file of its
    /// own, readable only by `user`. A missing one is bad input, named without any value.
    static func handOverEnvironment(_ plan: Plan, to user: String,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard !plan.environmentNames.isEmpty else { return }
        guard let pw = getpwnam(user) else { throw CLIError("oversight: no user \(user)") }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        let fm = FileManager.default
        try fm.createDirectory(atPath: plan.environmentDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard chown(plan.environmentDir, uid, gid) == 0 else {
            throw CLIError("oversight: cannot give \(plan.environmentDir) to \(user): \(String(cString: strerror(errno)))")
        }
        for name in plan.environmentNames {
            guard name.first.map({ $0 == "_" || $0.isLetter }) == true,
                  name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw CLIError("oversight: the study names the environment variable \"\(Printable.escaped(name))\", which is not a variable name")
            }
            guard let value = environment[name], !value.isEmpty else {
                throw CLIError("oversight: the study needs the environment variable \(name) (its secret_env or api_key_env), "
                               + "which is not set here: set it in the shell that starts the gateway")
            }
            let path = plan.environmentDir + "/" + name
            guard fm.createFile(atPath: path, contents: Data(value.utf8), attributes: [.posixPermissions: 0o600]),
                  chown(path, uid, gid) == 0 else {
                throw CLIError("oversight: cannot write \(path)")
            }
        }
    }

    /// The watcher: runs sshd in the foreground and stops it when its own stdin (a pipe whose
    /// only writer is this process) reaches end of file, which also happens after `kill -9`.
    static let watcherScript = """
        exec 3<&0 </dev/null
        "$0" -D -e -f "$1" 3<&- &
        sshd_pid=$!
        { read _ <&3; kill -TERM "$sshd_pid" 2>/dev/null; } &
        reader=$!
        exec 3<&-
        trap 'kill -TERM "$sshd_pid" 2>/dev/null' TERM INT HUP
        while :; do
          wait "$sshd_pid"; status=$?
          kill -0 "$sshd_pid" 2>/dev/null || break
        done
        kill "$reader" 2>/dev/null
        exit "$status"
        """

    /// Runs a program to completion; returns its status and its stdout + stderr.
    @discardableResult
    static func runTool(_ path: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The first of `names` found in the usual system folders.
    static func findTool(_ names: [String]) -> String? {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"] {
            for name in names where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Makes the gateway account if it is missing: a system account without a home, unlocked for
    /// keys only (`*` matches no password). Its shell must run the forced command.
    static func ensureUser(_ name: String) throws {
        if getpwnam(name) == nil {
            guard let useradd = findTool(["useradd"]) else { throw CLIError("oversight: useradd not found (package passwd)") }
            let made = try runTool(useradd, ["--system", "--no-create-home", "--home-dir", "/",
                                             "--shell", "/bin/sh", name])
            guard made.status == 0 else {
                throw CLIError("oversight: could not create the gateway user \(name): \(oneLine(made.output))")
            }
        }
        guard let usermod = findTool(["usermod"]) else { throw CLIError("oversight: usermod not found (package passwd)") }
        let unlocked = try runTool(usermod, ["-p", "*", name])
        guard unlocked.status == 0 else {
            throw CLIError("oversight: could not unlock the gateway user \(name) for keys: \(oneLine(unlocked.output))")
        }
    }

    /// Gives the gateway user the study's session folder (and what is already in it).
    static func handOver(folder: String, to user: String) throws {
        guard let pw = getpwnam(user) else { throw CLIError("oversight: no user \(user)") }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var paths = [folder]
        if let inside = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            paths += inside.map { folder + "/" + $0 }
        }
        for path in paths where chown(path, uid, gid) != 0 {
            throw CLIError("oversight: cannot give \(path) to \(user): \(String(cString: strerror(errno)))")
        }
    }

    /// Checks as the gateway user that the app starts and the study and sessions are reachable.
    static func checkReachable(_ plan: Plan, studyFolder: String, studySessions: String) throws {
        guard let runuser = findTool(["runuser"]) else { throw CLIError("oversight: runuser not found (package util-linux)") }
        let version = try runTool(runuser, ["-u", plan.user, "--", plan.binary, "--version"])
        guard version.status == 0 else {
            throw CLIError("oversight: the gateway user \(plan.user) cannot run \(plan.binary) (\(oneLine(version.output))); "
                           + "install it (and the Swift runtime) where that user can reach it, not under a private folder such as /root")
        }
        let files = try runTool(runuser, ["-u", plan.user, "--", "/bin/sh", "-c", "test -r \"$1\" && test -x \"$2\"",
                                          "check", plan.studyPath, studyFolder])
        guard files.status == 0 else {
            throw CLIError("oversight: the gateway user \(plan.user) cannot read the study \(plan.studyPath); "
                           + "put the study and its banks in a folder that user can read")
        }
        let logs = try runTool(runuser, ["-u", plan.user, "--", "/bin/sh", "-c", "test -w \"$1\" && test -x \"$1\"",
                                         "check", studySessions])
        guard logs.status == 0 else {
            throw CLIError("oversight: the gateway user \(plan.user) cannot write the session logs in \(studySessions); "
                           + "use --sessions with a folder outside private folders such as /root")
        }
    }

    /// Writes the state folder: host key, authorized keys, entry (by default the one of
    /// `serve ssh`), sshd configuration.
    static func prepareState(_ plan: Plan, authorizedKeys: Data, entry: String? = nil) throws {
        let fm = FileManager.default
        guard chmod(plan.stateDir, 0o755) == 0 else {
            throw CLIError("oversight: cannot set the mode of \(plan.stateDir): \(String(cString: strerror(errno)))")
        }
        guard let keygen = findTool(["ssh-keygen"]) else { throw CLIError("oversight: ssh-keygen not found (install openssh-client)") }
        let key = try runTool(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "oversight-gateway", "-f", plan.hostKey])
        guard key.status == 0 else { throw CLIError("oversight: ssh-keygen failed: \(oneLine(key.output))") }
        guard fm.createFile(atPath: plan.authorizedKeys, contents: authorizedKeys, attributes: [.posixPermissions: 0o644]),
              fm.createFile(atPath: plan.entry, contents: Data((entry ?? entryScript(plan)).utf8), attributes: [.posixPermissions: 0o755]),
              fm.createFile(atPath: plan.config, contents: Data(config(plan).utf8), attributes: [.posixPermissions: 0o644])
        else { throw CLIError("oversight: cannot write the gateway files in \(plan.stateDir)") }
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }
}

/// The watcher process, spawned with every signal unblocked and at its default action (threads
/// of this process block signals, and a blocked or ignored signal would be inherited by sshd and
/// by every participant's session). Its stdin is the read end of a pipe whose write end only this
/// process holds: closing it, or dying, stops sshd.
final class SSHWatcher: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var lifeline: Int32

    init(shell: String, arguments: [String]) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw CLIError("oversight: pipe failed: \(String(cString: strerror(errno)))") }
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, 2, 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([shell] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, shell, &actions, &attributes, argv, environ)
        close(fds[0])
        guard status == 0 else {
            close(fds[1])
            throw CLIError("oversight: cannot start \(shell): \(String(cString: strerror(status)))")
        }
        pid = child
        lifeline = fds[1]
    }

    /// Closes the lifeline: the watcher stops sshd and exits.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        if lifeline >= 0 { close(lifeline); lifeline = -1 }
    }

    /// Whether the watcher is still running (without reaping it).
    var isRunning: Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == 0
    }

    /// Waits for the watcher to end; its exit status (128 + signal when killed).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        stop()
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
