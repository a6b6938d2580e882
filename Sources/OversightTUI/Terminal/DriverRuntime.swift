#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Connects the session runtime to the terminal driver: posting to the runtime's inbox writes a
/// byte to a self-pipe, so the driver's `poll()` wakes as soon as a reply chunk arrives.
public final class RuntimeScreenSession: ScreenSession {
    /// The runtime being driven.
    public let runtime: SessionRuntime
    private let readFD: Int32
    private let writeFD: Int32

    /// Wraps `runtime` and installs the inbox's wake handler.
    public init(runtime: SessionRuntime) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw TerminalError.system("pipe", errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
        self.runtime = runtime
        let target = writeFD
        runtime.inbox.setWakeHandler {
            var byte: UInt8 = 1
            // A full pipe already guarantees a wake-up, so a failed write needs no retry.
            _ = write(target, &byte, 1)
        }
    }

    deinit {
        runtime.inbox.setWakeHandler(nil)
        close(readFD)
        close(writeFD)
    }

    public var wakeFD: Int32 { readFD }

    public var isFinished: Bool { runtime.outcome != .running }

    public func handle(_ input: TerminalInput) {
        switch input {
        case .key(let key): runtime.send(.key(key))
        case .resize(let size): runtime.send(.resize(size))
        }
    }

    public func pump() {
        var scratch = [UInt8](repeating: 0, count: 256)
        while scratch.withUnsafeMutableBytes({ read(readFD, $0.baseAddress, $0.count) }) > 0 {}
        runtime.drainInbox()
        runtime.tick()
    }

    public func millisecondsUntilWake() -> Int? { runtime.msUntilWake() }

    public func frame(_ size: Size) -> CellGrid { runtime.frame(size) }

    public func stop(_ cause: StopCause) {
        switch cause {
        case .hangup: runtime.send(.hangup)
        case .signal(let sig): runtime.send(.terminate(signal: TerminalSignals.name(of: sig)))
        }
    }
}
