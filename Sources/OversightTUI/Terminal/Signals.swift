#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// State read by the signal handlers. Written only while no handler is installed, so the
// handlers see stable values; all are trivially initialised (no lazy globals in a handler).
nonisolated(unsafe) private var signalWriteFD: Int32 = -1
nonisolated(unsafe) private var crashResetBytes: UnsafeMutablePointer<UInt8>? = nil
nonisolated(unsafe) private var crashResetCount: Int = 0
nonisolated(unsafe) private var crashTermios: UnsafeMutablePointer<termios>? = nil
nonisolated(unsafe) private var previousWinch: UnsafeMutablePointer<sigaction>? = nil
/// Actions that were installed for the crash signals before ours, indexed by signal number.
nonisolated(unsafe) private var previousCrash: UnsafeMutablePointer<sigaction>? = nil
private let signalSlots = 65

/// Writes the signal number to the self-pipe the event loop polls (async-signal-safe).
private func onTerminationSignal(_ sig: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(signalWriteFD, &byte, 1)
    errno = savedErrno
}

/// Lets ncurses' own SIGWINCH handler note the resize (it turns it into `KEY_RESIZE`), then
/// wakes the event loop, which may be blocked in `poll()` on a thread the signal did not hit.
private func onWindowChange(_ sig: Int32) {
    let savedErrno = errno
    if let previous = previousWinch {
        #if canImport(Glibc)
        if previous.pointee.sa_flags & Int32(SA_SIGINFO) != 0 {
            previous.pointee.__sigaction_handler.sa_sigaction?(sig, nil, nil)
        } else if let handler = previous.pointee.__sigaction_handler.sa_handler,
                  unsafeBitCast(handler, to: Int.self) > 1 {
            handler(sig)
        }
        #endif
    }
    var byte = UInt8(truncatingIfNeeded: sig)
    _ = write(signalWriteFD, &byte, 1)
    errno = savedErrno
}

/// Puts the terminal back (saved tty modes, leave the alternate screen, show the cursor) and
/// lets the signal take its default course. Only async-signal-safe calls.
private func onCrashSignal(_ sig: Int32) {
    if let bytes = crashResetBytes, crashResetCount > 0 {
        _ = write(STDOUT_FILENO, bytes, crashResetCount)
    }
    if let saved = crashTermios {
        _ = tcsetattr(STDIN_FILENO, TCSANOW, saved)
    }
    // Hand the signal to whoever had it before (the runtime's crash reporter, which can now
    // print on a sane terminal), or to the default action that SA_RESETHAND put back.
    if let previous = previousCrash, sig > 0, Int(sig) < signalSlots {
        _ = sigaction(sig, previous + Int(sig), nil)
    }
    _ = raise(sig)
    // A reporter may return (it expects a real fault to strike again, which a signal sent from
    // outside does not): make sure the process still ends.
    _ = signal(sig, SIG_DFL)
    _ = raise(sig)
}

/// Signal handling for a full-screen session.
///
/// Termination signals (TERM, HUP, INT, QUIT) do not end the process directly: the handler
/// writes the signal number to a pipe that the event loop polls, so the loop logs why it stops
/// and restores the terminal with `endwin()` like any other exit. Crash signals (SEGV, BUS,
/// ILL, TRAP, ABRT, FPE) restore the tty modes and screen from a handler before the process
/// dies, so even a crash does not leave a broken terminal.
public enum TerminalSignals {
    /// Signals that ask the app to stop; delivered through the pipe.
    public static let termination: [Int32] = [SIGTERM, SIGHUP, SIGINT, SIGQUIT]
    static let crash: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE]

    /// Conventional name of a signal number (`SIGTERM`), or `signal N`.
    public static func name(of sig: Int32) -> String {
        switch sig {
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        default: "signal \(sig)"
        }
    }

    /// Clears the signal mask a parent process may have left blocked (a test runner, a shell).
    public static func unblockAll() {
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
    }

    /// Installs the termination handlers; returns the read end of the pipe they write to.
    public static func installTermination() throws -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TerminalError.system("pipe", errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        signalWriteFD = fds[1]
        for sig in termination { setHandler(sig, onTerminationSignal, flags: Int32(SA_RESTART)) }
        signal(SIGPIPE, SIG_IGN)
        return fds[0]
    }

    /// Chains a handler in front of ncurses' SIGWINCH handler (install after curses starts) so a
    /// resize wakes the loop whichever thread receives the signal.
    public static func installWindowChange() {
        let old = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
        old.initialize(to: sigaction())
        sigaction(SIGWINCH, nil, old)
        previousWinch?.deallocate()
        previousWinch = old
        setHandler(SIGWINCH, onWindowChange, flags: Int32(SA_RESTART))
    }

    /// Puts back the SIGWINCH handler found by `installWindowChange`.
    public static func uninstallWindowChange() {
        if let old = previousWinch {
            sigaction(SIGWINCH, old, nil)
        } else {
            signal(SIGWINCH, SIG_DFL)
        }
    }

    /// Restores the default actions and closes the pipe.
    public static func uninstallTermination(readFD: Int32) {
        for sig in termination { signal(sig, SIG_DFL) }
        if signalWriteFD >= 0 { close(signalWriteFD) }
        signalWriteFD = -1
        if readFD >= 0 { close(readFD) }
    }

    /// Reads one pending signal number from the pipe, nil when none.
    public static func readPending(_ readFD: Int32) -> Int32? {
        var byte: UInt8 = 0
        return read(readFD, &byte, 1) == 1 ? Int32(byte) : nil
    }

    /// Arms the crash handlers with the tty modes to restore and the bytes that reset the screen.
    public static func armCrashRestore(termios saved: termios?, reset: [UInt8]) {
        crashResetBytes?.deallocate()
        crashResetBytes = nil
        crashResetCount = 0
        if !reset.isEmpty {
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: reset.count)
            buffer.initialize(from: reset, count: reset.count)
            crashResetBytes = buffer
            crashResetCount = reset.count
        }
        crashTermios?.deallocate()
        crashTermios = nil
        if let saved {
            let pointer = UnsafeMutablePointer<termios>.allocate(capacity: 1)
            pointer.initialize(to: saved)
            crashTermios = pointer
        }
        if previousCrash == nil {
            let table = UnsafeMutablePointer<sigaction>.allocate(capacity: signalSlots)
            table.initialize(repeating: sigaction(), count: signalSlots)
            for sig in crash { sigaction(sig, nil, table + Int(sig)) }
            previousCrash = table
        }
        for sig in crash { setHandler(sig, onCrashSignal, flags: Int32(bitPattern: UInt32(SA_RESETHAND) | UInt32(SA_NODEFER))) }
    }

    /// Puts back the crash handling that was there before arming (once the terminal is restored).
    public static func disarmCrashRestore() {
        for sig in crash {
            if let previous = previousCrash {
                sigaction(sig, previous + Int(sig), nil)
            } else {
                signal(sig, SIG_DFL)
            }
        }
    }

    private static func setHandler(_ sig: Int32, _ handler: @convention(c) (Int32) -> Void, flags: Int32) {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = flags
        sigaction(sig, &action, nil)
    }
}

/// Failures of the terminal layer, printed after the terminal is restored.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    /// stdin or stdout is not a terminal.
    case notATerminal
    /// ncurses could not start (unknown `TERM`, for instance).
    case cannotStart(String)
    /// A system call failed.
    case system(String, Int32)

    public var description: String {
        switch self {
        case .notATerminal:
            "this command needs an interactive terminal (stdin and stdout must be a terminal)"
        case .cannotStart(let why): "cannot start the terminal screen: \(why)"
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
