import Foundation

/// The monitor on the terminal driver: each wake reads what the logs gained, moves the clock
/// and re-renders; keys sort, scroll and quit. It has no inbox: it wakes on its refresh timer.
public final class MonitorScreenSession: ScreenSession {
    public private(set) var state: MonitorState
    private let tail: LogFolderTail
    private let clock: () -> Int64
    private let refreshMs: Int
    private var lastPollMs: Int64?
    public private(set) var isFinished = false

    /// `refreshMs`: how often the logs are read again.
    public init(state: MonitorState, tail: LogFolderTail, refreshMs: Int = 500,
                clock: @escaping () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }) {
        self.state = state
        self.tail = tail
        self.refreshMs = refreshMs
        self.clock = clock
    }

    public var wakeFD: Int32 { -1 }

    private func send(_ event: MonitorEvent) {
        if MonitorCore.update(&state, event).contains(.quit) { isFinished = true }
    }

    public func handle(_ input: TerminalInput) {
        switch input {
        case .key(let key): send(.key(key))
        case .resize(let size): send(.resize(size))
        }
    }

    public func pump() {
        let now = clock()
        if let last = lastPollMs, now - last < Int64(refreshMs) { return }
        lastPollMs = now
        for e in tail.poll() { send(e) }
        send(.tick(nowMs: now))
    }

    public func millisecondsUntilWake() -> Int? {
        guard let last = lastPollMs else { return 0 }
        return Int(max(0, min(Int64(refreshMs), last + Int64(refreshMs) - clock())))
    }

    public func frame(_ size: Size) -> CellGrid { MonitorRender.render(state, size: size) }

    public func stop(_ cause: StopCause) { isFinished = true }
}
