import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// Fixtures and helpers shared by the participant-screen tests.
enum Fixtures {
    static let passageText = (1...40).map { i in
        "Paragraph \(i). The expedition reached the northern ridge on the \(i)th day, and the captain wrote "
            + "that the lighthouse keeper had not been seen since the storm. Nobody believed the radio operator."
    }.joined(separator: "\n\n")

    static let passage = Passage(id: "art-1", title: "The Northern Ridge", text: passageText)

    static func quality(_ n: Int, gold: Int = 1) -> Question {
        Question(id: "q\(n)", task: .quality, subject: "The Northern Ridge",
                 text: "Why did nobody believe the radio operator after the storm on the ridge?",
                 options: ["He had lied before about the weather reports",
                           "The lighthouse keeper contradicted every message he sent that week",
                           "He was new to the expedition",
                           "His radio had been broken since the first day"],
                 gold: gold, passage: passage, metadata: QuestionMetadata(difficult: true, source: "test.jsonl", line: n))
    }

    static func mmlu(_ n: Int, gold: Int = 2) -> Question {
        Question(id: "mmlu/college_physics/val/\(n)", task: .mmlu, subject: "college_physics",
                 text: "A particle moves in a circle of radius 2 m at constant speed 4 m/s. What is its centripetal acceleration?",
                 options: ["2 m/s²", "4 m/s²", "8 m/s²", "16 m/s²"], gold: gold, passage: nil,
                 metadata: QuestionMetadata(source: "college_physics_val.csv", line: n))
    }

    /// Two blocks: assisted QuALITY with a 5-minute limit, then unaided MMLU without one.
    static func study(feedback: Bool = true, instructions: String? = "Answer carefully.\n\nThe assistant can be wrong.",
                      qualityCount: Int = 2, mmluCount: Int = 2, timeLimit: Int? = 300,
                      sendQuestion: Bool = false) -> ResolvedStudy {
        var assistant = AssistantConfig()
        assistant.provider = .simulated
        assistant.sendQuestion = sendQuestion
        let s = Study(id: "pilot", seed: 7, feedback: feedback, confidence: Study.defaultConfidence,
                      instructions: instructions,
                      blocks: [
                        StudyBlock(condition: .assisted, bank: "q.jsonl", bankPath: "q.jsonl", questions: qualityCount,
                                   timeLimitSeconds: timeLimit, line: 3),
                        StudyBlock(condition: .unaided, bank: "m", bankPath: "m", questions: mmluCount, line: 9),
                      ],
                      assistant: assistant, path: "pilot.toml", hash: String(repeating: "a", count: 64))
        return ResolvedStudy(study: s, blocks: [(1...max(1, qualityCount)).prefix(qualityCount).map { quality($0) },
                                                (1...max(1, mmluCount)).prefix(mmluCount).map { mmlu($0) }])
    }

    /// Only an unaided MMLU block.
    static func mmluOnly() -> ResolvedStudy {
        let s = Study(id: "mmlu-pilot", seed: 1, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
                      blocks: [StudyBlock(condition: .unaided, bank: "m", bankPath: "m", questions: 3, line: 2)],
                      assistant: AssistantConfig(), path: "m.toml", hash: String(repeating: "b", count: 64))
        return ResolvedStudy(study: s, blocks: [[mmlu(1), mmlu(2), mmlu(3)]])
    }
}

struct TestLogError: Error, CustomStringConvertible {
    var description: String { "disk full" }
}

/// An in-memory log with the writer's mono-time rule and hash chain; can be told to fail, or
/// to report that its "file" was changed behind its back.
final class MemoryLog: SessionLogSink {
    var records: [LogRecord] = []
    var lastMonoMs: Int64 = 0
    var lastHash = LogRecord.genesis
    var wallMs: Int64 = 1_700_000_000_000
    var failing = false
    /// What `changedOnDisk` reports.
    var changed: String?

    init(records: [LogRecord] = []) {
        self.records = records
        lastMonoMs = records.last?.monoMs ?? 0
        if let last = records.last, let line = try? last.encodedLine() { lastHash = SHA256.hex(line) }
    }

    func append(_ event: SessionEvent, monoMs: Int64) throws -> LogRecord {
        if failing { throw TestLogError() }
        let r = LogRecord(seq: records.count, wallMs: wallMs + monoMs, monoMs: max(monoMs, lastMonoMs), event: event,
                          prev: lastHash)
        records.append(r)
        lastMonoMs = r.monoMs
        lastHash = SHA256.hex(try r.encodedLine())
        return r
    }

    func changedOnDisk() -> String? { changed }

    var types: [String] { records.map(\.event.type) }
}

/// A test assistant that streams a fixed reply word by word (live mode).
struct ScriptedAssistant: Assistant {
    let provider = "scripted"
    let model: String? = nil
    var reply: String = "The radio operator had lied before."
    var failAfterWords: Int?

    func stream(_ request: AssistantRequest) -> AsyncThrowingStream<AssistantChunk, Error> {
        let words = reply.split(separator: " ").map(String.init)
        let failAfter = failAfterWords
        return AsyncThrowingStream { c in
            for (i, w) in words.enumerated() {
                if let f = failAfter, i == f {
                    c.finish(throwing: AssistantError.dropped("test"))
                    return
                }
                c.yield(.text(i == 0 ? w : " " + w))
            }
            c.yield(.done(AssistantUsage(promptTokens: 10, completionTokens: words.count)))
            c.finish()
        }
    }
}

/// Builds runtimes on a manual clock and an in-memory log.
struct Harness {
    let study: ResolvedStudy
    let clock = ManualClock(startMs: 1_000)
    let log: MemoryLog
    let runtime: SessionRuntime
    let backend: HeadlessBackend
    /// The requests started when the harness records them (the default; `live: true` streams).
    let recorder = RequestRecorder()

    init(study: ResolvedStudy = Fixtures.study(), size: Size = Size(cols: 80, rows: 24), live: Bool = false,
         assistant: any Assistant = ScriptedAssistant(), log: MemoryLog = MemoryLog()) throws {
        self.study = study
        self.log = log
        runtime = try SessionRuntime(study: study, participant: "p01", assistant: assistant, log: log,
                                     history: log.records, size: size, clock: clock.clock,
                                     wallNowMs: { 1_700_000_000_000 }, sessionID: "s-1",
                                     assistantMode: live ? .live : .recorded(recorder))
        backend = HeadlessBackend(runtime: runtime, clock: clock, size: size)
    }

    var state: AppState { runtime.state }
    var screen: String { backend.screen.joined(separator: "\n") }

    func run(_ steps: HeadlessStep...) { backend.run(steps) }
}

/// A bare state and pure-core driver: `update`, then apply each `.appendLog` in order (what
/// the runtime does, minus the disk).
struct Core {
    var state: AppState
    var logged: [SessionEvent] = []

    init(study: ResolvedStudy = Fixtures.study(), size: Size = Size(cols: 80, rows: 24)) {
        state = AppState(context: StudyContext(study, participant: "p01"), size: size)
        _ = apply(AppCore.startEffects(state, sessionID: "s"))
    }

    @discardableResult
    mutating func send(_ e: AppEvent) -> [Effect] { apply(AppCore.update(&state, e)) }

    @discardableResult
    mutating func key(_ k: Key) -> [Effect] { send(.key(k)) }

    mutating func type(_ s: String) { for c in s { key(.char(c)) } }

    /// Runs effects the way the runtime does: each logged event is applied, then its reaction
    /// is run in turn. Returns every effect run, reactions included, in order.
    @discardableResult
    mutating func apply(_ effects: [Effect]) -> [Effect] {
        var ran: [Effect] = []
        for effect in effects {
            ran.append(effect)
            let e: SessionEvent
            switch effect {
            case .appendLog(let event): e = event
            case .endSession: e = .sessionEnd(completionCode: Core.code)
            default: continue
            }
            logged.append(e)
            AppCore.apply(&state, e, monoMs: state.nowMs)
            ran += apply(AppCore.react(&state, applied: e))
        }
        return ran
    }

    /// The code this driver writes for `.endSession` (the runtime derives it from the log).
    static let code = "c0de"

    var lastLoggedTypes: [String] { logged.map(\.type) }
}

/// Compare a frame with a stored snapshot under Tests/OversightTUITests/Snapshots; record it
/// (and fail) when missing or when OVERSIGHT_RECORD=1.
func assertSnapshot(_ grid: CellGrid, named name: String, file: StaticString = #filePath, line: UInt = #line) {
    let dir = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = dir.appendingPathComponent("\(name).txt")
    let text = grid.plainLines().joined(separator: "\n") + "\n"
    let record = ProcessInfo.processInfo.environment["OVERSIGHT_RECORD"] == "1"
    if !record, let stored = try? String(contentsOf: url, encoding: .utf8) {
        if stored != text {
            let a = stored.components(separatedBy: "\n"), b = text.components(separatedBy: "\n")
            let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
            let want = i < a.count ? a[i] : "(end)", got = i < b.count ? b[i] : "(end)"
            XCTFail("Snapshot \(name) differs at row \(i): stored [\(want)] actual [\(got)]; "
                    + "re-record with OVERSIGHT_RECORD=1 if the change is intended", file: file, line: line)
        }
        return
    }
    do {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
        XCTFail("Recorded snapshot \(name); run the tests again to compare.", file: file, line: line)
    } catch {
        XCTFail("Cannot write snapshot \(url.path): \(error)", file: file, line: line)
    }
}
