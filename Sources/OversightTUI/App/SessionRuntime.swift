// SessionRuntime: the serial event funnel of one participant session.
//
// API (all calls from ONE thread, the driver's loop; only `inbox` is thread-safe):
//
//   let runtime = try SessionRuntime(study: resolved, participant: "p01", assistant: assistant,
//                                    log: writer, history: readResult.records, size: termSize)
//       Fresh log (`history` empty): writes `session_start` and shows the instructions.
//       Existing log: replays every record through `AppCore.apply` (the same function the live
//       session uses), then writes `session_resume` and shows the screen it had reached.
//       Throws `SessionRuntimeError` when the log is finished, belongs to another study,
//       participant or question draw, or its first records cannot be written.
//   runtime.inbox.setWakeHandler { ... }   // called from any thread when an event is posted
//                                          // (the ncurses driver writes to its self-pipe)
//   runtime.send(.key(k)) / .send(.resize(size)) / .send(.hangup) / .send(.terminate(signal:))
//       Runs `AppCore.update` after a tick at the current time, writes every `.appendLog`
//       effect to the log BEFORE applying it, runs `AppCore.react` on each applied record (its
//       effects in turn), and runs the other effects in order.
//   runtime.drainInbox()        // process events posted by assistant streams
//   runtime.tick()              // deliver the current time (timers, debounce, heartbeats)
//   runtime.msUntilWake()       // poll timeout for the next tick, nil = wait for input
//   runtime.frame(size)         // the CellGrid to paint (cursor declared in it)
//   runtime.outcome             // .running, .finished(code), .quit(reason): stop when not running
//
// `session_end` is written by the runtime (the core asks with `.endSession`): it checks that the
// file on disk still holds the chain it wrote (else it writes `log_changed` first), then derives
// the completion code from the hash of the final record, keyed with the study secret if any.
//
// A failed log write is never ignored: the state records it (an error banner replaces the
// answer controls), no further answers are accepted, and `lastLogError` holds the error.

import Foundation
import OversightCore

/// Somewhere session events are appended; `SessionLogWriter` is the real one.
public protocol SessionLogSink: AnyObject {
    /// Append one event at active time `monoMs`; returns the record written.
    @discardableResult
    func append(_ event: SessionEvent, monoMs: Int64) throws -> LogRecord
    /// Active time of the last record written or read.
    var lastMonoMs: Int64 { get }
    /// SHA-256 of the last record written or read: the `prev` of the next one.
    var lastHash: String { get }
    /// Nil when the stored log still holds exactly the records this sink wrote (or read);
    /// otherwise what differs, in a few words.
    func changedOnDisk() -> String?
}

extension SessionLogWriter: SessionLogSink {}

/// A monotonic millisecond clock (injected so tests control time).
public struct MonotonicClock: Sendable {
    /// Milliseconds since an arbitrary fixed point; never goes backwards.
    public var nowMs: @Sendable () -> Int64

    /// A clock reading `nowMs`.
    public init(nowMs: @escaping @Sendable () -> Int64) { self.nowMs = nowMs }

    /// The system's monotonic clock.
    public static let system = MonotonicClock {
        Int64(DispatchTime.now().uptimeNanoseconds / 1_000_000)
    }
}

/// A clock that moves only when told to, for tests and headless runs.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    /// A clock standing at `startMs`.
    public init(startMs: Int64 = 0) { now = startMs }

    /// Current time.
    public var nowMs: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return now
    }

    /// Move time forward by `ms`.
    public func advance(_ ms: Int64) {
        lock.lock()
        now += max(0, ms)
        lock.unlock()
    }

    /// This clock as a `MonotonicClock`.
    public var clock: MonotonicClock { MonotonicClock { [self] in self.nowMs } }
}

/// Thread-safe queue of events posted by background work (assistant streams).
public final class RuntimeInbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [AppEvent] = []
    private var wake: (@Sendable () -> Void)?

    /// An empty inbox.
    public init() {}

    /// Called (on the posting thread) after each post, e.g. to write to a self-pipe.
    public func setWakeHandler(_ handler: (@Sendable () -> Void)?) {
        condition.lock()
        wake = handler
        condition.unlock()
    }

    /// Queue an event; safe from any thread.
    public func post(_ event: AppEvent) {
        condition.lock()
        events.append(event)
        let w = wake
        condition.signal()
        condition.unlock()
        w?()
    }

    /// Take every queued event.
    public func drain() -> [AppEvent] {
        condition.lock()
        defer { condition.unlock() }
        let out = events
        events.removeAll()
        return out
    }

    /// Block until an event is queued or `deadline` passes; true when one is queued.
    public func wait(until deadline: Date) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while events.isEmpty {
            if !condition.wait(until: deadline) { return !events.isEmpty }
        }
        return true
    }
}

/// Why a session cannot be started from a log.
public enum SessionRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The log already has `session_end`.
    case alreadyFinished(completionCode: String)
    /// The log does not start with `session_start`.
    case missingStart
    /// The log belongs to another study, participant or question draw.
    case mismatch(String)
    /// The first records could not be written.
    case logUnwritable(String)

    public var description: String {
        switch self {
        case .alreadyFinished(let code):
            "this session is already finished (completion code \(code)); it cannot be started again"
        case .missingStart: "the session log does not begin with session_start"
        case .mismatch(let m): "the session log does not match: \(m)"
        case .logUnwritable(let m): "the session log cannot be written: \(m)"
        }
    }
}

/// The serial funnel of one session: every event goes through `send`, every durable change is
/// logged before it takes effect. See the API summary at the top of this file.
public final class SessionRuntime {
    /// How assistant replies are produced.
    public enum AssistantMode: Sendable {
        /// Stream from the assistant in a detached task; chunks come back through `inbox`.
        case live
        /// Hand each request to the caller's recorder instead; the caller posts the chunks
        /// (the simulated participant plays them on its own clock; headless tests script them).
        case recorded(RequestRecorder)
    }

    public private(set) var state: AppState
    public private(set) var outcome: SessionOutcome = .running
    /// Events posted by background work; drained by `drainInbox()`.
    public let inbox = RuntimeInbox()
    /// The last log write error, if any.
    public private(set) var lastLogError: String?

    private let log: any SessionLogSink
    private let assistant: any Assistant
    private let clock: MonotonicClock
    private let clockBase: Int64
    private let activeBase: Int64
    private let mode: AssistantMode
    private let secret: StudySecret?
    private var tasks: [Int: Task<Void, Never>] = [:]
    /// Active time at which time stands while `state.timePaused` (that of the `time_paused`
    /// record), nil while it runs.
    private var frozenAt: Int64?
    /// Clock time spent paused, never counted as active time.
    private var pausedTotal: Int64 = 0

    /// Start a session, fresh (`history` empty) or resumed from the records of its log.
    public init(study: ResolvedStudy, participant: String, assistant: any Assistant, log: any SessionLogSink,
                history: [LogRecord] = [], size: Size, clock: MonotonicClock = .system,
                wallNowMs: @Sendable () -> Int64 = SessionLogWriter.wallNow,
                sessionID: String = UUID().uuidString.lowercased(), assistantMode: AssistantMode = .live,
                secret: StudySecret? = nil) throws {
        let context = StudyContext(study, participant: participant)
        var s = AppState(context: context, size: size)
        if let first = history.first {
            guard case .sessionStart(let start) = first.event else { throw SessionRuntimeError.missingStart }
            if start.studyID != study.study.id {
                throw SessionRuntimeError.mismatch("study \(start.studyID), expected \(study.study.id)")
            }
            if start.participant != participant {
                throw SessionRuntimeError.mismatch("participant \(start.participant), expected \(participant)")
            }
            if start.questionsHash != study.questionsHash {
                throw SessionRuntimeError.mismatch("the questions drawn differ (questions_hash)")
            }
            if let code = history.completionCode { throw SessionRuntimeError.alreadyFinished(completionCode: code) }
            for r in history { AppCore.apply(&s, r.event, monoMs: r.monoMs) }
        }
        state = s
        self.log = log
        self.assistant = assistant
        self.clock = clock
        self.mode = assistantMode
        self.secret = secret
        clockBase = clock.nowMs()
        activeBase = max(log.lastMonoMs, history.last?.monoMs ?? 0)
        state.nowMs = activeBase
        if let last = history.last {
            perform(AppCore.resumeEffects(state, downtimeMs: wallNowMs() - last.wallMs))
        } else {
            perform(AppCore.startEffects(state, sessionID: sessionID))
        }
        followPause()
        if let error = lastLogError {
            shutdown()
            throw SessionRuntimeError.logUnwritable(error)
        }
    }

    /// Active session time now (the log's `mono_ms`): it stands still while the state says
    /// time is paused (the terminal too small to show the screen).
    public var nowMs: Int64 {
        if let frozenAt { return frozenAt }
        return activeBase + max(0, clock.nowMs() - clockBase - pausedTotal)
    }

    /// Stops or restarts the active clock when a logged `time_paused` / `time_resumed` changed
    /// the state. Time stands at the pause record's time and runs on from it.
    private func followPause() {
        if state.timePaused, frozenAt == nil {
            frozenAt = max(state.nowMs, activeBase)
        } else if !state.timePaused, let frozen = frozenAt {
            pausedTotal = max(0, clock.nowMs() - clockBase - (frozen - activeBase))
            frozenAt = nil
        }
    }

    /// Process one event (after delivering the current time).
    public func send(_ event: AppEvent) {
        guard outcome == .running else { return }
        let now = nowMs
        if case .tick = event {
            process(.tick(nowMs: now))
            return
        }
        let screen = (state.phase, state.block, state.index)
        process(.tick(nowMs: now))
        // A key pressed just as the timer ran out was meant for the old screen: drop it rather
        // than let it act on the feedback screen or the next question.
        if case .key = event, (state.phase, state.block, state.index) != screen { return }
        process(event)
    }

    /// Deliver the current time.
    public func tick() { send(.tick(nowMs: nowMs)) }

    /// Process every event posted to the inbox; returns how many there were.
    @discardableResult
    public func drainInbox() -> Int {
        let events = inbox.drain()
        for e in events { send(e) }
        return events.count
    }

    /// When the next tick is due, in active-time ms; nil when nothing is scheduled.
    public var nextWakeMs: Int64? { AppCore.nextWakeMs(state) }

    /// Milliseconds until the next tick is due (0 = now), nil = wait for input only.
    public func msUntilWake() -> Int? {
        guard let t = nextWakeMs else { return nil }
        return Int(max(0, t - nowMs))
    }

    /// The frame to paint at `size`.
    public func frame(_ size: Size) -> CellGrid { AppCore.render(state, size: size) }

    /// True while assistant replies are in flight (live mode).
    public var hasActiveReplies: Bool { !tasks.isEmpty }

    /// Cancel all background work (call when the loop ends).
    public func shutdown() {
        for t in tasks.values { t.cancel() }
        tasks.removeAll()
    }

    // MARK: - Effects

    private func process(_ event: AppEvent) {
        if case .assistantChunk(let id, .done) = event { tasks[id] = nil }
        if case .assistantFailed(let id, _) = event { tasks[id] = nil }
        perform(AppCore.update(&state, event))
        followPause()
    }

    private func perform(_ effects: [Effect]) {
        var failed = false
        for effect in effects {
            switch effect {
            case .appendLog, .endSession:
                if failed || state.logFailure != nil { failed = true; continue }
                do {
                    if case .appendLog(let event) = effect { try write(event) } else { try endSession() }
                } catch {
                    let message = (error as? LogWriteError)?.message ?? String(describing: error)
                    lastLogError = message
                    state.logFailure = message
                    state.overlay = nil
                    failed = true
                }
            case .startReply(let id, let qid, let messages):
                if failed || state.logFailure != nil { continue }
                startReply(id: id, questionID: qid, messages: messages)
            case .cancelReply(let id):
                tasks[id]?.cancel()
                tasks[id] = nil
            case .prepareAssistant(let qid, let messages):
                if failed { continue }
                if case .recorded = mode { continue }
                let request = AssistantRequest(id: 0, messages: messages, question: state.context.question(id: qid))
                let assistant = self.assistant
                Task.detached { await assistant.prepare(request) }
            case .quit(let reason):
                if case .finished(let code) = reason {
                    outcome = .finished(completionCode: code)
                } else {
                    outcome = .quit(reason)
                }
                shutdown()
            }
        }
    }

    /// Writes `session_end` (after `log_changed` when the file was changed behind our back)
    /// and applies what was written.
    private func endSession() throws {
        if let change = log.changedOnDisk() { try write(.logChanged(detail: change)) }
        let code = CompletionCode.make(studyID: state.context.study.id, participant: state.context.participant,
                                       finalHash: log.lastHash, secret: secret)
        try write(.sessionEnd(completionCode: code))
    }

    /// Writes one record to the log, applies it, then runs what follows from it (`react`):
    /// the order every durable change takes.
    private func write(_ event: SessionEvent) throws {
        let record = try log.append(event, monoMs: state.nowMs)
        AppCore.apply(&state, event, monoMs: record.monoMs)
        perform(AppCore.react(&state, applied: event))
    }

    private func startReply(id: Int, questionID: String, messages: [ChatMessage]) {
        if case .recorded(let recorder) = mode {
            recorder.record(requestID: id, messages: messages)
            return
        }
        // A consultant's or debater's speech also carries its assignment (for the simulated assistant).
        let request = AssistantRequest(id: id, messages: messages, question: state.context.question(id: questionID),
                                       speech: AppCore.speechRequest(state, id: id))
        let assistant = self.assistant
        let inbox = self.inbox
        tasks[id] = Task.detached {
            var finished = false
            do {
                for try await chunk in assistant.stream(request) {
                    if Task.isCancelled { return }
                    inbox.post(.assistantChunk(requestID: id, chunk))
                    if case .done = chunk { finished = true; break }
                }
                if Task.isCancelled { return }
                if !finished { inbox.post(.assistantChunk(requestID: id, .done(AssistantUsage()))) }
            } catch let e as AssistantError {
                if e == .cancelled || Task.isCancelled { return }
                inbox.post(.assistantFailed(requestID: id, message: e.message))
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                inbox.post(.assistantFailed(requestID: id, message: String(describing: error)))
            }
        }
    }
}

/// The requests a runtime in `.recorded` mode started, in order, for the caller that answers
/// them.
public final class RequestRecorder: @unchecked Sendable {
    public struct Request: Sendable, Equatable {
        public var requestID: Int
        public var messages: [ChatMessage]
    }

    private let lock = NSLock()
    private var list: [Request] = []

    public init() {}

    /// Every request started so far.
    public var requests: [Request] { lock.withLock { list } }

    func record(requestID: Int, messages: [ChatMessage]) {
        lock.withLock { list.append(Request(requestID: requestID, messages: messages)) }
    }
}
