import Foundation
import OversightCore

/// Writes a synthetic study of session logs (for the scorer benchmark and tests): sessions of
/// four blocks (MMLU assisted, MMLU unaided, QuALITY assisted, QuALITY unaided) with chat
/// turns, replies, resets, focus changes and timeouts, in the exact line format of
/// `SessionLogWriter` (sorted payload keys, hash chain), written without fsync for speed.
public struct SyntheticStudy: Sendable {
    public var sessions = 10_000
    public var answersPerSession = 100
    /// Mean chat turns per assisted question.
    public var meanTurns = 3.0
    /// Distinct questions per task in the bank the sessions draw from.
    public var itemsPerTask = 1_500
    public var seed: UInt64 = 7
    /// Assisted questions get an initial answer (`initial_submitted`) before the chat.
    public var initialAnswers = false
    public var studyID = "synthetic"
    /// Also a QuALITY consultancy and a QuALITY debate block (judgments, rounds, speeches with
    /// quotes); the answers are then spread over six blocks.
    public var protocols = false

    /// Default shape: 10,000 sessions x 100 answers.
    public init() {}

    /// Total bytes and files written.
    public struct Written: Sendable {
        public var files: Int
        public var bytes: Int
    }

    /// Write the logs into `dir` (created if needed), `jobs` files at a time.
    public func write(to dir: URL, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> Written {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let total = TotalBox()
        let failure = ErrorBox()
        ParallelWork.forEach(count: sessions, jobs: jobs, local: {}) { _, i in
            guard failure.error == nil else { return }
            let text = session(i)
            let url = dir.appendingPathComponent(String(format: "p%05d.jsonl", i))
            do {
                try Data(text.utf8).write(to: url)
                total.add(text.utf8.count)
            } catch {
                failure.set(error)
            }
        }
        if let e = failure.error { throw e }
        return Written(files: sessions, bytes: total.value)
    }

    private static let words = ["the", "answer", "is", "probably", "option", "because", "energy", "passage",
                                "says", "that", "which", "quote", "define", "true", "false", "consider", "mass",
                                "story", "character", "résumé", "\"quoted\"", "velocity", "theorem", "cell",
                                "market", "law", "court", "evidence", "I", "think", "not", "sure", "—", "so"]

    private func sentence(_ rng: inout SeededRandom, chars: Int) -> String {
        var s = ""
        while s.count < chars {
            if !s.isEmpty { s += " " }
            s += Self.words[rng.below(Self.words.count)]
        }
        return s
    }

    /// The text of session `i` (all its lines).
    func session(_ i: Int) -> String {
        var rng = SeededRandom(seed: seed, label: "session/\(i)")
        var lines = LineChain()
        let participant = String(format: "p%05d", i)
        let blocks: [(TaskKind, Condition)] = [(.mmlu, .assisted), (.mmlu, .unaided), (.quality, .assisted),
                                               (.quality, .unaided)] + (protocols ? [(.quality, .consultancy), (.quality, .debate)] : [])
        let perBlock = max(1, answersPerSession / blocks.count)
        var plan: [[Int]] = []
        var used: [TaskKind: Set<Int>] = [:]
        for (task, _) in blocks {
            var ids: [Int] = []
            while ids.count < min(perBlock, itemsPerTask / 2) {
                let q = rng.below(itemsPerTask)
                if used[task, default: []].insert(q).inserted { ids.append(q) }
            }
            plan.append(ids)
        }
        func qid(_ task: TaskKind, _ n: Int) -> String {
            task == .mmlu ? "mmlu/subject_\(n % 57)/val/\(n)" : "quality/\(n)"
        }
        let skill = 0.45 + 0.2 * rng.unit()
        var mono: Int64 = 0
        var wall: Int64 = 1_780_000_000_000 + Int64(i) * 1000
        func emit(_ kind: EventKind, _ data: String) {
            mono += Int64(200 + rng.below(3000))
            wall += 1
            lines.append("{\"v\":1,\"seq\":\(lines.count),\"wall_ms\":\(wall),\"mono_ms\":\(mono),\"type\":\"\(kind.rawValue)\",\"data\":\(data),\"prev\":\"")
        }
        let blockJSON = blocks.enumerated().map { b, bc in
            let ids = plan[b].map { "\"\(qid(bc.0, $0))\"" }.joined(separator: ",")
            let limit = bc.0 == .quality ? ",\"time_limit_seconds\":300" : ""
            return "{\"condition\":\"\(bc.1.rawValue)\",\"question_ids\":[\(ids)]\(limit)}"
        }.joined(separator: ",")
        emit(.sessionStart, "{\"app_version\":\"\(AppInfo.version)\",\"assistant_provider\":\"simulated\",\"blocks\":[\(blockJSON)],\"confidence\":[25,42,60,80,100],\"feedback\":true,\"participant\":\"\(participant)\",\"questions_hash\":\"\(String(repeating: "ab", count: 32))\",\"seed\":\(seed),\"session_id\":\"s-\(participant)\",\"study_hash\":\"\(String(repeating: "cd", count: 32))\",\"study_id\":\"\(studyID)\"}")
        emit(.instructionsShown, "{}")
        var request = 0
        let scale = [25, 42, 60, 80, 100]
        for (b, bc) in blocks.enumerated() {
            let (task, cond) = bc
            for (index, n) in plan[b].enumerated() {
                let id = qid(task, n)
                let subject = task == .mmlu ? "subject_\(n % 57)" : "Story \(n / 5)"
                let limit = task == .quality ? ",\"time_limit_ms\":300000" : ""
                if cond.isProtocol {
                    protocolQuestion(b: b, index: index, id: id, subject: subject, condition: cond, gold: n % 4,
                                     skill: skill, request: &request, emit: emit)
                    continue
                }
                emit(.questionShown, "{\"block\":\(b),\"condition\":\"\(cond.rawValue)\",\"index\":\(index),\"question_id\":\"\(id)\",\"subject\":\"\(subject)\",\"task\":\"\(task.rawValue)\"\(limit)}")
                let startMono = mono
                if cond == .assisted {
                    if initialAnswers {
                        let c = rng.below(4)
                        emit(.initialSubmitted, "{\"choice\":\(c),\"confidence\":\(scale[1 + rng.below(3)]),\"elapsed_ms\":\(5000 + rng.below(20_000)),\"question_id\":\"\(id)\"}")
                    }
                    emit(.focusChanged, "{\"pane\":\"chat\"}")
                    let turns = rng.below(Int(meanTurns * 2) + 1)
                    for t in 0..<turns {
                        let msg = sentence(&rng, chars: 20 + rng.below(80))
                        emit(.chatSent, "{\"question_id\":\"\(id)\",\"request_id\":\(request),\"text\":\(JSON.quote(msg))}")
                        let reply = sentence(&rng, chars: 100 + rng.below(300))
                        let ttft = 150 + rng.below(900)
                        emit(.assistantReply, "{\"duration_ms\":\(ttft + 2000 + rng.below(4000)),\"model\":\"sim-1\",\"provider\":\"simulated\",\"question_id\":\"\(id)\",\"request_id\":\(request),\"status\":\"complete\",\"text\":\(JSON.quote(reply)),\"ttft_ms\":\(ttft)}")
                        request += 1
                        if t < turns - 1 && rng.below(5) == 0 { emit(.assistantReset, "{\"question_id\":\"\(id)\"}") }
                    }
                    emit(.focusChanged, "{\"pane\":\"answer\"}")
                }
                let gold = n % 4
                let pCorrect = min(0.95, skill + (cond == .assisted ? 0.18 : 0) + (n % 7 == 0 ? -0.2 : 0))
                let right = rng.unit() < pCorrect
                let timedOut = task == .quality && rng.below(40) == 0
                var choice: Int? = right ? gold : (gold + 1 + rng.below(3)) % 4
                if timedOut && rng.below(2) == 0 { choice = nil }
                var level = min(4, max(0, (right ? 2 : 1) + rng.below(3) - 1 + (cond == .assisted ? 1 : 0)))
                if timedOut { level = 0 }
                if let c = choice { emit(.optionChosen, "{\"option\":\(c),\"question_id\":\"\(id)\"}") }
                let confidence: Int? = choice == nil ? nil : scale[level]
                if let confidence {
                    emit(.confidenceChosen, "{\"level\":\(level),\"question_id\":\"\(id)\",\"value\":\(confidence)}")
                }
                let elapsed = timedOut ? 300_000 : mono - startMono + Int64(rng.below(20_000))
                var fields = "{\"block\":\(b)"
                if let choice { fields += ",\"choice\":\(choice)" }
                fields += ",\"condition\":\"\(cond.rawValue)\""
                if let confidence { fields += ",\"confidence\":\(confidence)" }
                fields += ",\"correct\":\(choice == gold),\"elapsed_ms\":\(elapsed),\"gold\":\(gold),\"index\":\(index),\"question_id\":\"\(id)\",\"subject\":\"\(subject)\",\"task\":\"\(task.rawValue)\",\"timed_out\":\(timedOut)}"
                emit(.submitted, fields)
                emit(.feedbackShown, "{\"question_id\":\"\(id)\"}")
            }
        }
        emit(.sessionEnd, "{\"completion_code\":\"C-\(participant)\"}")
        return lines.text
    }

    /// A consultancy or debate question as the screen logs it: the draw, the prior, one to three
    /// rounds of speeches with quotes, a judgment after each, and the final submission.
    private func protocolQuestion(b: Int, index: Int, id: String, subject: String, condition: Condition, gold: Int,
                                  skill: Double, request: inout Int, emit: (EventKind, String) -> Void) {
        // Its own stream: `emit` draws the record times from the session's.
        var rng = SeededRandom(seed: seed, label: "protocol/\(id)/\(request)")
        let distractor = (gold + 1 + rng.below(3)) % 4
        let shown = rng.below(2) == 0 ? [gold, distractor] : [distractor, gold]
        let honest = rng.below(2) == 0
        let roles: [(ProtocolRole, Int)] = condition == .consultancy
            ? [(.consultant, honest ? gold : distractor)]
            : [(.debaterA, honest ? gold : distractor), (.debaterB, honest ? distractor : gold)]
        let rolesJSON = roles.map { "{\"option\":\($0.1),\"role\":\"\($0.0.rawValue)\"}" }.joined(separator: ",")
        let shownJSON = shown.map(String.init).joined(separator: ",")
        emit(.questionShown, "{\"block\":\(b),\"condition\":\"\(condition.rawValue)\",\"index\":\(index),\"options_shown\":[\(shownJSON)],\"question_id\":\"\(id)\",\"roles\":[\(rolesJSON)],\"subject\":\"\(subject)\",\"task\":\"quality\"}")
        func probabilities(_ pGold: Int) -> String {
            (0..<4).map { o in
                o == gold ? String(Double(pGold) / 100) : o == distractor ? String(Double(100 - pGold) / 100) : "0"
            }.joined(separator: ",")
        }
        emit(.judgment, "{\"probabilities\":[\(probabilities(50))],\"question_id\":\"\(id)\",\"round\":0}")
        let rounds = 1 + rng.below(3)
        var pGold = 50
        for r in 1...rounds {
            let ids = roles.indices.map { request + $0 }
            let remark = r == 1 ? "" : sentence(&rng, chars: 20 + rng.below(40))
            emit(.roundStarted, "{\"question_id\":\"\(id)\",\"remark\":\(JSON.quote(remark)),\"request_ids\":[\(ids.map(String.init).joined(separator: ","))],\"round\":\(r)}")
            for (k, role) in roles.enumerated() {
                let quotes = (0..<(1 + rng.below(2))).map { _ -> String in
                    let verified = role.1 == gold || rng.below(2) == 0
                    let text = JSON.quote(sentence(&rng, chars: 30 + rng.below(60)))
                    return verified ? "{\"start\":\(rng.below(20_000)),\"text\":\(text),\"verified\":true}"
                        : "{\"text\":\(text),\"verified\":false}"
                }.joined(separator: ",")
                let speech = sentence(&rng, chars: 300 + rng.below(400))
                emit(.assistantReply, "{\"cut\":false,\"duration_ms\":\(3000 + rng.below(6000)),\"model\":\"sim-1\",\"provider\":\"simulated\",\"question_id\":\"\(id)\",\"quotes\":[\(quotes)],\"request_id\":\(ids[k]),\"role\":\"\(role.0.rawValue)\",\"round\":\(r),\"status\":\"complete\",\"text\":\(JSON.quote(speech)),\"ttft_ms\":\(150 + rng.below(900))}")
            }
            request += roles.count
            pGold = min(95, max(5, pGold + (rng.unit() < skill + 0.15 ? 15 : -15)))
            emit(.judgment, "{\"probabilities\":[\(probabilities(pGold))],\"question_id\":\"\(id)\",\"round\":\(r)}")
        }
        if pGold == 50 { pGold = 55 }
        let choice = pGold > 50 ? gold : distractor
        emit(.submitted, "{\"block\":\(b),\"choice\":\(choice),\"condition\":\"\(condition.rawValue)\",\"correct\":\(choice == gold),\"elapsed_ms\":\(30_000 + rng.below(90_000)),\"gold\":\(gold),\"index\":\(index),\"probabilities\":[\(probabilities(pGold))],\"question_id\":\"\(id)\",\"subject\":\"\(subject)\",\"task\":\"quality\",\"timed_out\":false}")
        emit(.feedbackShown, "{\"question_id\":\"\(id)\"}")
    }
}

/// Builds log text line by line, closing each line with the hash of the previous one.
struct LineChain {
    private(set) var text = ""
    private(set) var count = 0
    private var prev = String(repeating: "0", count: 64)

    /// Append a line given without its `prev` value and closing `"}`.
    mutating func append(_ open: String) {
        let line = open + prev + "\"}"
        text += line + "\n"
        prev = SHA256.hex(line)
        count += 1
    }
}

final class TotalBox: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) {
        lock.lock()
        total += n
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return total
    }
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func set(_ e: Error) {
        lock.lock()
        if stored == nil { stored = e }
        lock.unlock()
    }
    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
