#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the terminal driver runs: a serial session that takes keys and sizes, wakes for its
/// own timers and async events, and renders whole frames. The participant screen's runtime is
/// adapted to it; tests and benchmarks can provide their own.
public protocol ScreenSession: AnyObject {
    /// Read end of the self-pipe that becomes readable when async events wait in the inbox
    /// (-1 when the session has none).
    var wakeFD: Int32 { get }
    /// Whether the session is over (finished or quit); the driver stops when it is.
    var isFinished: Bool { get }
    /// A key or a new terminal size.
    func handle(_ input: TerminalInput)
    /// Drains the inbox (and the wake pipe) and fires the timers that are due.
    func pump()
    /// Milliseconds until `pump()` is needed without any input; nil when no timer is armed.
    func millisecondsUntilWake() -> Int?
    /// The frame to show at this size.
    func frame(_ size: Size) -> CellGrid
    /// The session must end now: the terminal went away or a signal asked to stop. The session
    /// records why; the driver then restores the terminal.
    func stop(_ cause: StopCause)
}

/// Why the driver ends a session that has not finished by itself.
public enum StopCause: Equatable, Sendable {
    /// The terminal went away (stdin hung up, or SIGHUP).
    case hangup
    /// A termination signal (SIGTERM, SIGINT, SIGQUIT) arrived.
    case signal(Int32)

    /// The signal's conventional name (`SIGTERM`), or `hangup`.
    public var name: String {
        switch self {
        case .hangup: "hangup"
        case .signal(let sig): TerminalSignals.name(of: sig)
        }
    }
}

/// Why the driver returned.
public enum DriverExit: Equatable, Sendable {
    /// The session finished or the participant quit.
    case sessionEnded
    /// The terminal went away (stdin hung up).
    case hangup
    /// A termination signal arrived.
    case signal(Int32)
}

/// The event loop on a real terminal: `poll()` on stdin, the session's wake pipe and the signal
/// pipe with a timeout until the session's next timer; then drain keys, drain the inbox, fire
/// ticks, render and refresh. The terminal is restored (`endwin`) on every way out.
public final class TerminalDriver {
    private let terminal = NcursesTerminal()
    private let noColor: Bool

    /// Creates a driver; `noColor` paints with attributes only.
    public init(noColor: Bool) {
        self.noColor = noColor
    }

    /// Runs `session` until it ends, the terminal goes away or a signal arrives.
    public func run(_ session: ScreenSession) throws -> DriverExit {
        TerminalSignals.unblockAll()
        let signalFD = try TerminalSignals.installTermination()
        defer { TerminalSignals.uninstallTermination(readFD: signalFD) }
        try terminal.start(noColor: noColor)
        defer { terminal.stop() }
        TerminalSignals.installWindowChange()
        defer { TerminalSignals.uninstallWindowChange() }

        var size = terminal.size
        session.handle(.resize(size))
        session.pump()
        terminal.paint(session.frame(size))

        var fds = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
            pollfd(fd: session.wakeFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0),
        ]
        while !session.isFinished {
            let timeout = session.millisecondsUntilWake().map { Int32(clamping: max(0, min($0, 60_000))) } ?? -1
            for i in fds.indices { fds[i].revents = 0 }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 {
                let code = errno
                if code != EINTR && code != EAGAIN { throw TerminalError.system("poll", code) }
            }
            if fds[2].revents & Int16(POLLIN) != 0 {
                while let sig = TerminalSignals.readPending(signalFD) {
                    if sig == SIGWINCH { continue }   // the resize is read below as KEY_RESIZE
                    session.stop(sig == SIGHUP ? .hangup : .signal(sig))
                    return sig == SIGHUP ? .hangup : .signal(sig)
                }
            }
            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                session.stop(.hangup)
                return .hangup
            }
            while !session.isFinished, let read = terminal.read() {
                if NcursesKeys.isResize(read) {
                    let now = terminal.size
                    if now != size {
                        size = now
                        session.handle(.resize(size))
                    }
                } else if let key = NcursesKeys.key(for: read) {
                    session.handle(.key(key))
                }
            }
            if session.isFinished { break }
            session.pump()
            if session.isFinished { break }
            // A resize can arrive between polls without a KEY_RESIZE being read yet.
            let now = terminal.size
            if now != size {
                size = now
                session.handle(.resize(size))
            }
            terminal.paint(session.frame(size))
        }
        return .sessionEnded
    }
}
