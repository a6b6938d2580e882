import Foundation
import OversightAssistants
import OversightCore
import OversightTUI

/// Writes a simulated session: every record goes to the real log writer unchanged, except that
/// `session_start` is marked `"simulated": true`, so the scorer never takes it for a person.
public final class SimulatedLogSink: SessionLogSink {
    private let base: any SessionLogSink

    /// Mark the sessions written through `base`.
    public init(_ base: any SessionLogSink) { self.base = base }

    @discardableResult
    public func append(_ event: SessionEvent, monoMs: Int64) throws -> LogRecord {
        if case .sessionStart(var start) = event {
            start.simulated = true
            return try base.append(.sessionStart(start), monoMs: monoMs)
        }
        return try base.append(event, monoMs: monoMs)
    }

    public var lastMonoMs: Int64 { base.lastMonoMs }
    public var lastHash: String { base.lastHash }
    public func changedOnDisk() -> String? { base.changedOnDisk() }
}

/// What one simulated session did.
public struct SimulatedSessionSummary: Sendable, Equatable {
    public var participant: String
    public var outcome: SessionOutcome
    public var answers: Int
    public var correct: Int
    public var messages: Int
    public var failedReplies: Int
    public var timedOut: Int
    /// Replies of a participant model that named neither a message nor an option.
    public var unparsedDecisions = 0
    /// The log write error, if the runtime met one.
    public var logError: String?
}

/// A participant played by a seeded policy through the real `SessionRuntime`: it presses the
/// keys a person would (F3/F4 to move between panes, letters and digits to answer, Enter to
/// submit or send), its messages go to the study's real assistant, and the runtime writes the
/// ordinary session log. Time is input: a `ManualClock` moves by the policy's times, so a
/// 45-second question takes no wall time, and timers, heartbeats and time limits behave as in a
/// real session. Same seed, participant and study: the same keys, answers and records.
public struct SimulatedParticipant {
    public let policy: SimulationPolicy
    public let seed: UInt64
    public let participant: String
    /// A language model that decides instead of the policy (`--participant-model`); the
    /// policy still gives the times and the message limit.
    public var model: ParticipantModel?
    public var size = Size(cols: 120, rows: 40)

    public init(policy: SimulationPolicy, seed: UInt64, participant: String, model: ParticipantModel? = nil) {
        self.policy = policy
        self.seed = seed
        self.participant = participant
        self.model = model
    }

    /// The session id a simulated session gets (derived from seed, study and participant, so
    /// a rerun with the same seed writes the same records).
    public static func sessionID(seed: UInt64, studyID: String, participant: String) -> String {
        "sim-" + SHA256.hex("oversight-simulate\n\(seed)\n\(studyID)\n\(participant)").prefix(32)
    }

    /// Play the whole study; the log (through `SimulatedLogSink`) receives every record.
    /// Throws `SessionRuntimeError` when the session cannot start.
    public func run(study: ResolvedStudy, assistant: any Assistant, log: any SessionLogSink,
                    secret: StudySecret? = nil) async throws -> SimulatedSessionSummary {
        let clock = ManualClock()
        let recorder = RequestRecorder()
        let runtime = try SessionRuntime(
            study: study, participant: participant, assistant: assistant, log: SimulatedLogSink(log),
            size: size, clock: clock.clock,
            sessionID: Self.sessionID(seed: seed, studyID: study.study.id, participant: participant),
            assistantMode: .recorded(recorder), secret: secret)
        defer { runtime.shutdown() }
        var driver = Driver(runtime: runtime, recorder: recorder, clock: clock, assistant: assistant, policy: policy,
                            rng: SeededRandom(seed: seed, label: "simulate/\(study.study.id)/\(participant)"))
        driver.model = model
        driver.size = size
        await driver.play()
        return driver.summary(participant)
    }

    /// The key-pressing loop of one session.
    struct Driver {
        let runtime: SessionRuntime
        /// The requests the runtime started, which the driver answers.
        let recorder: RequestRecorder
        let clock: ManualClock
        let assistant: any Assistant
        let policy: SimulationPolicy
        var rng: SeededRandom
        var ability = 0.0
        var model: ParticipantModel?
        var size = Size(cols: 120, rows: 40)
        var answers = 0, correct = 0, messages = 0, failed = 0, timedOut = 0, unparsed = 0

        init(runtime: SessionRuntime, recorder: RequestRecorder, clock: ManualClock, assistant: any Assistant, policy: SimulationPolicy,
             rng: SeededRandom) {
            self.runtime = runtime
            self.recorder = recorder
            self.clock = clock
            self.assistant = assistant
            self.policy = policy
            self.rng = rng
            ability = policy.abilitySD * normal()
        }

        func summary(_ participant: String) -> SimulatedSessionSummary {
            SimulatedSessionSummary(participant: participant, outcome: runtime.outcome, answers: answers,
                                    correct: correct, messages: messages, failedReplies: failed,
                                    timedOut: timedOut, unparsedDecisions: unparsed, logError: runtime.lastLogError)
        }

        mutating func normal() -> Double { rng.normal() }

        mutating func play() async {
            var guardSteps = 0
            while runtime.outcome == .running, runtime.lastLogError == nil {
                guardSteps += 1
                if guardSteps > 1_000_000 { return }   // a screen that never moves on: stop
                switch runtime.state.phase {
                case .starting, .submitted:
                    advance(1000)
                case .instructions, .feedback, .finished:
                    advance(Int64(1000 + rng.below(3000)))
                    key(.enter)
                case .question:
                    await question()
                }
            }
        }

        var position: (Phase, Int, Int) { (runtime.state.phase, runtime.state.block, runtime.state.index) }

        func samePosition(_ p: (Phase, Int, Int)) -> Bool { position == p }

        func key(_ k: Key) { runtime.send(.key(k)) }

        /// Move simulated time forward by `ms`, delivering every tick the runtime asks for on the
        /// way (heartbeats, the countdown, the time limit).
        func advance(_ ms: Int64) {
            var left = ms
            while left > 0, runtime.outcome == .running {
                let due = runtime.msUntilWake().map { Int64(max(1, $0)) } ?? left
                let step = min(left, due)
                clock.advance(step)
                runtime.tick()
                left -= step
            }
        }

        mutating func question() async {
            if runtime.state.protocolQuestion != nil { return await protocolQuestion() }
            if model != nil { return await modelQuestion() }
            let here = position
            guard let q = runtime.state.question else { advance(1000); return }
            let base = policy.unaidedAccuracy[q.task] ?? 0.5
            let p = 1 / (1 + exp(-(logit(base) + ability)))
            let gold = (0..<4).contains(q.gold) ? q.gold : 0
            var lean = rng.unit() < p ? gold : [0, 1, 2, 3].filter { $0 != gold }[rng.below(3)]
            let budget = Int64(1000 * policy.medianSeconds * exp(policy.timeSpread * normal()))
            var used: Int64 = 0
            var assisted = runtime.state.isAssisted
            if runtime.state.awaitingInitialAnswer {
                // Stage 1 of a two-stage question: the policy's unaided answer is the initial one.
                used += initialAnswer(lean: lean, gold: gold, time: budget / 2)
                guard samePosition(here) else { return countSubmission(q.id) }
                assisted = runtime.state.isAssisted
            }

            if assisted, rng.unit() < policy.askProbability {
                let count = 1 + rng.below(max(1, policy.maxMessages))
                var stance: Int?
                for _ in 0..<count {
                    guard samePosition(here) else { break }
                    let template = policy.messages[rng.below(policy.messages.count)]
                    let text = fill(template, question: q, lean: lean)
                    key(.function(4))
                    for c in text { key(.char(c)) }
                    let typing = Int64(text.count) * 200          // about 5 characters a second
                    advance(typing)
                    used += typing
                    guard samePosition(here) else { break }
                    key(.enter)
                    messages += 1
                    let (reply, ms) = await streamReply(here)
                    used += ms
                    if let reply, let s = LetterParser.parse(reply, options: q.options) { stance = s }
                    let reading = Int64(1000 * policy.readSeconds)
                    advance(reading)
                    used += reading
                }
                if let stance, rng.unit() < policy.adoptProbability { lean = stance }
            }
            guard samePosition(here) else { return }
            let willBeRight = lean == gold
            let weights = policy.confidenceWeights(correct: willBeRight, levels: runtime.state.scale.count)
            let level = pick(weights)
            key(.function(3))
            key(.char(Character(["a", "b", "c", "d"][lean])))
            if let level, level < 9 { key(.char(Character(String(level + 1)))) }
            if budget > used { advance(budget - used) }
            if samePosition(here) { key(.enter) }
            countSubmission(q.id)
            if samePosition(here) {
                // Enter did not submit (a log failure refuses answers): stop rather than spin.
                advance(1000)
            }
        }

        /// Count the submission of question `qid`, if it was submitted.
        mutating func countSubmission(_ qid: String) {
            if case .submitted(let sub)? = lastSubmission(qid) {
                answers += 1
                if sub.correct { correct += 1 }
                if sub.timedOut { timedOut += 1 }
            }
        }

        /// Stage 1 of a two-stage question: choose `lean` and a confidence drawn as for a final
        /// answer, take `time` ms, and submit it as the initial answer (a time limit may run out
        /// first). Returns the time used.
        mutating func initialAnswer(lean: Int, gold: Int, time: Int64) -> Int64 {
            let weights = policy.confidenceWeights(correct: lean == gold, levels: runtime.state.scale.count)
            let level = pick(weights) ?? 0
            key(.function(3))
            key(.char(Character(["a", "b", "c", "d"][lean])))
            if level < 9 { key(.char(Character(String(level + 1)))) }
            advance(time)
            if runtime.state.awaitingInitialAnswer { key(.enter) }
            return time
        }

        /// One question decided by the participant model: it sees the screen's text, asks or
        /// answers; after two replies that say neither, it guesses (seeded) with the lowest
        /// confidence, so the session always moves on.
        mutating func modelQuestion() async {
            guard let model else { return }
            let here = position
            guard let q = runtime.state.question else { advance(1000); return }
            let budget = Int64(1000 * policy.medianSeconds * exp(policy.timeSpread * normal()))
            var used: Int64 = 0
            var asked = 0, misses = 0
            var choice: (option: Int, level: Int)?
            while choice == nil, samePosition(here) {
                let screen = runtime.frame(size).plainLines().joined(separator: "\n")
                let decision = await model.decide(screen: screen, scale: runtime.state.scale,
                                                  canAsk: runtime.state.isAssisted, asked: asked,
                                                  maxMessages: policy.maxMessages)
                switch decision {
                case .ask(let text):
                    asked += 1
                    key(.function(4))
                    for c in text where c != "\n" && c != "\r" { key(.char(c)) }
                    let typing = Int64(text.count) * 200
                    advance(typing)
                    used += typing
                    guard samePosition(here) else { return }
                    key(.enter)
                    messages += 1
                    let (_, ms) = await streamReply(here)
                    let reading = Int64(1000 * policy.readSeconds)
                    advance(reading)
                    used += ms + reading
                case .answer(let option, let level):
                    choice = (option, level)
                case .unparsed:
                    unparsed += 1
                    misses += 1
                    if misses >= 2 { choice = (rng.below(4), 0) }
                }
            }
            guard let choice, samePosition(here) else { return }
            key(.function(3))
            key(.char(Character(["a", "b", "c", "d"][choice.option])))
            if choice.level < 9 { key(.char(Character(String(choice.level + 1)))) }
            if budget > used { advance(budget - used) }
            if samePosition(here) { key(.enter) }
            if case .submitted(let sub)? = lastSubmission(q.id) {
                answers += 1
                if sub.correct { correct += 1 }
                if sub.timedOut { timedOut += 1 }
            }
            if samePosition(here) { advance(1000) }
        }

        func lastSubmission(_ qid: String) -> SessionEvent? {
            guard let s = runtime.state.lastSubmission, s.questionID == qid else { return nil }
            return .submitted(s)
        }

        /// Stream the reply the runtime asked for from the real assistant, feeding its pieces into
        /// the runtime as the live driver would; returns the reply text and the simulated time.
        mutating func streamReply(_ here: (Phase, Int, Int)) async -> (String?, Int64) {
            guard let pending = runtime.state.pending,
                  let started = recorder.requests.last, started.requestID == pending.requestID else {
                return (nil, 0)
            }
            let id = pending.requestID
            let request = AssistantRequest(id: id, messages: started.messages,
                                           question: runtime.state.context.question(id: pending.questionID))
            return await feed(request, at: here) { $0.pending?.requestID == id }
        }

        /// Stream `request` from the real assistant into the runtime, chunk by chunk on the
        /// simulated clock, while the screen is still at `here` and `wanted` holds of its state;
        /// returns the text and the simulated time (no text when it failed or was no longer wanted).
        mutating func feed(_ request: AssistantRequest, at here: (Phase, Int, Int),
                           wanted: (AppState) -> Bool) async -> (String?, Int64) {
            let id = request.id
            var text = ""
            var ms: Int64 = 0
            do {
                for try await chunk in assistant.stream(request) {
                    guard samePosition(here), wanted(runtime.state) else { return (nil, ms) }
                    if case .text(let t) = chunk {
                        text += t
                        advance(Int64(policy.chunkMs))
                        ms += Int64(policy.chunkMs)
                    }
                    runtime.send(.assistantChunk(requestID: id, chunk))
                    if case .done = chunk { return (text, ms) }
                }
                runtime.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
                return (text, ms)
            } catch let e as AssistantError {
                failed += 1
                runtime.send(.assistantFailed(requestID: id, message: e.message))
            } catch {
                failed += 1
                runtime.send(.assistantFailed(requestID: id, message: String(describing: error)))
            }
            return (nil, ms)
        }

        mutating func pick(_ weights: [Double]) -> Int? {
            let total = weights.reduce(0, +)
            guard total > 0 else { return nil }
            var x = rng.unit() * total
            for (k, w) in weights.enumerated() {
                x -= w
                if x < 0 { return k }
            }
            return weights.lastIndex { $0 > 0 }
        }

        func fill(_ template: String, question q: Question, lean: Int) -> String {
            let option = q.options.indices.contains(lean) ? q.options[lean] : ""
            return template.replacingOccurrences(of: "{letter}", with: Question.letter(lean))
                .replacingOccurrences(of: "{option}", with: option)
                .replacingOccurrences(of: "{question}", with: q.text)
        }

        func logit(_ p: Double) -> Double {
            let c = min(max(p, 0.001), 0.999)
            return log(c / (1 - c))
        }
    }
}
