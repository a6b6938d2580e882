import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// Consultancy and debate rows of `oversight score`, against values worked out by hand.
final class ProtocolScoringTests: XCTestCase {
    /// One protocol question of a script.
    struct Q {
        var id: String
        var condition: Condition
        var gold: Int
        var shown: [Int]
        var roles: [RoleAssignment]
        var rounds: Int
        /// Final probabilities (original order).
        var probabilities: [Double]
        /// Per speech: role, round, quote verdicts.
        var speeches: [(ProtocolRole, Int, [Bool])]
    }

    static func consultant(_ o: Int) -> [RoleAssignment] { [RoleAssignment(role: .consultant, option: o)] }
    static func debaters(_ a: Int, _ b: Int) -> [RoleAssignment] {
        [RoleAssignment(role: .debaterA, option: a), RoleAssignment(role: .debaterB, option: b)]
    }

    /// p1 and p2: one unaided question, two consultancy questions (the consultant honest on q2,
    /// dishonest on q3) and one debate question.
    static let scripts: [String: (unaidedChoice: Int, questions: [Q])] = [
        "p1": (0, [
            Q(id: "q2", condition: .consultancy, gold: 1, shown: [1, 3], roles: consultant(1), rounds: 2,
              probabilities: [0, 0.8, 0, 0.2], speeches: [(.consultant, 1, [true, false]), (.consultant, 2, [true])]),
            Q(id: "q3", condition: .consultancy, gold: 2, shown: [0, 2], roles: consultant(0), rounds: 1,
              probabilities: [0.7, 0, 0.3, 0], speeches: [(.consultant, 1, [false])]),
            Q(id: "q4", condition: .debate, gold: 3, shown: [3, 1], roles: debaters(3, 1), rounds: 3,
              probabilities: [0, 0.1, 0, 0.9],
              speeches: [(.debaterA, 1, [true]), (.debaterB, 1, [true, false]), (.debaterA, 2, [true])]),
        ]),
        "p2": (2, [
            Q(id: "q2", condition: .consultancy, gold: 1, shown: [3, 1], roles: consultant(1), rounds: 1,
              probabilities: [0, 0.6, 0, 0.4], speeches: [(.consultant, 1, [])]),
            Q(id: "q3", condition: .consultancy, gold: 2, shown: [2, 0], roles: consultant(0), rounds: 2,
              probabilities: [0.45, 0, 0.55, 0], speeches: []),
            Q(id: "q4", condition: .debate, gold: 3, shown: [1, 3], roles: debaters(1, 3), rounds: 1,
              probabilities: [0, 0.65, 0, 0.35], speeches: [(.debaterA, 1, [false]), (.debaterB, 1, [false])]),
        ]),
    ]

    static func events(_ participant: String) -> [SessionEvent] {
        guard let script = scripts[participant] else { return [] }
        let plans = [BlockPlan(condition: .unaided, questionIDs: ["q1"], timeLimitSeconds: nil),
                     BlockPlan(condition: .consultancy, questionIDs: ["q2", "q3"], timeLimitSeconds: nil),
                     BlockPlan(condition: .debate, questionIDs: ["q4"], timeLimitSeconds: nil)]
        var e: [SessionEvent] = [.sessionStart(SessionStart(
            studyID: "protocols", studyHash: String(repeating: "c", count: 64), questionsHash: String(repeating: "d", count: 64),
            seed: 1, appVersion: "0.1.0", participant: participant, sessionID: "s-\(participant)", feedback: true,
            confidence: [25, 42, 60, 80, 100], blocks: plans, assistantProvider: "simulated", assistantModel: nil))]
        e.append(.questionShown(QuestionShown(block: 0, index: 0, questionID: "q1", task: .quality, subject: "S",
                                              condition: .unaided, timeLimitMs: nil)))
        e.append(.submitted(Submission(block: 0, index: 0, questionID: "q1", task: .quality, subject: "S",
                                       condition: .unaided, choice: script.unaidedChoice, confidence: 60, gold: 0,
                                       correct: script.unaidedChoice == 0, timedOut: false, elapsedMs: 1000)))
        var request = 0
        for (k, q) in script.questions.enumerated() {
            let block = q.condition == .consultancy ? 1 : 2
            let index = q.condition == .consultancy ? k : 0
            e.append(.questionShown(QuestionShown(block: block, index: index, questionID: q.id, task: .quality, subject: "S",
                                                  condition: q.condition, timeLimitMs: nil, optionsShown: q.shown,
                                                  roles: q.roles)))
            e.append(.judgment(Judgment(questionID: q.id, round: 0,
                                        probabilities: JudgmentScale.probabilities(percents: [50, 50], shown: q.shown))))
            for r in 1...q.rounds {
                // Every round is heard whole: each role speaks (with the quotes given, else none).
                let roles = q.condition.roles
                e.append(.roundStarted(RoundStarted(questionID: q.id, round: r, remark: r == 1 ? "" : "why?",
                                                    requestIDs: roles.indices.map { request + 1 + $0 })))
                for role in roles {
                    let verdicts = q.speeches.first { $0.0 == role && $0.1 == r }?.2 ?? []
                    request += 1
                    let quotes = verdicts.map { QuoteRecord(text: "t", verified: $0, start: $0 ? 3 : nil) }
                    e.append(.assistantReply(AssistantReply(questionID: q.id, requestID: request, text: "speech",
                                                            status: .complete, provider: "simulated", ttftMs: 5,
                                                            durationMs: 9, role: role, round: r, quotes: quotes,
                                                            cut: false)))
                }
                e.append(.judgment(Judgment(questionID: q.id, round: r, probabilities: q.probabilities)))
            }
            let choice = JudgmentScale.answer(q.probabilities)
            e.append(.submitted(Submission(block: block, index: index, questionID: q.id, task: .quality, subject: "S",
                                           condition: q.condition, choice: choice, confidence: nil, gold: q.gold,
                                           correct: choice == q.gold, timedOut: false, elapsedMs: 5000,
                                           probabilities: q.probabilities)))
        }
        e.append(.sessionEnd(completionCode: "abc"))
        return e
    }

    func writeStudy() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("score-protocols-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for p in ["p1", "p2"] {
            try FixtureStudy.writeLog(dir.appendingPathComponent("\(p).jsonl"),
                                      Self.events(p).enumerated().map { ($1, Int64($0) * 100) })
        }
        return dir
    }

    func load(_ dir: URL) throws -> Dataset {
        let inputs = try DatasetLoader.discover(path: dir.path)
        return DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2)
    }

    func score(_ d: Dataset) -> ScoreReport {
        var o = ScoreOptions()
        o.seed = 7
        o.jobs = 2
        o.resamples = 400
        return Scorer.score(d, options: o)
    }

    func testConsultancyAndDebateRowsMatchHandComputedValues() throws {
        let d = try load(try writeStudy())
        XCTAssertEqual(d.warnings.filter { $0.kind != .unfinished }.map(\.description), [])
        let r = score(d)
        let t = try XCTUnwrap(r.tasks.first { $0.task == .quality })
        XCTAssertEqual(t.rows.map(\.condition), ["unaided", "consultancy", "debate", "unaided_vote"])

        let c = try XCTUnwrap(t.rows.first { $0.condition == "consultancy" })
        let cs = try XCTUnwrap(c.protocolStats)
        // p1 q2 right, p1 q3 wrong, p2 q2 right, p2 q3 right.
        XCTAssertEqual(c.answers, 4)
        XCTAssertEqual(c.accuracy, 0.75, accuracy: 1e-12)
        XCTAssertNotNil(c.ci95)
        XCTAssertEqual(cs.honestAccuracy, 1.0)
        XCTAssertEqual(cs.honestAnswers, 2)
        XCTAssertEqual(cs.dishonestAccuracy, 0.5)
        XCTAssertEqual(cs.dishonestAnswers, 2)
        let log2Mean = (log2(0.8) - 0.05 + log2(0.3) + log2(0.6) + log2(0.55) - 0.05) / 4
        XCTAssertEqual(cs.meanLog2Score ?? 0, log2Mean, accuracy: 1e-12)
        // Shown-option probabilities by bin: .2 miss | .3 hit | .4 miss, .45 miss | .55 hit |
        // .6 hit | .7 miss | .8 hit: (0.2 + 0.7 + 2 x 0.425 + 0.45 + 0.4 + 0.7 + 0.2) / 8.
        XCTAssertEqual(cs.probabilityCalibrationError ?? 0, 0.4375, accuracy: 1e-12)
        XCTAssertEqual(cs.meanRounds ?? 0, 1.5, accuracy: 1e-12)
        XCTAssertEqual(cs.verifiedQuoteShare.map(\.role), [.consultant])
        XCTAssertEqual(cs.verifiedQuoteShare.first?.share ?? 0, 0.5, accuracy: 1e-12)
        XCTAssertEqual(cs.verifiedQuoteShare.first?.quotes, 4)

        let b = try XCTUnwrap(t.rows.first { $0.condition == "debate" })
        let bs = try XCTUnwrap(b.protocolStats)
        XCTAssertEqual(b.accuracy, 0.5, accuracy: 1e-12)
        XCTAssertNil(bs.honestAccuracy)
        XCTAssertEqual(bs.meanLog2Score ?? 0, (log2(0.9) - 0.1 + log2(0.35)) / 2, accuracy: 1e-12)
        XCTAssertEqual(bs.probabilityCalibrationError ?? 0, (0.1 + 0.1 + 0.65 + 0.65) / 4, accuracy: 1e-12)
        XCTAssertEqual(bs.meanRounds ?? 0, 2, accuracy: 1e-12)
        XCTAssertEqual(bs.verifiedQuoteShare.map(\.role), [.debaterA, .debaterB])
        XCTAssertEqual(bs.verifiedQuoteShare.map(\.share), [2.0 / 3, 1.0 / 3])

        let diffs = Dictionary(uniqueKeysWithValues: t.differences.map { ($0.name, $0.estimate) })
        XCTAssertEqual(diffs["consultancy - unaided"] ?? 9, 0.25, accuracy: 1e-12)
        XCTAssertEqual(diffs["debate - unaided"] ?? 9, 0, accuracy: 1e-12)
        XCTAssertEqual(diffs["debate - consultancy"] ?? 9, -0.25, accuracy: 1e-12)
        XCTAssertNotNil(t.differences.first { $0.name == "debate - consultancy" }?.ci95)
    }

    func testOnlySpeechesOfRoundsHeardWholeCountAndARepeatedRoundReplacesTheFirst() throws {
        // Round 1's speech B is cancelled (the participant quit) and the round is asked for
        // again; round 2 ends with time running out before debater B's speech came in. The
        // judge heard round 1 (second try) only: one round, and its two speeches' quotes.
        let plans = [BlockPlan(condition: .debate, questionIDs: ["q4"], timeLimitSeconds: 60)]
        func reply(_ id: Int, _ role: ProtocolRole, round: Int, _ status: ReplyStatus, _ verdicts: [Bool]) -> SessionEvent {
            .assistantReply(AssistantReply(questionID: "q4", requestID: id, text: "speech", status: status,
                                           provider: "simulated", ttftMs: 5, durationMs: 9, role: role, round: round,
                                           quotes: verdicts.map { QuoteRecord(text: "t", verified: $0, start: $0 ? 3 : nil) },
                                           cut: false))
        }
        let probabilities = [0, 0.3, 0, 0.7]
        let events: [SessionEvent] = [
            .sessionStart(SessionStart(studyID: "protocols", studyHash: String(repeating: "c", count: 64),
                                       questionsHash: String(repeating: "d", count: 64), seed: 1, appVersion: "0.1.0",
                                       participant: "p1", sessionID: "s-p1", feedback: true, confidence: [25, 50, 75, 100],
                                       blocks: plans, assistantProvider: "simulated", assistantModel: nil)),
            .questionShown(QuestionShown(block: 0, index: 0, questionID: "q4", task: .quality, subject: "S",
                                         condition: .debate, timeLimitMs: 60_000, optionsShown: [3, 1],
                                         roles: Self.debaters(3, 1))),
            .judgment(Judgment(questionID: "q4", round: 0, probabilities: [0, 0.6, 0, 0.4])),
            .roundStarted(RoundStarted(questionID: "q4", round: 1, remark: "", requestIDs: [1, 2])),
            reply(1, .debaterA, round: 1, .complete, [true, true]),
            reply(2, .debaterB, round: 1, .cancelled, [true]),
            .quit(reason: "user"),
            .sessionResume(downtimeMs: 10),
            .roundStarted(RoundStarted(questionID: "q4", round: 1, remark: "", requestIDs: [3, 4])),
            reply(3, .debaterA, round: 1, .complete, [false]),
            reply(4, .debaterB, round: 1, .complete, [true]),
            .judgment(Judgment(questionID: "q4", round: 1, probabilities: probabilities)),
            .roundStarted(RoundStarted(questionID: "q4", round: 2, remark: "more?", requestIDs: [5, 6])),
            reply(5, .debaterA, round: 2, .complete, [true]),
            reply(6, .debaterB, round: 2, .cancelled, []),
            .submitted(Submission(block: 0, index: 0, questionID: "q4", task: .quality, subject: "S", condition: .debate,
                                  choice: 3, confidence: nil, gold: 3, correct: true, timedOut: true, elapsedMs: 60_000,
                                  probabilities: probabilities)),
            .sessionEnd(completionCode: "abc"),
        ]
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("score-rounds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try FixtureStudy.writeLog(dir.appendingPathComponent("p1.jsonl"), events.enumerated().map { ($1, Int64($0) * 100) })
        let d = try load(dir)
        let answer = try XCTUnwrap(d.answers.first)
        XCTAssertGreaterThanOrEqual(answer.protocolIndex, 0)
        let data = d.protocols[Int(answer.protocolIndex)]
        XCTAssertEqual(data.rounds, 1)
        XCTAssertEqual(data.quotesTotal, [0, 1, 1], "consultant, debater A, debater B")
        XCTAssertEqual(data.quotesVerified, [0, 0, 1])
        // The prior is the answer before any argument: the initial answer of the reliance
        // measures (its most likely option, that probability as its confidence).
        XCTAssertEqual(answer.initialChoice, 1)
        XCTAssertEqual(answer.initialConfidence, 60)
    }

    func testJSONCSVTextAndHTMLCarryTheProtocolColumns() throws {
        let d = try load(try writeStudy())
        let r = score(d)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(JSONRenderer.render(r).utf8)) as? [String: Any])
        let tasks = try XCTUnwrap(json["tasks"] as? [[String: Any]])
        let rows = try XCTUnwrap(tasks.first?["rows"] as? [[String: Any]])
        let c = try XCTUnwrap(rows.first { $0["condition"] as? String == "consultancy" })
        XCTAssertEqual(c["honest_accuracy"] as? Double, 1)
        XCTAssertEqual(c["dishonest_accuracy"] as? Double, 0.5)
        XCTAssertEqual(c["probability_calibration_error"] as? Double, 0.4375)
        XCTAssertEqual(c["mean_rounds"] as? Double, 1.5)
        XCTAssertEqual((c["verified_quote_share"] as? [String: Any])?["consultant"] as? Double, 0.5)
        XCTAssertNotNil(c["mean_log2_score"] as? Double)
        let b = try XCTUnwrap(rows.first { $0["condition"] as? String == "debate" })
        XCTAssertNil(b["honest_accuracy"], "consultancy only")
        XCTAssertEqual((b["verified_quote_share"] as? [String: Any])?["debater_b"] as? Double, 0.333333)
        XCTAssertNil(rows.first { $0["condition"] as? String == "unaided" }?["mean_rounds"])

        let csv = CSVWriter.render(d).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertTrue(csv[0].hasSuffix(",consultant_option,debater_a_option,debater_b_option,honest,rounds,p_a,p_b,p_c,p_d"
                                        + ",initial_chosen,initial_confidence,stance"))
        let p1q3 = try XCTUnwrap(csv.first { $0.contains(",p1,") && $0.contains(",q3,") })
        XCTAssertTrue(p1q3.hasSuffix(",A,,,false,1,0.70,0.00,0.30,0.00,,,A"), p1q3)  // stance: the consultant's option
        let p2q4 = try XCTUnwrap(csv.first { $0.contains(",p2,") && $0.contains(",q4,") })
        XCTAssertTrue(p2q4.hasSuffix(",,B,D,,1,0.00,0.65,0.00,0.35,,,"), p2q4)
        let p1q1 = try XCTUnwrap(csv.first { $0.contains(",p1,") && $0.contains(",q1,") })
        XCTAssertTrue(p1q1.hasSuffix(",1000,0,0,0" + String(repeating: ",", count: 14)), p1q1)

        let text = TextRenderer.render(r, width: nil)
        XCTAssertTrue(text.contains("human judge, consultancy"), text)
        XCTAssertTrue(text.contains("100.0 (n=2)"), text)
        XCTAssertTrue(text.contains("A 66.7% (3), B 33.3% (3)"), text)
        let html = HTMLRenderer.render(r)
        XCTAssertTrue(html.contains("QuALITY judges"))
        XCTAssertTrue(html.contains("50.0 (n=2)"))
    }

    func testModelJudgeRunsScoreAsModelJudgeRowsBesideTheHumanJudges() throws {
        let dir = try writeStudy()
        func result(_ convention: String, _ id: String, gold: Int, probabilities: [Double], shown: [Int],
                    roles: [RoleAssignment], rounds: Int, speeches: [JudgedSpeech]) -> BaselineResult {
            let predicted = JudgmentScale.answer(probabilities)
            var r = BaselineResult(convention: convention, shots: 0, provider: "local", model: "m", questionID: id,
                                   task: .quality, subject: "S", gold: gold, predicted: predicted,
                                   letterProbabilities: nil, correct: predicted == gold, latencyMs: 10, reply: "A: 1%")
            r.probabilities = probabilities
            r.optionsShown = shown
            r.roles = roles
            r.rounds = rounds
            r.speeches = speeches
            return r
        }
        func speech(_ role: ProtocolRole, _ verdicts: [Bool]) -> JudgedSpeech {
            JudgedSpeech(role: role, round: 1, text: "s", quotes: verdicts.map { QuoteRecord(text: "t", verified: $0) }, cut: false)
        }
        let results = [
            result("judge-consultancy", "q2", gold: 1, probabilities: [0, 0.4, 0, 0.6], shown: [1, 3],
                   roles: Self.consultant(1), rounds: 1, speeches: [speech(.consultant, [true, true])]),
            result("judge-consultancy", "q3", gold: 2, probabilities: [0.2, 0, 0.8, 0], shown: [0, 2],
                   roles: Self.consultant(0), rounds: 2, speeches: [speech(.consultant, [false])]),
            result("judge-debate", "q4", gold: 3, probabilities: [0, 0.3, 0, 0.7], shown: [3, 1],
                   roles: Self.debaters(3, 1), rounds: 1, speeches: [speech(.debaterA, [true]), speech(.debaterB, [false])]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = try results.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
        try text.write(to: dir.appendingPathComponent("baseline-m-judge.jsonl"), atomically: true, encoding: .utf8)
        let r = score(try load(dir))
        let t = try XCTUnwrap(r.tasks.first { $0.task == .quality })
        let c = try XCTUnwrap(t.rows.first { $0.label == "model judge, consultancy (local / m)" })
        XCTAssertEqual(c.condition, "model_judge")
        XCTAssertEqual(c.answers, 2)
        XCTAssertEqual(c.accuracy, 0.5, accuracy: 1e-12)
        let cs = try XCTUnwrap(c.protocolStats)
        XCTAssertEqual(cs.honestAccuracy, 0)
        XCTAssertEqual(cs.dishonestAccuracy, 1)
        XCTAssertEqual(cs.meanLog2Score ?? 0, (log2(0.4) + log2(0.8) - 0.05) / 2, accuracy: 1e-12)
        XCTAssertEqual(cs.meanRounds ?? 0, 1.5, accuracy: 1e-12)
        XCTAssertEqual(cs.verifiedQuoteShare.first?.share ?? 0, 2.0 / 3, accuracy: 1e-12)
        let d = try XCTUnwrap(t.rows.first { $0.label == "model judge, debate (local / m)" })
        XCTAssertEqual(d.accuracy, 1, accuracy: 1e-12)
        XCTAssertEqual(d.protocolStats?.verifiedQuoteShare.map(\.share), [1, 0])
        // Human judges minus the model judge of the same protocol (debate: 0.5 - 1).
        let diff = try XCTUnwrap(t.differences.first { $0.name == "debate - model judge, debate (local / m)" })
        XCTAssertEqual(diff.estimate, -0.5, accuracy: 1e-12)
        XCTAssertNotNil(t.differences.first { $0.name == "consultancy - model judge, consultancy (local / m)" })
        // The results table shows the model judges next to the human judges.
        let table = TextRenderer.table1(r)
        XCTAssertTrue(table.contains("human judge, debate") && table.contains("model judge, debate (local / m)"), table)
        let json = JSONRenderer.render(r)
        XCTAssertTrue(json.contains("\"condition\": \"model_judge\""))
        XCTAssertTrue(json.contains("\"honest_accuracy\": 0,"), json)
    }

    /// The synthetic study's protocol blocks are logs the core reader takes record by record and
    /// the scanner scores without a warning.
    func testSyntheticProtocolLogsReadAndScore() throws {
        var study = SyntheticStudy()
        study.sessions = 6
        study.answersPerSession = 24
        study.protocols = true
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synthetic-protocols-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try study.write(to: dir, jobs: 2)
        let first = SessionLogReader.read(url: dir.appendingPathComponent("p00000.jsonl"))
        XCTAssertEqual(first.issues, [])
        XCTAssertTrue(first.records.contains { if case .judgment = $0.event { true } else { false } })
        let d = try load(dir)
        XCTAssertEqual(d.warnings.map(\.description), [])
        XCTAssertEqual(d.answers.count, 6 * 24)
        XCTAssertEqual(d.protocols.count, 6 * 8)
        let r = score(d)
        let t = try XCTUnwrap(r.tasks.first { $0.task == .quality })
        XCTAssertEqual(t.rows.first { $0.condition == "consultancy" }?.answers, 24)
        XCTAssertEqual(t.rows.first { $0.condition == "debate" }?.protocolStats?.verifiedQuoteShare.count, 2)
    }

    func testOldLogsHaveNoProtocolData() throws {
        let dir = try MixedStudy.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = try DatasetLoader.discover(path: dir.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2)
        XCTAssertEqual(d.protocols, [])
        XCTAssertTrue(d.answers.allSatisfy { $0.protocolIndex == -1 })
    }
}
