import Foundation
import OversightCore

/// One scripted step of a headless run.
public enum HeadlessStep: Sendable, Equatable {
    /// A key press.
    case key(Key)
    /// Type each character of a string as `.char` keys.
    case type(String)
    /// Move the clock forward by `ms` and deliver a tick.
    case advance(ms: Int64)
    /// Resize the terminal.
    case resize(Size)
    /// Deliver an assistant chunk (scripted mode).
    case chunk(requestID: Int, AssistantChunk)
    /// Deliver an assistant failure (scripted mode).
    case fail(requestID: Int, message: String)
    /// The terminal went away.
    case hangup
}

/// Drives a `SessionRuntime` without a terminal: applies scripted steps, records a frame after
/// each, and can wait (with a deadline, never a fixed sleep) for assistant replies in live mode.
public final class HeadlessBackend {
    public let runtime: SessionRuntime
    public let clock: ManualClock
    public private(set) var size: Size
    /// Frames rendered after each step, oldest first.
    public private(set) var frames: [CellGrid] = []
    /// Keep at most this many frames (older ones are dropped).
    public var frameLimit = 1000

    /// Drive `runtime` on `clock` at a terminal `size`; records the first frame.
    public init(runtime: SessionRuntime, clock: ManualClock, size: Size) {
        self.runtime = runtime
        self.clock = clock
        self.size = size
        record()
    }

    /// The latest frame.
    public var lastFrame: CellGrid { frames.last ?? runtime.frame(size) }

    /// The latest frame as plain text rows.
    public var screen: [String] { lastFrame.plainLines() }

    /// Run steps in order, stopping early if the session ends.
    public func run(_ steps: [HeadlessStep]) {
        for s in steps {
            guard runtime.outcome == .running else { return }
            step(s)
        }
    }

    /// Run one step and record the frame.
    public func step(_ s: HeadlessStep) {
        switch s {
        case .key(let k): runtime.send(.key(k))
        case .type(let text):
            for c in text { runtime.send(.key(.char(c))) }
        case .advance(let ms):
            clock.advance(ms)
            runtime.tick()
        case .resize(let newSize):
            size = newSize
            runtime.send(.resize(newSize))
        case .chunk(let id, let chunk): runtime.send(.assistantChunk(requestID: id, chunk))
        case .fail(let id, let message): runtime.send(.assistantFailed(requestID: id, message: message))
        case .hangup: runtime.send(.hangup)
        }
        runtime.drainInbox()
        record()
    }

    /// Process inbox events until `condition` holds or `timeout` seconds pass; true if it held.
    @discardableResult
    public func waitUntil(timeout: TimeInterval = 5, _ condition: (AppState) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition(runtime.state) {
            if Date() >= deadline { return false }
            if inboxWait(deadline) { runtime.drainInbox() }
        }
        record()
        return true
    }

    private func inboxWait(_ deadline: Date) -> Bool { runtime.inbox.wait(until: deadline) }

    private func record() {
        frames.append(runtime.frame(size))
        if frames.count > frameLimit { frames.removeFirst(frames.count - frameLimit) }
    }
}
