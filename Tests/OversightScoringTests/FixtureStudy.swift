import Foundation
import OversightCore
@testable import OversightScoring

/// A small, fully scripted study written with the real `SessionLogWriter` (fixed clock), used
/// by the golden and robustness tests.
enum FixtureStudy {
    static let studyID = "golden"
    static let studyHash = String(repeating: "5a", count: 32)
    static let scale = [25, 42, 60, 80, 100]

    /// One scripted answer: chosen option (nil: none) and confidence (nil: none), chat turns,
    /// resets, whether the timer ran out.
    struct Step {
        var choice: Int?
        var confidence: Int?
        var turns = 0
        var resets = 0
        var timedOut = false
    }

    struct Item {
        var id: String
        var task: TaskKind
        var subject: String
        var gold: Int
    }

    /// Blocks: MMLU assisted, MMLU unaided, QuALITY assisted, QuALITY unaided.
    static let blocks: [(TaskKind, Condition, [Item])] = [
        (.mmlu, .assisted, [
            Item(id: "mmlu/college_physics/val/3", task: .mmlu, subject: "college_physics", gold: 0),
            Item(id: "mmlu/virology/val/7", task: .mmlu, subject: "virology", gold: 2),
            Item(id: "mmlu/jurisprudence/val/1", task: .mmlu, subject: "jurisprudence", gold: 1),
        ]),
        (.mmlu, .unaided, [
            Item(id: "mmlu/anatomy/val/2", task: .mmlu, subject: "anatomy", gold: 3),
            Item(id: "mmlu/econometrics/val/5", task: .mmlu, subject: "econometrics", gold: 0),
            Item(id: "mmlu/world_religions/val/9", task: .mmlu, subject: "world_religions", gold: 1),
        ]),
        (.quality, .assisted, [
            Item(id: "20001_Q1", task: .quality, subject: "The Desert, a \"Story\"", gold: 2),
            Item(id: "20001_Q2", task: .quality, subject: "The Desert, a \"Story\"", gold: 0),
        ]),
        (.quality, .unaided, [
            Item(id: "20002_Q4", task: .quality, subject: "Spacemen, Inc.", gold: 1),
            Item(id: "20002_Q5", task: .quality, subject: "Spacemen, Inc.", gold: 3),
        ]),
    ]

    /// Scripts per participant, block by block (same order as `blocks`).
    static let scripts: [(String, [[Step]])] = [
        ("ana", [
            [Step(choice: 0, confidence: 80, turns: 3, resets: 1), Step(choice: 2, confidence: 100, turns: 2),
             Step(choice: 3, confidence: 60, turns: 1)],
            [Step(choice: 3, confidence: 42), Step(choice: 1, confidence: 60), Step(choice: 2, confidence: 25)],
            [Step(choice: 2, confidence: 80, turns: 4, resets: 2), Step(choice: 0, confidence: 100, turns: 2)],
            [Step(choice: 0, confidence: 42), Step(choice: nil, confidence: nil, timedOut: true)],
        ]),
        ("ben", [
            [Step(choice: 0, confidence: 100, turns: 5), Step(choice: 1, confidence: 80, turns: 2, resets: 1),
             Step(choice: 1, confidence: 80, turns: 2)],
            [Step(choice: 2, confidence: 60), Step(choice: 0, confidence: 80), Step(choice: 0, confidence: 42)],
            [Step(choice: 2, confidence: 60, turns: 1), Step(choice: 1, confidence: 80, turns: 3)],
            [Step(choice: 1, confidence: 60), Step(choice: 3, confidence: 80, timedOut: true)],
        ]),
        ("cleo", [
            [Step(choice: 1, confidence: 60, turns: 2), Step(choice: 2, confidence: 80, turns: 1),
             Step(choice: 1, confidence: 100, turns: 4, resets: 1)],
            [Step(choice: 3, confidence: 25), Step(choice: 2, confidence: 42), Step(choice: 3, confidence: 60)],
            [Step(choice: 3, confidence: 42, turns: 2), Step(choice: 0, confidence: 60, turns: 1)],
            [Step(choice: 1, confidence: 80), Step(choice: 0, confidence: 42)],
        ]),
        ("dev", [
            [Step(choice: 0, confidence: 80, turns: 2), Step(choice: 2, confidence: 60, turns: 3, resets: 1),
             Step(choice: 1, confidence: 60, turns: 1)],
            [Step(choice: 3, confidence: 100), Step(choice: 0, confidence: 100), Step(choice: 1, confidence: 80)],
            [Step(choice: 2, confidence: 100, turns: 2), Step(choice: 3, confidence: 42, turns: 1)],
            [Step(choice: 1, confidence: 100), Step(choice: 3, confidence: 80)],
        ]),
        ("eve", [
            [Step(choice: 3, confidence: 42, turns: 1), Step(choice: 0, confidence: 60, turns: 1),
             Step(choice: 1, confidence: 80, turns: 2)],
            [Step(choice: 0, confidence: 42), Step(choice: 3, confidence: 25), Step(choice: 1, confidence: 60)],
            [Step(choice: 1, confidence: 60, turns: 1), Step(choice: 0, confidence: 80, turns: 1)],
            [Step(choice: 2, confidence: 25), Step(choice: 3, confidence: 60)],
        ]),
    ]

    /// The `SessionStart` of one participant.
    static func start(_ participant: String, hash: String = studyHash) -> SessionStart {
        SessionStart(studyID: studyID, studyHash: hash, questionsHash: String(repeating: "0f", count: 32), seed: 42,
                     appVersion: AppInfo.version, participant: participant, sessionID: "\(participant)-s1",
                     feedback: true, confidence: scale,
                     blocks: blocks.map { BlockPlan(condition: $0.1, questionIDs: $0.2.map(\.id),
                                                    timeLimitSeconds: $0.0 == .quality ? 300 : nil) },
                     assistantProvider: "simulated", assistantModel: "sim-1")
    }

    /// The events of one participant's session, in order, with their active time.
    static func events(_ participant: String, steps: [[Step]], end: Bool = true,
                       hash: String = studyHash) -> [(SessionEvent, Int64)] {
        var out: [(SessionEvent, Int64)] = []
        var mono: Int64 = 0
        func add(_ e: SessionEvent, _ dt: Int64) {
            mono += dt
            out.append((e, mono))
        }
        add(.sessionStart(start(participant, hash: hash)), 0)
        add(.instructionsShown, 1500)
        var request = 0
        for (b, block) in blocks.enumerated() {
            for (i, item) in block.2.enumerated() {
                let step = steps[b][i]
                add(.questionShown(QuestionShown(block: b, index: i, questionID: item.id, task: item.task,
                                                 subject: item.subject, condition: block.1,
                                                 timeLimitMs: item.task == .quality ? 300_000 : nil)), 400)
                let shown = mono
                var resetsLeft = step.resets
                for t in 0..<step.turns {
                    add(.chatSent(questionID: item.id, requestID: request,
                                  text: "Is option \(["A", "B", "C", "D"][t % 4]) right? Quote \"the passage\", please."), 9000)
                    add(.assistantReply(AssistantReply(questionID: item.id, requestID: request,
                                                       text: "I believe it is, with some caveats.", status: .complete,
                                                       provider: "simulated", model: "sim-1",
                                                       ttftMs: Int64(300 + 50 * ((request * 7) % 9)),
                                                       durationMs: 2400)), 2600)
                    request += 1
                    if resetsLeft > 0 {
                        add(.assistantReset(questionID: item.id), 800)
                        resetsLeft -= 1
                    }
                }
                if let c = step.choice { add(.optionChosen(questionID: item.id, option: c), 3000) }
                if let conf = step.confidence, let level = scale.firstIndex(of: conf) {
                    add(.confidenceChosen(questionID: item.id, level: level, value: conf), 1200)
                }
                if step.timedOut { mono = shown + 300_000 }
                let elapsed = mono - shown + 700
                add(.submitted(Submission(block: b, index: i, questionID: item.id, task: item.task,
                                          subject: item.subject, condition: block.1, choice: step.choice,
                                          confidence: step.confidence, gold: item.gold,
                                          correct: step.choice == item.gold, timedOut: step.timedOut,
                                          elapsedMs: elapsed)), 700)
                add(.feedbackShown(questionID: item.id), 300)
            }
        }
        if end { add(.sessionEnd(completionCode: "DONE-\(participant)"), 500) }
        return out
    }

    /// Write one log with the real writer (fixed wall clock).
    static func writeLog(_ url: URL, _ events: [(SessionEvent, Int64)]) throws {
        let clock = WallClock()
        let w = try SessionLogWriter.create(at: url, wallClock: { clock.tick() })
        for (e, mono) in events { try w.append(e, monoMs: mono) }
        w.close()
    }

    /// Write the whole fixture study (logs + a baseline file) into `dir`.
    static func write(to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (p, steps) in scripts {
            try writeLog(dir.appendingPathComponent("\(p).jsonl"), events(p, steps: steps))
        }
        try baselineText().write(to: dir.appendingPathComponent("baseline-sim.jsonl"), atomically: true, encoding: .utf8)
    }

    /// A zero-shot likelihood run on every item, and a generate run on MMLU with one unparseable reply.
    static func baselineText() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines: [String] = []
        var n = 0
        for block in blocks {
            for item in block.2 {
                let predicted = n % 3 == 0 ? (item.gold + 1) % 4 : item.gold
                var probs = [0.1, 0.1, 0.1, 0.1]
                probs[predicted] = 0.7
                let r = BaselineResult(convention: "likelihood", shots: 0, provider: "simulated", model: "sim-1",
                                       questionID: item.id, task: item.task, subject: item.subject, gold: item.gold,
                                       predicted: predicted, letterProbabilities: probs,
                                       correct: predicted == item.gold, latencyMs: 120, reply: nil)
                lines.append(String(decoding: try encoder.encode(r), as: UTF8.self))
                n += 1
            }
        }
        for (k, item) in (blocks[0].2 + blocks[1].2).enumerated() {
            let predicted: Int? = k == 1 ? nil : item.gold
            let r = BaselineResult(convention: "generate", shots: 5, provider: "simulated", model: "sim-1",
                                   questionID: item.id, task: item.task, subject: item.subject, gold: item.gold,
                                   predicted: predicted, letterProbabilities: nil, correct: predicted == item.gold,
                                   latencyMs: 900, reply: predicted == nil ? "I cannot say." : "(X)")
            lines.append(String(decoding: try encoder.encode(r), as: UTF8.self))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A deterministic wall clock: one millisecond per call.
final class WallClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64 = 1_785_000_000_000
    func tick() -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        now += 1
        return now
    }
}
