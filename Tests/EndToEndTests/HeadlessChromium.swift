import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Debian's headless Chromium driven through the DevTools protocol over a pipe
/// (`--remote-debugging-pipe`: commands go in on its fd 3, answers come out on its fd 4, each
/// message a JSON object ended by a NUL byte). Enough to open a page, wait for it, type and
/// take a screenshot.
final class HeadlessChromium {
    let pid: pid_t
    private let toBrowser: Int32
    private let fromBrowser: Int32
    private var buffer = Data()
    private var nextID = 0
    private var closed = false

    /// The browser's path, or a skip that says how to install it.
    static func path() throws -> String {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        throw XCTSkip("headless Chromium is not installed (scripts/setup.sh --chromium installs Debian's chromium); the browser test did not run")
    }

    init(profile: URL, log: URL, width: Int = 900, height: Int = 600, extraArguments: [String] = []) throws {
        let browser = try Self.path()
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw BrowserError("pipe failed: errno \(errno)") }
        // Move every end above the numbers the child gets, so dup2 onto 3 and 4 cannot clash.
        let high = [input[0], input[1], output[0], output[1]].map { fd -> Int32 in
            let moved = fcntl(fd, F_DUPFD_CLOEXEC, 100)
            close(fd)
            return moved
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, high[0], 3)
        posix_spawn_file_actions_adddup2(&actions, high[3], 4)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                    "--user-data-dir=\(profile.path)", "--window-size=\(width),\(height)", "--remote-debugging-pipe"]
            + extraArguments + ["about:blank"]
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, browser, &actions, &attributes, argv, environ)
        close(high[0])
        close(high[3])
        guard status == 0 else {
            close(high[1]); close(high[2])
            throw BrowserError("cannot start chromium: errno \(status)")
        }
        pid = child
        toBrowser = high[1]
        fromBrowser = high[2]
    }

    deinit { quit() }

    /// Sends one command and returns its `result`; events that arrive meanwhile are dropped.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], session: String? = nil,
              timeout: TimeInterval = 30) throws -> [String: Any] {
        nextID += 1
        var message: [String: Any] = ["id": nextID, "method": method, "params": params]
        if let session { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        let written = data.withUnsafeBytes { write(toBrowser, $0.baseAddress, $0.count) }
        guard written == data.count else { throw BrowserError("\(method): cannot write to chromium (errno \(errno))") }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            while let end = buffer.firstIndex(of: 0) {
                let one = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[buffer.index(after: end)...])
                guard let object = try JSONSerialization.jsonObject(with: Data(one)) as? [String: Any],
                      object["id"] as? Int == nextID else { continue }
                if let error = object["error"] { throw BrowserError("\(method): \(error)") }
                return object["result"] as? [String: Any] ?? [:]
            }
            let left = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
            guard left > 0 else { throw BrowserError("\(method): chromium did not answer within \(Int(timeout)) s") }
            var poller = pollfd(fd: fromBrowser, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, min(left, 200)) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = read(fromBrowser, &chunk, chunk.count)
            guard n > 0 else { throw BrowserError("\(method): chromium closed its pipe") }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    /// Opens `url` in a new tab; returns the tab's target id and the session that drives it.
    func open(_ url: String) throws -> (target: String, session: String) {
        let target = try call("Target.createTarget", ["url": url])["targetId"] as? String ?? ""
        let session = try call("Target.attachToTarget", ["targetId": target, "flatten": true])["sessionId"] as? String ?? ""
        return (target, session)
    }

    /// Closes a tab (its connections close with it).
    func closeTab(_ target: String) throws {
        try call("Target.closeTarget", ["targetId": target])
    }

    /// The value of a JavaScript expression in the tab.
    func evaluate(_ expression: String, session: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Types `text` as key presses (`\r` is Enter, `\u{8}` Backspace).
    func type(_ text: String, session: String) throws {
        for c in text {
            var key: [String: Any]
            switch c {
            case "\r": key = ["key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13]
            case "\u{8}": key = ["key": "Backspace", "code": "Backspace", "windowsVirtualKeyCode": 8]
            default: key = ["key": String(c)]
            }
            var down = key
            down["type"] = "keyDown"
            if c != "\u{8}" { down["text"] = String(c) }
            try call("Input.dispatchKeyEvent", down, session: session)
            key["type"] = "keyUp"
            try call("Input.dispatchKeyEvent", key, session: session)
        }
    }

    /// A PNG screenshot of the tab.
    func screenshot(session: String) throws -> Data {
        let base64 = try call("Page.captureScreenshot", ["format": "png"], session: session)["data"] as? String ?? ""
        return Data(base64Encoded: base64) ?? Data()
    }

    func quit() {
        guard !closed else { return }
        closed = true
        _ = try? call("Browser.close", timeout: 5)
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(10)
        while waitpid(pid, &status, WNOHANG) == 0 && Date() < deadline { usleep(50_000) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL); waitpid(pid, &status, 0) }
        Glibc.close(toBrowser)
        Glibc.close(fromBrowser)
    }
}

struct BrowserError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
