import XCTest
@testable import OversightCore

/// The pure core of the consultancy and debate blocks: draws, quotes, judgments, prompts.
final class ProtocolCoreTests: XCTestCase {
    func testAModelJudgesCertaintyIsBroughtOntoTheParticipantsScale() {
        func near(_ a: [Double], _ b: [Double]) -> Bool { zip(a, b).allSatisfy { abs($0 - $1) < 1e-12 } && a.count == b.count }
        XCTAssertTrue(near(JudgmentScale.bounded([1, 0]), [0.95, 0.05]))
        XCTAssertTrue(near(JudgmentScale.bounded([0.7, 0.3]), [0.7, 0.3]), "within the range: unchanged")
        XCTAssertTrue(near(JudgmentScale.bounded([1, 0, 0, 0]), [0.85, 0.05, 0.05, 0.05]))
        XCTAssertTrue(near(JudgmentScale.bounded([0.6, 0.4, 0, 0]), [0.54, 0.36, 0.05, 0.05]))
        let b = JudgmentScale.bounded([0.97, 0.02, 0.01])
        XCTAssertEqual(b.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertTrue(b.allSatisfy { (0.05 - 1e-12...0.95 + 1e-12).contains($0) }, "\(b)")
        XCTAssertEqual(b.firstIndex(of: b.max() ?? 0), 0)
        // The worst score is the participant's worst, not log2 of a floor near zero.
        XCTAssertEqual(JudgmentScale.score(pCorrect: JudgmentScale.bounded([1, 0])[1], rounds: 1), log2(0.05), accuracy: 1e-12)
    }

    static let passage = Passage(id: "p", title: "The Ship", text: """
        The captain said, “We don’t turn back.” Nobody answered him.

        On the third day the water ran out; the crew—tired, thirsty—mutinied.
        Café owners in the port later told the story for years.
        """)

    static func question(id: String = "q1", gold: Int = 2, best: Int? = nil) -> Question {
        Question(id: id, task: .quality, subject: "The Ship", text: "Why did the crew mutiny?",
                 options: ["They were bored", "They wanted gold", "The water ran out", "The captain left"],
                 gold: gold, passage: passage,
                 metadata: QuestionMetadata(difficult: true, source: "t.jsonl", line: 1, bestDistractor: best))
    }

    // MARK: draws

    func testConsultantIsHonestAboutHalfTheTimeOverManySeedsAndParticipants() {
        var honest = 0, n = 0
        for seed in UInt64(0)..<40 {
            for p in 0..<50 {
                let q = Self.question(id: "q\(p % 7)")
                let shown = ProtocolDraw.optionsShown(for: q, count: 2, seed: seed, participant: "p\(p)")
                let roles = ProtocolDraw.roles(condition: .consultancy, question: q, shown: shown, seed: seed,
                                               participant: "p\(p)")
                XCTAssertEqual(roles.count, 1)
                XCTAssertTrue(shown.contains(roles[0].option), "the consultant defends a shown option")
                if roles[0].option == q.gold { honest += 1 }
                n += 1
            }
        }
        let share = Double(honest) / Double(n)
        XCTAssertEqual(share, 0.5, accuracy: 0.04, "honest share \(share) over \(n) draws")
    }

    func testDebatersDefendTheTwoShownOptionsAndEachSideHasTheGoldAboutHalfTheTime() {
        var aGold = 0, n = 0
        for seed in UInt64(0)..<40 {
            for p in 0..<50 {
                let q = Self.question()
                let shown = ProtocolDraw.optionsShown(for: q, count: 2, seed: seed, participant: "p\(p)")
                let roles = ProtocolDraw.roles(condition: .debate, question: q, shown: shown, seed: seed, participant: "p\(p)")
                XCTAssertEqual(roles.map(\.role), [.debaterA, .debaterB])
                XCTAssertEqual(Set(roles.map(\.option)), Set(shown))
                if roles[0].option == q.gold { aGold += 1 }
                n += 1
            }
        }
        XCTAssertEqual(Double(aGold) / Double(n), 0.5, accuracy: 0.04)
    }

    func testFourOptionConsultancyPicksAmongAllDistractors() {
        var seen = Set<Int>()
        for p in 0..<200 {
            let roles = ProtocolDraw.roles(condition: .consultancy, question: Self.question(), shown: [0, 1, 2, 3],
                                           seed: 1, participant: "p\(p)")
            seen.insert(roles[0].option)
        }
        XCTAssertEqual(seen, [0, 1, 2, 3])
    }

    func testTwoOptionsAreTheGoldAndTheAnnotatedBestDistractorInSeededOrder() {
        let q = Self.question(gold: 2, best: 0)
        var orders = Set<[Int]>()
        for p in 0..<40 {
            let shown = ProtocolDraw.optionsShown(for: q, count: 2, seed: 9, participant: "p\(p)")
            XCTAssertEqual(Set(shown), [0, 2])
            orders.insert(shown)
            XCTAssertEqual(shown, ProtocolDraw.optionsShown(for: q, count: 2, seed: 9, participant: "p\(p)"), "seeded")
        }
        XCTAssertEqual(orders, [[0, 2], [2, 0]], "both orders occur")
        XCTAssertEqual(ProtocolDraw.optionsShown(for: q, count: 4, seed: 9, participant: "x"), [0, 1, 2, 3])
    }

    func testWithoutAnnotationTheDistractorIsASeededDrawSharedByParticipants() {
        let q = Self.question(gold: 1)
        var distractors = Set<Int>()
        for seed in UInt64(0)..<60 {
            let d = ProtocolDraw.distractor(for: q, seed: seed)
            XCTAssertNotEqual(d, 1)
            distractors.insert(d)
            let a = Set(ProtocolDraw.optionsShown(for: q, count: 2, seed: seed, participant: "a"))
            let b = Set(ProtocolDraw.optionsShown(for: q, count: 2, seed: seed, participant: "b"))
            XCTAssertEqual(a, b)
        }
        XCTAssertEqual(distractors, [0, 2, 3])
    }

    func testQualityLoaderReadsTheMajorityBestDistractorWithoutTheGold() {
        let v: [Any] = [["untimed_best_distractor": 4], ["untimed_best_distractor": 2], ["untimed_best_distractor": 4],
                        ["untimed_best_distractor": 3], ["untimed_best_distractor": 3], ["untimed_best_distractor": 3]]
        // Option 3 (1-based) is the gold: its votes do not count; 4 wins over 2.
        XCTAssertEqual(QualityLoader.bestDistractor(v, gold: 2), 3)
        XCTAssertEqual(QualityLoader.bestDistractor([["untimed_best_distractor": 2], ["untimed_best_distractor": 1]], gold: 3), 0,
                       "a tie goes to the earlier option")
        XCTAssertNil(QualityLoader.bestDistractor([Any](), gold: 0))
        XCTAssertNil(QualityLoader.bestDistractor(nil, gold: 0))
        XCTAssertNil(QualityLoader.bestDistractor([["untimed_answer": 2]], gold: 0))
    }

    func testQualityLoaderKeepsTheBestDistractorOfARecord() throws {
        let record: [String: Any] = [
            "article_id": "1", "title": "T", "article": "Some text.",
            "questions": [["question": "Q?", "question_unique_id": "u1", "options": ["a", "b", "c", "d"],
                           "gold_label": 1, "difficult": 1,
                           "validation": [["untimed_annotator_id": "x", "untimed_answer": 1, "untimed_best_distractor": 3]]]],
        ]
        let bytes = Array(try JSONSerialization.data(withJSONObject: record))
        let parsed = QualityLoader.parse(bytes: bytes, path: "dev.jsonl", passages: .init())
        XCTAssertEqual(parsed.errors, [])
        XCTAssertEqual(parsed.questions.first?.metadata.bestDistractor, 2)
    }

    // MARK: quotes

    func check(_ speech: String, maxChars: Int = 750, maxQuote: Int = 250) -> CheckedSpeech {
        QuoteVerifier.check(speech: speech, passage: NormalizedPassage(Self.passage.text), maxChars: maxChars,
                            maxQuoteChars: maxQuote)
    }

    func testQuotesVerifyAfterNormalisingCaseSpacesQuoteMarksAndPunctuation() {
        let text = Self.passage.text
        let cases: [(String, String)] = [
            ("we don't turn back", "We don’t"),                   // case, curly apostrophe vs straight
            ("\"We dont turn back\"", "We don’t"),               // quote marks, apostrophe dropped
            ("the captain said we", "The captain"),              // comma and curly quote skipped
            ("ran out the crew tired thirsty mutinied", "ran out"),  // semicolon, em dashes
            ("the water   ran\nout", "the water"),               // whitespace runs and line breaks
            ("CAFÉ OWNERS in the port", "Café owners"),          // non-ASCII case
        ]
        for (quote, expected) in cases {
            let c = check("I say <quote>\(quote)</quote>.")
            XCTAssertEqual(c.quotes.count, 1, quote)
            XCTAssertEqual(c.quotes.first?.verified, true, quote)
            // `start` is in Unicode scalars of the original text.
            let scalars = Array(text.unicodeScalars)
            let start = c.quotes.first?.start ?? -1
            XCTAssertTrue(start >= 0 && start < scalars.count, quote)
            let found = String(String.UnicodeScalarView(scalars[start..<min(scalars.count, start + expected.unicodeScalars.count)]))
            XCTAssertEqual(found, expected, quote)
        }
    }

    func testInventedMisquotedAndPartialWordQuotesAreUnverified() {
        for quote in ["The captain turned back", "the water ran dry", "he captain", "ater ran", "...", ""] {
            let c = check("<quote>\(quote)</quote>")
            XCTAssertTrue(c.quotes.allSatisfy { !$0.verified && $0.start == nil }, quote)
        }
        XCTAssertEqual(check("<quote>...</quote>").quotes, [], "a quote without words is dropped")
        let none = QuoteVerifier.check(speech: "<quote>Nobody answered him</quote>", passage: nil, maxChars: 100,
                                       maxQuoteChars: 100)
        XCTAssertEqual(none.quotes, [QuoteRecord(text: "Nobody answered him", verified: false)], "no passage: unverified")
    }

    func testQuoteCharactersPastTheBudgetAreNotVerified() {
        // 19 + 21 characters; a budget of 30 keeps the first quote and 11 characters of the second.
        let c = check("A <quote>Nobody answered him</quote> and <quote>On the third day the</quote> end", maxQuote: 30)
        XCTAssertEqual(c.quotes, [
            QuoteRecord(text: "Nobody answered him", verified: true, start: 40),
            QuoteRecord(text: "On the thir", verified: true, start: 62),
            QuoteRecord(text: "d day the", verified: false, overLimit: true),
        ])
        XCTAssertEqual(c.segments.first, .text("A "))
        XCTAssertEqual(c.segments.last, .text(" end"))
        let none = check("<quote>Nobody answered him</quote>", maxQuote: 0)
        XCTAssertEqual(none.quotes, [QuoteRecord(text: "Nobody answered him", verified: false, overLimit: true)])
    }

    func testLongSpeechesAreCutAndAnOpenQuoteRunsToTheCut() {
        let speech = "Look: <quote>Nobody answered him</quote> " + String(repeating: "x", count: 50)
        let c = check(speech, maxChars: 30)
        XCTAssertTrue(c.cut)
        XCTAssertEqual(c.text, String(speech.prefix(30)))
        XCTAssertEqual(c.quotes, [QuoteRecord(text: "Nobody answered h", verified: false)])
        let short = check("Fine <QUOTE>Nobody answered him</Quote>")
        XCTAssertFalse(short.cut)
        XCTAssertEqual(short.quotes.first?.verified, true, "tags in any case")
        XCTAssertEqual(short.segments.count, 2)
    }

    // MARK: judgments

    func testJudgmentScale() {
        XCTAssertTrue(JudgmentScale.isValid([70, 30]))
        XCTAssertTrue(JudgmentScale.isValid([5, 5, 5, 85]))
        XCTAssertFalse(JudgmentScale.isValid([100, 0]))
        XCTAssertFalse(JudgmentScale.isValid([72, 28]))
        XCTAssertFalse(JudgmentScale.isValid([60, 30]))
        XCTAssertEqual(JudgmentScale.probabilities(percents: [70, 30], shown: [3, 1]), [0, 0.3, 0, 0.7])
        XCTAssertEqual(JudgmentScale.answer([0, 0.3, 0, 0.7]), 3)
        XCTAssertNil(JudgmentScale.answer([0.5, 0.5, 0, 0]), "a tie has no answer")
        XCTAssertEqual(JudgmentScale.score(pCorrect: 0.5, rounds: 1), -1, accuracy: 1e-12)
        XCTAssertEqual(JudgmentScale.score(pCorrect: 0.8, rounds: 3), log2(0.8) - 0.1, accuracy: 1e-12)
    }

    func testJudgeRepliesAreParsed() {
        XCTAssertEqual(ProtocolPrompt.parseJudgment("A: 70%\nB: 30%", optionCount: 2), [0.7, 0.3])
        XCTAssertEqual(ProtocolPrompt.parseJudgment("(A) 0.25, (B) 0.75", optionCount: 2), [0.25, 0.75])
        XCTAssertEqual(ProtocolPrompt.parseJudgment("A = 60 %, B = 60 %", optionCount: 2), [0.5, 0.5])
        XCTAssertNil(ProtocolPrompt.parseJudgment("I think A.", optionCount: 2))
        XCTAssertNil(ProtocolPrompt.parseJudgment("A: 70%", optionCount: 2))
    }

    // MARK: prompts

    func testDebaterPromptAlternatesAndCarriesTheOpponentAndTheJudge() throws {
        let q = Self.question()
        let roles = [RoleAssignment(role: .debaterA, option: 0), RoleAssignment(role: .debaterB, option: 2)]
        let settings = try XCTUnwrap(ProtocolSettings.defaults(for: .debate))
        let transcript = ProtocolTranscript(rounds: [
            .init(remark: "", speeches: [.init(role: .debaterA, text: "A1"), .init(role: .debaterB, text: "B1")]),
            .init(remark: "Why the water?", speeches: []),
        ])
        let m = ProtocolPrompt.speechMessages(role: .debaterA, round: 2, question: q, shown: [2, 0], roles: roles,
                                              passage: Self.passage.text, settings: settings,
                                              instructions: RoleInstructions(), transcript: transcript)
        XCTAssertEqual(m.map(\.role), [.system, .user, .assistant, .user])
        XCTAssertTrue(m[1].content.contains("You defend answer (B): They were bored."))
        XCTAssertTrue(m[1].content.contains("Debater B defends answer (A)."))
        XCTAssertTrue(m[1].content.contains("(A) The water ran out\n(B) They were bored"))
        XCTAssertTrue(m[1].content.contains(Self.passage.text))
        XCTAssertEqual(m[2].content, "A1")
        XCTAssertTrue(m[3].content.contains("Debater B said in round 1:\nB1"))
        XCTAssertTrue(m[3].content.contains("The judge writes: Why the water?"))
        XCTAssertFalse(m.contains { $0.content.contains("gold") || $0.content.contains("correct answer is") })
        XCTAssertTrue(m[0].content.contains("750 characters"))
    }

    func testConsultantPromptsDifferOnlyInTheAssignedOption() throws {
        let q = Self.question()
        let settings = try XCTUnwrap(ProtocolSettings.defaults(for: .consultancy))
        func messages(_ option: Int) -> [ChatMessage] {
            ProtocolPrompt.speechMessages(role: .consultant, round: 1, question: q, shown: [0, 1, 2, 3],
                                          roles: [RoleAssignment(role: .consultant, option: option)], passage: nil,
                                          settings: settings, instructions: RoleInstructions(),
                                          transcript: ProtocolTranscript())
        }
        let honest = messages(2), dishonest = messages(1)
        XCTAssertEqual(honest.count, 2)
        XCTAssertEqual(honest[0], dishonest[0])
        XCTAssertEqual(honest[1].content.replacingOccurrences(of: "(C): The water ran out", with: "(B): They wanted gold")
                           .replacingOccurrences(of: "answer (C)", with: "answer (B)"),
                       dishonest[1].content)
        XCTAssertTrue(honest[0].content.contains("1500 characters"))
    }

    // MARK: log

    func testNewEventsAndFieldsRoundTripAndOldRecordsStillRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-protocol-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let events: [SessionEvent] = [
            .questionShown(QuestionShown(block: 1, index: 0, questionID: "q1", task: .quality, subject: "S",
                                         condition: .debate, timeLimitMs: nil, optionsShown: [2, 0],
                                         roles: [RoleAssignment(role: .debaterA, option: 2),
                                                 RoleAssignment(role: .debaterB, option: 0)])),
            .judgment(Judgment(questionID: "q1", round: 0, probabilities: [0.5, 0, 0.5, 0])),
            .roundStarted(RoundStarted(questionID: "q1", round: 1, remark: "", requestIDs: [1, 2])),
            .assistantReply(AssistantReply(questionID: "q1", requestID: 1, text: "<quote>x</quote>", status: .complete,
                                           provider: "simulated", durationMs: 10, role: .debaterA, round: 1,
                                           quotes: [QuoteRecord(text: "x", verified: true, start: 4),
                                                    QuoteRecord(text: "y", verified: false, overLimit: true)],
                                           cut: false)),
            .submitted(Submission(block: 1, index: 0, questionID: "q1", task: .quality, subject: "S", condition: .debate,
                                  choice: 2, confidence: nil, gold: 2, correct: true, timedOut: false, elapsedMs: 9,
                                  probabilities: [0.2, 0, 0.8, 0])),
        ]
        let url = dir.appendingPathComponent("p.jsonl")
        let w = try SessionLogWriter.create(at: url)
        for (i, e) in events.enumerated() { _ = try w.append(e, monoMs: Int64(i)) }
        w.close()
        let read = SessionLogReader.read(url: url)
        XCTAssertEqual(read.issues, [])
        XCTAssertEqual(read.records.map(\.event), events)
        let text = try String(contentsOf: url, encoding: .utf8)
        for key in ["\"options_shown\":[2,0]", "\"role\":\"debater_a\"", "\"type\":\"judgment\"", "\"probabilities\":[",
                    "\"type\":\"round_started\"", "\"request_ids\":[1,2]", "\"over_limit\":true", "\"cut\":false"] {
            XCTAssertTrue(text.contains(key), key)
        }
        // A record written before these fields existed decodes with them absent.
        let old = #"{"v":1,"seq":0,"wall_ms":1,"mono_ms":0,"type":"submitted","data":{"block":0,"index":0,"question_id":"q","task":"mmlu","subject":"s","condition":"assisted","choice":1,"confidence":60,"gold":1,"correct":true,"timed_out":false,"elapsed_ms":5},"prev":"0000000000000000000000000000000000000000000000000000000000000000"}"#
        let record = try JSONDecoder().decode(LogRecord.self, from: Data(old.utf8))
        guard case .submitted(let s) = record.event else { return XCTFail("not a submission") }
        XCTAssertNil(s.probabilities)
    }
}
