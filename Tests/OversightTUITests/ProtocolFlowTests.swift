import XCTest
import OversightCore
@testable import OversightTUI

/// Studies with consultancy and debate blocks for the flow tests.
enum ProtocolFixtures {
    static let verifiedQuote = "the lighthouse keeper had not been seen since the storm"
    static let inventedQuote = "the radio operator confessed to sabotage"

    /// A debate block (one QuALITY question), then a consultancy block (one question).
    static func study(minRounds: Int = 1, maxRounds: Int = 3, showPassage: Bool = true, showScore: Bool = true,
                      maxChars: Int = 750, timeLimit: Int? = nil) -> ResolvedStudy {
        var assistant = AssistantConfig()
        assistant.provider = .simulated
        var debate = StudyBlock(condition: .debate, bank: "q.jsonl", bankPath: "q.jsonl", questions: 1,
                                timeLimitSeconds: timeLimit, line: 3)
        debate.protocolSettings = ProtocolSettings(options: 2, showPassage: showPassage, maxRounds: maxRounds,
                                                   minRounds: minRounds, maxChars: maxChars, showScore: showScore)
        var consultancy = StudyBlock(condition: .consultancy, bank: "q.jsonl", bankPath: "q.jsonl", questions: 1, line: 12)
        consultancy.protocolSettings = ProtocolSettings(options: 4, maxChars: 1500)
        let s = Study(id: "protocols", seed: 11, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
                      blocks: [debate, consultancy], assistant: assistant, path: "protocols.toml",
                      hash: String(repeating: "c", count: 64))
        return ResolvedStudy(study: s, blocks: [[Fixtures.quality(1)], [Fixtures.quality(2, gold: 3)]])
    }

    static func speech(_ claim: String, quote: String) -> String {
        "\(claim) The story says <quote>\(quote)</quote>."
    }
}

final class ProtocolFlowTests: XCTestCase {
    func requests(_ effects: [Effect]) -> [(id: Int, messages: [ChatMessage])] {
        effects.compactMap { if case .startReply(let id, _, let m) = $0 { (id, m) } else { nil } }
    }

    func testDebateQuestionShowsItsDrawAndAsksForThePriorFirst() throws {
        let core = Core(study: ProtocolFixtures.study())
        guard case .questionShown(let shown)? = core.logged.last else { return XCTFail("\(core.logged)") }
        let q = Fixtures.quality(1)
        XCTAssertEqual(shown.condition, .debate)
        let shownOptions = try XCTUnwrap(shown.optionsShown)
        XCTAssertEqual(shownOptions.count, 2)
        XCTAssertTrue(shownOptions.contains(q.gold))
        let roles = try XCTUnwrap(shown.roles)
        XCTAssertEqual(Set(roles.map(\.option)), Set(shownOptions), "each debater defends a different shown option")
        let pq = try XCTUnwrap(core.state.protocolQuestion)
        XCTAssertEqual(pq.stage, .prior)
        XCTAssertEqual(core.state.focus, .answer)
        XCTAssertEqual(core.state.judge.draft.percents, [50, 50])
        XCTAssertEqual(core.state.panes, [.passage, .answer, .chat])
    }

    func testBothSpeechesAreRequestedAtOnceAndShownOnlyWhenBothAreIn() throws {
        var core = Core(study: ProtocolFixtures.study(maxChars: 120))
        core.key(.right)   // A: 55%
        let effects = core.key(.enter)
        let shown = try XCTUnwrap(core.state.protocolQuestion?.shown)
        // The prior is logged before the round starts, and both requests leave in the same batch.
        guard case .appendLog(.judgment(let prior)) = effects[0] else { return XCTFail("\(effects)") }
        XCTAssertEqual(prior.round, 0)
        XCTAssertEqual(prior.probabilities[shown[0]], 0.55, accuracy: 1e-12)
        XCTAssertEqual(prior.probabilities[shown[1]], 0.45, accuracy: 1e-12)
        XCTAssertEqual(prior.probabilities.reduce(0, +), 1, accuracy: 1e-12)
        guard case .appendLog(.roundStarted(let started)) = effects[1] else { return XCTFail("\(effects)") }
        XCTAssertEqual(started.round, 1)
        XCTAssertEqual(started.remark, "")
        let reqs = requests(effects)
        XCTAssertEqual(reqs.map(\.id), started.requestIDs)
        XCTAssertEqual(reqs.count, 2)
        XCTAssertTrue(reqs[0].messages[1].content.contains("You are Debater A"))
        XCTAssertTrue(reqs[1].messages[1].content.contains("You are Debater B"))

        // B finishes first: nothing of it shows while A is still writing.
        let (a, b) = (reqs[0].id, reqs[1].id)
        core.send(.assistantChunk(requestID: b, .text(ProtocolFixtures.speech("B is right.", quote: ProtocolFixtures.inventedQuote))))
        let bDone = core.send(.assistantChunk(requestID: b, .done(AssistantUsage())))
        guard case .appendLog(.assistantReply(let rb)) = bDone.first else { return XCTFail("\(bDone)") }
        XCTAssertEqual(rb.role, .debaterB)
        XCTAssertEqual(rb.round, 1)
        XCTAssertEqual(rb.quotes?.map(\.verified), [false])
        XCTAssertEqual(core.state.protocolQuestion?.stage, .speaking)
        var screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertFalse(screen.contains("B is right"), screen)
        XCTAssertTrue(screen.contains("Both speeches appear together"), screen)

        // A's speech is longer than max_chars (120): cut and marked; its quote verifies.
        let long = ProtocolFixtures.speech("A is right.", quote: ProtocolFixtures.verifiedQuote)
            + " And more words follow to run past the limit of this block by a wide margin indeed."
        core.send(.assistantChunk(requestID: a, .text(long)))
        let aDone = core.send(.assistantChunk(requestID: a, .done(AssistantUsage())))
        guard case .appendLog(.assistantReply(let ra)) = aDone.first else { return XCTFail("\(aDone)") }
        XCTAssertEqual(ra.cut, true)
        XCTAssertEqual(ra.text, String(long.prefix(120)), "the speech as shown")
        XCTAssertEqual(ra.quotes?.first?.verified, true)
        XCTAssertNotNil(ra.quotes?.first?.start)
        XCTAssertEqual(core.state.protocolQuestion?.stage, .judging)
        screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("Debater A · argues for \(core.state.protocolQuestion?.stanceLabel(of: .debaterA) ?? "")"), screen)
        XCTAssertTrue(screen.contains("✓“the lighthouse"), screen)
        XCTAssertTrue(screen.contains("✗[the radio operator"), screen)
        XCTAssertTrue(screen.contains("✂ [cut at the length limit]"), screen)
        XCTAssertFalse(screen.contains("wide margin"), "nothing past the limit is shown: \(screen)")
        // The next round's prompts carry the speech as shown (cut).
        core.key(.char("n"))
        let next = core.state.protocolQuestion?.transcript().rounds.first?.speech(of: .debaterA)
        XCTAssertEqual(next, String(long.prefix(120)))
    }

    /// Runs the prior and round 1 of the debate with both speeches complete.
    func heardRound1(_ study: ResolvedStudy = ProtocolFixtures.study()) -> Core {
        var core = Core(study: study)
        let effects = core.key(.enter)
        for (id, _) in requests(effects) {
            core.send(.assistantChunk(requestID: id, .text(ProtocolFixtures.speech("Mine.", quote: ProtocolFixtures.verifiedQuote))))
            core.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        return core
    }

    func testRemarkOpensTheNextRoundForBothDebatersAfterTheJudgment() throws {
        var core = heardRound1()
        core.key(.char("b"))
        core.key(.right)   // B: 55%
        core.key(.tab)     // to the speeches
        XCTAssertEqual(core.state.focus, .chat)
        core.type("Why the storm?")
        let effects = core.key(.enter)
        guard case .appendLog(.judgment(let j)) = effects[0], case .appendLog(.roundStarted(let r)) = effects[1] else {
            return XCTFail("\(effects)")
        }
        XCTAssertEqual(j.round, 1)
        XCTAssertEqual(r.round, 2)
        XCTAssertEqual(r.remark, "Why the storm?")
        let reqs = requests(effects)
        XCTAssertEqual(reqs.count, 2)
        for req in reqs {
            let last = try XCTUnwrap(req.messages.last?.content)
            XCTAssertTrue(last.contains("The judge writes: Why the storm?"), last)
            XCTAssertTrue(last.contains("said in round 1"), "each sees the other's speech: \(last)")
        }
        XCTAssertEqual(core.state.input.text, "")
    }

    func testEndNeedsMinRoundsAndABrokenTieThenSubmitsTheProbabilities() throws {
        var core = heardRound1(ProtocolFixtures.study(minRounds: 2, maxRounds: 2))
        XCTAssertEqual(core.key(.char("e")), [])
        XCTAssertEqual(core.state.notice, "Hear at least 2 rounds first: press n.")
        // Round 2.
        let effects = core.key(.char("n"))
        for (id, _) in requests(effects) {
            core.send(.assistantChunk(requestID: id, .text("Still mine.")))
            core.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        XCTAssertEqual(core.state.protocolQuestion?.roundsHeard, 2)
        XCTAssertEqual(core.state.protocolQuestion?.canContinue, false)
        // 50/50: a tie must be broken before the end.
        XCTAssertEqual(core.key(.enter), [])
        XCTAssertEqual(core.state.notice, "A and B are tied: give the one you choose more (→) first.")
        core.key(.down)
        core.key(.right)
        let end = core.key(.enter)
        let types = end.compactMap { if case .appendLog(let e) = $0 { e.type } else { nil } }
        XCTAssertEqual(Array(types.prefix(3)), ["judgment", "submitted", "feedback_shown"])
        guard case .appendLog(.submitted(let sub)) = end[1] else { return XCTFail("\(end)") }
        let shown = try XCTUnwrap(core.state.protocolQuestion?.shown)
        XCTAssertEqual(sub.choice, shown[1], "the tie went to the option raised")
        XCTAssertEqual(sub.probabilities?[shown[1]], 0.55)
        XCTAssertNil(sub.confidence)
        XCTAssertEqual(sub.correct, shown[1] == sub.gold)
        // show_score: log2(p_correct) - 0.05 x 1 extra round.
        XCTAssertEqual(core.state.phase, .feedback)
        let screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        let want = log2(sub.gold == shown[1] ? 0.55 : 0.45) - 0.05
        XCTAssertTrue(screen.contains("Your score: \(AppCore.formatScore(want))"), screen)
        XCTAssertTrue(["-0.91", "-1.20"].contains(AppCore.formatScore(want)))
    }

    func testJudgeScoreMatchesTheFormula() {
        let sub = Submission(block: 0, index: 0, questionID: "q", task: .quality, subject: "s", condition: .debate,
                             choice: 1, confidence: nil, gold: 1, correct: true, timedOut: false, elapsedMs: 0,
                             probabilities: [0, 0.8, 0.2, 0])
        XCTAssertEqual(AppCore.judgeScore(sub, rounds: 1) ?? 0, log2(0.8), accuracy: 1e-12)
        XCTAssertEqual(AppCore.judgeScore(sub, rounds: 3) ?? 0, log2(0.8) - 0.1, accuracy: 1e-12)
        XCTAssertEqual(AppCore.formatScore(log2(0.8) - 0.1), "-0.42")
        XCTAssertEqual(AppCore.formatScore(-0.05), "-0.05")
    }

    func testAFailedSpeechIsAskedForAgainWithF5() throws {
        var core = Core(study: ProtocolFixtures.study())
        let ids = requests(core.key(.enter)).map(\.id)
        core.send(.assistantChunk(requestID: ids[0], .text("Fine.")))
        core.send(.assistantChunk(requestID: ids[0], .done(AssistantUsage())))
        core.send(.assistantFailed(requestID: ids[1], message: "The server did not answer."))
        XCTAssertEqual(core.state.protocolQuestion?.stage, .broken)
        let screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("Press F5"), screen)
        let again = core.key(.function(5))
        guard case .appendLog(.roundStarted(let r)) = again.first else { return XCTFail("\(again)") }
        XCTAssertEqual(r.round, 1, "the same round again")
        XCTAssertEqual(requests(again).count, 2)
        XCTAssertTrue(Set(r.requestIDs).isDisjoint(with: ids), "fresh request ids")
        XCTAssertEqual(core.state.protocolQuestion?.rounds.count, 1)
        XCTAssertEqual(core.state.protocolQuestion?.stage, .speaking)
    }

    func testConsultancyHasOneUnlabelledConsultantAndFourOptions() throws {
        var core = Core(study: ProtocolFixtures.study())
        // Finish the debate question quickly: prior, round 1, end.
        for (id, _) in requests(core.key(.enter)) {
            core.send(.assistantChunk(requestID: id, .text("x")))
            core.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        core.key(.right)
        core.key(.char("e"))
        XCTAssertEqual(core.state.phase, .feedback)
        core.key(.enter)
        let pq = try XCTUnwrap(core.state.protocolQuestion)
        XCTAssertEqual(pq.condition, .consultancy)
        XCTAssertEqual(pq.shown, [0, 1, 2, 3])
        XCTAssertEqual(pq.roles.map(\.role), [.consultant])
        XCTAssertEqual(core.state.judge.draft.percents, [25, 25, 25, 25])
        let reqs = requests(core.key(.enter))
        XCTAssertEqual(reqs.count, 1)
        core.send(.assistantChunk(requestID: reqs[0].id, .text("Trust me.")))
        core.send(.assistantChunk(requestID: reqs[0].id, .done(AssistantUsage())))
        let screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("Consultant"), screen)
        XCTAssertFalse(screen.contains("argues for"), "the consultant's side is never named: \(screen)")
    }

    func testReplayOfEveryPrefixRebuildsTheDebate() throws {
        var core = heardRound1()
        core.key(.tab)
        core.type("Really?")
        for (id, _) in requests(core.key(.enter)) {
            core.send(.assistantChunk(requestID: id, .text("Yes.")))
            core.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        core.key(.function(3))
        core.key(.left)
        core.key(.char("e"))
        let live = core.state.durable
        var replay = AppState(context: StudyContext(ProtocolFixtures.study(), participant: "p01"), size: Size(cols: 80, rows: 24))
        for e in core.logged { AppCore.apply(&replay, e, monoMs: 0) }
        XCTAssertEqual(replay.durable, live)
        XCTAssertEqual(replay.protocolQuestion?.judgments.map(\.round), [0, 1, 2])
    }
}

/// Resume by replay in the middle of a debate round, through the runtime and its log.
final class ProtocolResumeTests: XCTestCase {
    func testResumeMidRoundLogsTheOpenSpeechAndAsksForTheRoundAgain() throws {
        let study = ProtocolFixtures.study()
        let h = try Harness(study: study)
        h.run(.key(.right), .key(.enter))
        let started = h.recorder.requests.map(\.requestID)
        XCTAssertEqual(started.count, 2, "both speeches requested")
        h.run(.chunk(requestID: started[0], .text("A speaks.")), .chunk(requestID: started[0], .done(AssistantUsage())),
              .chunk(requestID: started[1], .text("B is half way")))
        // The process dies here.
        let log2 = MemoryLog(records: h.log.records)
        let h2 = try Harness(study: study, log: log2)
        XCTAssertEqual(Array(log2.types.suffix(5)),
                       ["session_resume", "resized", "question_shown", "assistant_reply", "round_started"])
        guard let interrupted = log2.records.reversed().compactMap({ r -> AssistantReply? in
            if case .assistantReply(let a) = r.event { a } else { nil }
        }).first else { return XCTFail() }
        XCTAssertEqual(interrupted.status, .interrupted)
        XCTAssertEqual(interrupted.requestID, started[1])
        XCTAssertEqual(interrupted.role, .debaterB)
        guard case .roundStarted(let again) = log2.records.last?.event else { return XCTFail("\(log2.types)") }
        XCTAssertEqual(again.round, 1)
        XCTAssertEqual(h2.recorder.requests.count, 2, "both asked for again, so they still appear together")
        XCTAssertTrue(Set(again.requestIDs).isDisjoint(with: started))
        XCTAssertEqual(h2.state.protocolQuestion?.judgments.count, 1, "the prior survives the resume")
        XCTAssertEqual(h2.state.judge.draft.percents, [55, 45], "the draft starts from the logged prior")
        // The new round completes and the judge goes on.
        for id in again.requestIDs {
            h2.run(.chunk(requestID: id, .text("Again.")), .chunk(requestID: id, .done(AssistantUsage())))
        }
        XCTAssertEqual(h2.state.protocolQuestion?.stage, .judging)
    }
}

/// Frames of a debate question after round 1, at the smallest and a wide terminal.
final class ProtocolSnapshotTests: XCTestCase {
    func debateAfterRound1(size: Size) -> AppState {
        var core = Core(study: ProtocolFixtures.study(), size: size)
        core.key(.right)
        var ids: [Int] = []
        for e in core.key(.enter) { if case .startReply(let id, _, _) = e { ids.append(id) } }
        let texts = [ProtocolFixtures.speech("The keeper vanished, so the operator's reports could not be checked.",
                                             quote: ProtocolFixtures.verifiedQuote),
                     ProtocolFixtures.speech("The operator had a record of false reports.",
                                             quote: ProtocolFixtures.inventedQuote)]
        for (id, t) in zip(ids, texts) {
            core.send(.assistantChunk(requestID: id, .text(t)))
            core.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        core.key(.down)
        return core.state
    }

    func testDebate80x24() {
        let size = Size(cols: 80, rows: 24)
        assertSnapshot(AppCore.render(debateAfterRound1(size: size), size: size), named: "debate-round1-80x24")
    }

    func testDebate200x60() {
        let size = Size(cols: 200, rows: 60)
        assertSnapshot(AppCore.render(debateAfterRound1(size: size), size: size), named: "debate-round1-200x60")
    }

    func testVerifiedQuoteJumpHighlightsThePassage() throws {
        let size = Size(cols: 200, rows: 60)
        var core = Core(study: ProtocolFixtures.study(), size: size)
        core.state = debateAfterRound1(size: size)
        core.key(.function(8))
        XCTAssertEqual(core.state.focus, .passage)
        let q = try XCTUnwrap(core.state.passage.quote)
        let text = Fixtures.passageText.unicodeScalars
        let quoted = String(String.UnicodeScalarView(text[text.index(text.startIndex, offsetBy: q.lowerBound)..<text.index(text.startIndex, offsetBy: q.upperBound)]))
        XCTAssertEqual(quoted.lowercased(), ProtocolFixtures.verifiedQuote)
        let grid = AppCore.render(core.state, size: size)
        XCTAssertTrue(grid.cells.contains { $0.style.reverse && $0.style.role == .success })
    }

    func testHiddenPassageLeavesOnlyQuotes() {
        let size = Size(cols: 200, rows: 60)
        var core = Core(study: ProtocolFixtures.study(showPassage: false), size: size)
        XCTAssertEqual(core.state.panes, [.answer, .chat])
        core.key(.function(2))
        XCTAssertEqual(core.state.focus, .answer, "no passage pane to go to")
        let screen = AppCore.render(core.state, size: size).plainLines().joined(separator: "\n")
        XCTAssertFalse(screen.contains("Paragraph 1."), screen)
    }
}

final class ProtocolTimeoutTests: XCTestCase {
    func testTimeRunningOutMidRoundSubmitsTheCurrentJudgmentAndCancelsTheSpeeches() throws {
        var core = Core(study: ProtocolFixtures.study(timeLimit: 60))
        core.key(.right)
        let ids = core.key(.enter).compactMap { if case .startReply(let id, _, _) = $0 { id } else { nil } }
        let effects = core.send(.tick(nowMs: 61_000))
        let cancelled = effects.compactMap { if case .cancelReply(let id) = $0 { id } else { nil } }
        XCTAssertEqual(Set(cancelled), Set(ids))
        guard let sub = core.logged.compactMap({ if case .submitted(let s) = $0 { s } else { nil } }).first else {
            return XCTFail("\(core.logged)")
        }
        XCTAssertTrue(sub.timedOut)
        let shown = try XCTUnwrap(core.state.protocolQuestion?.shown)
        XCTAssertEqual(sub.choice, shown[0])
        XCTAssertEqual(sub.probabilities?[shown[0]], 0.55)
        let replies = core.logged.compactMap { if case .assistantReply(let r) = $0 { r } else { nil } }
        XCTAssertEqual(replies.map(\.status), [.cancelled, .cancelled])
    }
}

final class ProtocolQuitResumeTests: XCTestCase {
    func testQuitMidRoundThenResumeAsksForTheRoundAgain() throws {
        let study = ProtocolFixtures.study()
        let h = try Harness(study: study)
        h.run(.key(.enter))
        let first = h.recorder.requests.map(\.requestID)
        h.run(.key(.ctrl("c")), .key(.char("y")))
        let replies = h.log.records.compactMap { r -> AssistantReply? in
            if case .assistantReply(let a) = r.event { a } else { nil }
        }
        XCTAssertEqual(replies.map(\.status), [.cancelled, .cancelled])
        XCTAssertEqual(h.log.types.last, "quit")
        let log2 = MemoryLog(records: h.log.records)
        let h2 = try Harness(study: study, log: log2)
        guard case .roundStarted(let again) = log2.records.last?.event else { return XCTFail("\(log2.types)") }
        XCTAssertEqual(again.round, 1)
        XCTAssertTrue(Set(again.requestIDs).isDisjoint(with: first))
        XCTAssertEqual(h2.state.protocolQuestion?.stage, .speaking)
        XCTAssertEqual(h2.recorder.requests.count, 2)
    }
}

final class ProtocolSpeechPaneTests: XCTestCase {
    func testSpeechScrollStopsAtTheLongestSpeechAndTheWaitIsCounted() throws {
        var core = Core(study: ProtocolFixtures.study())
        let ids = core.key(.enter).compactMap { if case .startReply(let id, _, _) = $0 { id } else { nil } }
        XCTAssertEqual(AppCore.nextWakeMs(core.state), 1_000, "the waited seconds tick while the round is written")
        core.send(.tick(nowMs: 3_200))
        var screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("the debaters are writing (3 s)"), screen)
        let long = (1...40).map { "Point \($0) for my side." }.joined(separator: " ")
        for (id, text) in zip(ids, [long, "Short."]) {
            core.send(.assistantChunk(requestID: id, .text(text)))
            core.send(.assistantChunk(requestID: id, .done(AssistantUsage())))
        }
        core.key(.function(4))
        for _ in 0..<100 { core.key(.pageDown) }
        let top = core.state.judge.speechTop
        XCTAssertGreaterThan(top, 0)
        // At 80x24 each speech has 5 text rows of 74 cells (the judgment below takes the rest,
        // its options wrapped whole); the first speech (cut at 750 characters) ends on the last.
        let lines = QuoteMarkup.lines(AppCore.speeches(try XCTUnwrap(core.state.protocolQuestion), round: 1)[0], width: 74)
        XCTAssertEqual(top, lines.count - 5)
        screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("✂ [cut at the length limit]"), screen)
        core.key(.pageUp)
        XCTAssertEqual(core.state.judge.speechTop, top - 4, "one page back from the end, not from past it")
    }
}

final class ProtocolHelpTests: XCTestCase {
    func testHelpFitsAnd80x24ShowsEveryLineWhole() {
        for debate in [true, false] {
            let entries = HelpOverlay.protocolEntries(debate: debate, showPassage: true)
            XCTAssertLessThanOrEqual(entries.count + 4, 22, "fits the 22 rows an 80x24 help overlay has")
            for (k, v) in entries where !k.isEmpty {
                XCTAssertLessThanOrEqual(DisplayWidth.of(k), 20, k)
                XCTAssertLessThanOrEqual(DisplayWidth.of(v), 45, "cut at 80 columns: \(v)")
            }
        }
        var core = Core(study: ProtocolFixtures.study())
        core.key(.function(1))
        let screen = AppCore.render(core.state, size: Size(cols: 80, rows: 24)).plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("quote found in the passage / not found"), screen)
        XCTAssertTrue(screen.contains("show the next verified quote in the passage"), screen)
    }
}
