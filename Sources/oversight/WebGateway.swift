import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The pieces of `oversight serve web`: PyPI's `webssh` (a tornado server that ships xterm.js
/// in its own static folder) serves the page, and connects each browser tab to a private sshd on
/// loopback whose only command is the study's id screen, as in `serve ssh`. webssh logs in with
/// a key pair made for this run; the browser never sees a host, an account or a key.
enum WebGateway {
    /// The webssh release the setup script installs and this gateway was written against.
    static let webSSHVersion = "1.6.3"

    /// What one web gateway serves.
    struct Plan: Equatable {
        /// The private sshd (loopback only) and the files of both servers.
        var ssh: SSHGateway.Plan
        /// Where the page is served.
        var host: String
        var port: Int
        /// The Python of the environment that holds webssh.
        var python: String

        var clientKey: String { ssh.stateDir + "/web_client_key" }
        var knownHosts: String { ssh.stateDir + "/known_hosts" }
        var server: String { ssh.stateDir + "/web_server.py" }
        var templates: String { ssh.stateDir + "/templates" }
        var readyFile: String { ssh.stateDir + "/web.ready" }

        /// The address participants open (an id can be added as `?participant=ID`).
        var url: String {
            let shown = (host == "0.0.0.0" || host == "::") ? ProcessInfo.processInfo.hostName : host
            let bracketed = shown.contains(":") ? "[\(shown)]" : shown
            return "http://\(bracketed):\(port)/"
        }
    }

    /// The forced command of the private sshd. The client's command (webssh sends the id taken
    /// from the page's address, or nothing) arrives in SSH_ORIGINAL_COMMAND and is only ever
    /// handed to the app as an id to check, never run.
    static func entryScript(_ plan: Plan) -> String {
        let q = SessionLauncher.shellQuoted
        let run = "\(q(plan.ssh.binary)) run --study \(q(plan.ssh.studyPath)) --sessions \(q(plan.ssh.sessionsRoot))"
        return """
            #!/bin/sh
            # Written by oversight serve web: the only command of its private sshd.
            if [ ! -t 0 ] || [ ! -t 1 ]; then
              echo "This study needs a terminal: open \(plan.url)" >&2
              exit 1
            fi
            cd / || exit 1
            \(SSHGateway.environmentLines(plan.ssh))if [ -n "${SSH_ORIGINAL_COMMAND:-}" ]; then
              exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 \(run) --prefill-env SSH_ORIGINAL_COMMAND
            fi
            exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 \(run)

            """
    }

    /// The line of the private sshd's authorized_keys: webssh's key, from loopback only, with a
    /// terminal and nothing else (no forwarding of any kind).
    static func authorizedKey(publicKey: String) -> String {
        "restrict,pty,from=\"127.0.0.1,::1\" " + publicKey.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    }

    /// The page: webssh's own script and xterm.js from its static folder, its connection form
    /// hidden and sent at once. The form's fields only satisfy webssh's page script; the server
    /// below ignores them and connects to the private sshd with its own key.
    static let page = """
        <!DOCTYPE html>
        <html lang="en">
          <head>
            <meta charset="UTF-8">
            <title>Study</title>
            <link href="static/css/xterm.min.css" rel="stylesheet" type="text/css"/>
            <style>
              html, body { margin: 0; padding: 0; background: black; color: #ddd; font-family: sans-serif; }
              .form-container, #waiter { display: none !important; }
              #status { color: #f88; padding: 8px; white-space: pre-line; }
              #status:not(:empty)::after { content: " Reload this page to continue where you left off."; color: #ddd; }
              #terminal { height: 100vh; }
            </style>
          </head>
          <body>
            <div id="waiter"></div>
            <div class="container form-container">
              <form id="connect" action="" method="post" enctype="multipart/form-data">
                <input type="hidden" id="hostname" name="hostname" value="localhost">
                <input type="hidden" id="port" name="port" value="22">
                <input type="hidden" id="username" name="username" value="participant">
                <input type="hidden" id="term" name="term" value="xterm-256color">
                {% module xsrf_form_html() %}
                <button type="submit" class="btn btn-primary" style="display: none">Connect</button>
              </form>
            </div>
            <div id="status"></div>
            <div id="terminal"></div>
            <script src="static/js/jquery.min.js"></script>
            <script src="static/js/xterm.min.js"></script>
            <script src="static/js/xterm-addon-fit.min.js"></script>
            <script>
              // Only the participant id may come from the address: webssh's page script would also
              // take options from it (a command it types into the session, colours, a title), so
              // everything else is dropped before that script reads the address.
              (function () {
                var id = new URLSearchParams(window.location.search).get('participant');
                var clean = window.location.pathname + (id !== null ? '?participant=' + encodeURIComponent(id) : '');
                window.history.replaceState(null, '', clean);
              })();
            </script>
            <script src="static/js/main.js"></script>
            <script>
              // webssh names the tab after the (ignored) form fields; keep the study's title.
              new MutationObserver(function () { if (document.title !== 'Study') document.title = 'Study'; })
                .observe(document.querySelector('title'), { childList: true, characterData: true, subtree: true });
              jQuery(function () { jQuery('#connect').submit(); });
            </script>
          </body>
        </html>

        """

    /// The web server: webssh's handlers, with the connection fixed to the private sshd.
    /// Arguments: state folder, listen address, listen port, sshd port, account, live connections
    /// per client address. Client addresses come from a proxy's X-Real-Ip / X-Forwarded-For only
    /// when the page is served on loopback (where only a local proxy can connect).
    static let server = #"""
        # Written by oversight serve web; removed when it stops.
        import logging
        import os
        import sys

        import paramiko
        import tornado.ioloop
        from tornado.options import options

        import webssh
        from webssh.handler import IndexHandler, WsockHandler, NotFoundHandler
        from webssh.settings import get_app_settings, get_server_settings
        from webssh.worker import Worker
        import tornado.web

        STATE, ADDRESS, PORT, SSH_PORT, USER = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        MAXCONN = int(sys.argv[6])
        BEHIND_PROXY = ADDRESS in ("127.0.0.1", "::1", "localhost")
        EXPECTED = os.environ.get("OVERSIGHT_WEBSSH_VERSION", "")
        if EXPECTED and webssh.__version__ != EXPECTED:
            sys.stderr.write("oversight: webssh %s is installed, this gateway needs %s (scripts/setup.sh installs it)\n"
                             % (webssh.__version__, EXPECTED))
            sys.exit(2)

        options.parse_command_line([sys.argv[0], "--address=" + ADDRESS, "--port=%d" % PORT, "--xsrf=True",
                                    "--origin=same", "--policy=reject", "--redirect=False", "--encoding=utf-8",
                                    "--timeout=10", "--wpintvl=15", "--logging=warning", "--maxconn=%d" % MAXCONN,
                                    "--xheaders=%s" % BEHIND_PROXY])
        KEY = paramiko.Ed25519Key.from_private_key_file(os.path.join(STATE, "web_client_key"))
        HOST_KEYS = paramiko.HostKeys(os.path.join(STATE, "known_hosts"))
        MAX_ID = 256


        class StudyIndex(IndexHandler):
            """The study's page; its form's fields are ignored: the connection is always the private sshd."""

            def get(self):
                self.render("index.html")

            def get_args(self):
                raw = self.get_argument("participant", u"")[:MAX_ID]
                # Control characters become '?', so the id screen shows why the id is refused.
                self.participant = "".join(c if c.isprintable() else "?" for c in raw).strip()
                return ("127.0.0.1", SSH_PORT, USER, None, KEY)

            def ssh_connect(self, args):
                ssh = self.ssh_client
                try:
                    ssh.connect("127.0.0.1", port=SSH_PORT, username=USER, pkey=KEY, timeout=options.timeout,
                                allow_agent=False, look_for_keys=False)
                    chan = ssh.get_transport().open_session()
                    chan.get_pty(term="xterm-256color", width=80, height=24)
                    if self.participant:
                        chan.exec_command(self.participant)
                    else:
                        chan.invoke_shell()
                except Exception as exc:
                    logging.error("private sshd: %s", type(exc).__name__)
                    ssh.close()
                    raise ValueError("The study cannot be reached right now; try again in a minute.")
                chan.setblocking(0)
                worker = Worker(self.loop, ssh, chan, ("127.0.0.1", SSH_PORT))
                worker.encoding = "utf-8"
                return worker


        def main():
            loop = tornado.ioloop.IOLoop.current()
            host_keys = dict(system_host_keys=paramiko.HostKeys(), host_keys=HOST_KEYS, host_keys_filename=None)
            handlers = [
                (r"/", StudyIndex, dict(loop=loop, policy=paramiko.RejectPolicy(), host_keys_settings=host_keys)),
                (r"/ws", WsockHandler, dict(loop=loop)),
            ]
            settings = get_app_settings(options)
            settings.update(template_path=os.path.join(STATE, "templates"), default_handler_class=NotFoundHandler)
            app = tornado.web.Application(handlers, **settings)
            try:
                app.listen(PORT, ADDRESS, **get_server_settings(options))
            except OSError as exc:
                sys.stderr.write("oversight: cannot listen on %s port %d: %s\n" % (ADDRESS, PORT, exc.strerror))
                sys.exit(1)
            with open(os.path.join(STATE, "web.ready"), "w") as ready:
                ready.write("%d\n" % os.getpid())
            loop.start()


        main()

        """#

    /// The watcher: runs sshd and the web server, stops both when either ends or when its stdin
    /// (a pipe whose only writer is this process) reaches end of file, also after `kill -9`.
    /// Arguments: sshd, its configuration, then the web server's command line.
    static let watcherScript = """
        exec 3<&0 </dev/null
        sshd=$1; config=$2; shift 2
        "$sshd" -D -e -f "$config" 3<&- &
        sshd_pid=$!
        (cd / && exec "$@") 3<&- &
        web_pid=$!
        { read _ <&3; kill -TERM "$sshd_pid" "$web_pid" 2>/dev/null; } &
        reader=$!
        exec 3<&-
        trap 'kill -TERM "$sshd_pid" "$web_pid" 2>/dev/null' TERM INT HUP
        wait -n "$sshd_pid" "$web_pid"; status=$?
        kill -TERM "$sshd_pid" "$web_pid" 2>/dev/null
        wait "$sshd_pid" "$web_pid" 2>/dev/null
        kill "$reader" 2>/dev/null
        exit "$status"
        """

    /// A TCP port on loopback that nobody listens on right now.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("oversight: socket failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw CLIError("oversight: no free port on 127.0.0.1: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Writes the state folder: webssh's key pair (the private half readable by the account the
    /// web server runs as, and by nobody else), the private sshd's files with that key as its only
    /// authorized key, the sshd host key webssh accepts, the page and the web server.
    static func prepareState(_ plan: Plan, owner: String?) throws {
        let fm = FileManager.default
        guard chmod(plan.ssh.stateDir, 0o755) == 0 else {
            throw CLIError("oversight: cannot set the mode of \(plan.ssh.stateDir): \(String(cString: strerror(errno)))")
        }
        guard let keygen = SSHGateway.findTool(["ssh-keygen"]) else { throw CLIError("oversight: ssh-keygen not found (install openssh-client)") }
        let key = try SSHGateway.runTool(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "oversight-web", "-f", plan.clientKey])
        guard key.status == 0 else { throw CLIError("oversight: ssh-keygen failed: \(SSHGateway.oneLine(key.output))") }
        if let owner {
            guard let pw = getpwnam(owner), chown(plan.clientKey, pw.pointee.pw_uid, pw.pointee.pw_gid) == 0 else {
                throw CLIError("oversight: cannot give the web server's key to \(owner): \(String(cString: strerror(errno)))")
            }
        }
        guard chmod(plan.clientKey, 0o600) == 0 else {
            throw CLIError("oversight: cannot protect the web server's key: \(String(cString: strerror(errno)))")
        }
        guard let clientPublic = fm.contents(atPath: plan.clientKey + ".pub") else {
            throw CLIError("oversight: cannot read the key made in \(plan.ssh.stateDir)")
        }
        let authorized = authorizedKey(publicKey: String(decoding: clientPublic, as: UTF8.self))
        try SSHGateway.prepareState(plan.ssh, authorizedKeys: Data(authorized.utf8), entry: entryScript(plan))
        guard let hostPublic = fm.contents(atPath: plan.ssh.hostKey + ".pub") else {
            throw CLIError("oversight: cannot read the sshd host key made in \(plan.ssh.stateDir)")
        }
        let hostFields = String(decoding: hostPublic, as: UTF8.self).split(separator: " ")
        guard hostFields.count >= 2 else { throw CLIError("oversight: the sshd host key in \(plan.ssh.stateDir) is not readable") }
        let knownHosts = "[127.0.0.1]:\(plan.ssh.port) \(hostFields[0]) \(hostFields[1])\n"
        try fm.createDirectory(atPath: plan.templates, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o755])
        guard fm.createFile(atPath: plan.knownHosts, contents: Data(knownHosts.utf8), attributes: [.posixPermissions: 0o644]),
              fm.createFile(atPath: plan.templates + "/index.html", contents: Data(page.utf8), attributes: [.posixPermissions: 0o644]),
              fm.createFile(atPath: plan.server, contents: Data(server.utf8), attributes: [.posixPermissions: 0o644])
        else { throw CLIError("oversight: cannot write the gateway files in \(plan.ssh.stateDir)") }
    }

    /// Checks that the Python environment holds webssh, and which account can run it: `user`
    /// (returned) when that account can reach the interpreter, else nil (root runs the web server).
    static func checkPython(_ python: String, user: String) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw CLIError("--python: \(python) is not a Python interpreter; run scripts/setup.sh (it installs webssh "
                           + "\(webSSHVersion) into the project's .venv) or give --python")
        }
        guard let runuser = SSHGateway.findTool(["runuser"]) else { throw CLIError("oversight: runuser not found (package util-linux)") }
        let code = "import webssh, sys; sys.stdout.write(webssh.__version__)"
        let asUser = try SSHGateway.runTool(runuser, ["-u", user, "--", python, "-c", code])
        let probe = asUser.status == 0 ? asUser : try SSHGateway.runTool(python, ["-c", code])
        guard probe.status == 0 else {
            throw CLIError("oversight: \(python) has no webssh; run scripts/setup.sh "
                           + "(it installs webssh \(webSSHVersion) into the project's .venv) or give --python")
        }
        guard probe.output == webSSHVersion else {
            throw CLIError("oversight: webssh \(SSHGateway.oneLine(probe.output)) is installed in \(python)'s environment; "
                           + "this gateway needs \(webSSHVersion): run scripts/setup.sh")
        }
        return asUser.status == 0 ? user : nil
    }
}
