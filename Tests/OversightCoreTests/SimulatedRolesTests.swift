import XCTest
@testable import OversightCore

/// The simulated assistant as consultant and debater.
final class SimulatedRolesTests: XCTestCase {
    /// The demo QuALITY questions shipped with the project (real passages).
    func questions() throws -> [Question] {
        try TaskBank.load(path: BankPaths.tasks + "/quality/demo.htmlstripped.jsonl")
    }

    func speak(_ a: SimulatedAssistant, _ q: Question, role: ProtocolRole, option: Int, round: Int = 1,
               shown: [Int]? = nil, settings: ProtocolSettings = ProtocolSettings(options: 2, maxChars: 750)) -> CheckedSpeech {
        let shown = shown ?? [q.gold, (q.gold + 1) % 4]
        let request = ProtocolSpeechRequest(role: role, round: round, option: option, honest: option == q.gold,
                                            shown: shown, settings: settings)
        let text = a.reply(to: AssistantRequest(id: 1, messages: [], question: q, speech: request))
        return QuoteVerifier.check(speech: text, passage: q.passage.map { NormalizedPassage($0.text) },
                                   maxChars: settings.maxChars, maxQuoteChars: settings.maxQuoteChars)
    }

    func testHonestRolesQuoteRealSentencesAndArgueTheirOption() throws {
        let qs = try questions()
        XCTAssertFalse(qs.isEmpty)
        var quotes = 0
        for seed in UInt64(0)..<4 {
            let a = SimulatedAssistant(seed: seed, accuracy: 0.5, wordDelayMs: 0)
            for q in qs {
                for round in 1...3 {
                    for role in ProtocolRole.allCases {
                        let s = speak(a, q, role: role, option: q.gold, round: round)
                        XCTAssertFalse(s.cut, s.text)
                        XCTAssertTrue(s.text.contains("(A)"), "argues its place-labelled option: \(s.text)")
                        XCTAssertFalse(s.quotes.isEmpty, s.text)
                        for quote in s.quotes { XCTAssertTrue(quote.verified, "\(quote.text) in \(q.id)") }
                        quotes += s.quotes.count
                    }
                }
            }
        }
        XCTAssertGreaterThan(quotes, 40)
    }

    func testDishonestRolesMisquoteOrInventAtAboutTheSeededRate() throws {
        let qs = try questions()
        var verified = 0, unverified = 0
        for seed in UInt64(0)..<40 {
            let a = SimulatedAssistant(seed: seed, accuracy: 0.5, wordDelayMs: 0)
            for q in qs {
                let wrong = (q.gold + 1) % 4
                let s = speak(a, q, role: .consultant, option: wrong, shown: [q.gold, wrong])
                XCTAssertTrue(s.text.contains("(B)"), s.text)
                for quote in s.quotes { if quote.verified { verified += 1 } else { unverified += 1 } }
            }
        }
        let share = Double(unverified) / Double(verified + unverified)
        XCTAssertEqual(share, SimulatedAssistant.misquoteRate, accuracy: 0.1, "unverified share \(share)")
    }

    func testSpeechesNeverDependOnTheGold() throws {
        let a = SimulatedAssistant(seed: 5, accuracy: 1, wordDelayMs: 0)
        for q in try questions() {
            let other = Question(id: q.id, task: q.task, subject: q.subject, text: q.text, options: q.options,
                                 gold: (q.gold + 2) % 4, passage: q.passage, metadata: q.metadata)
            for role in ProtocolRole.allCases {
                for honest in [true, false] {
                    let speech = ProtocolSpeechRequest(role: role, round: 2, option: 1, honest: honest, shown: [3, 1],
                                                       remark: "Why?", settings: ProtocolSettings(options: 2, maxChars: 750))
                    XCTAssertEqual(a.reply(to: AssistantRequest(id: 1, messages: [], question: q, speech: speech)),
                                   a.reply(to: AssistantRequest(id: 1, messages: [], question: other, speech: speech)))
                }
            }
        }
    }

    func testQuotesKeepWithinTheBudget() throws {
        let a = SimulatedAssistant(seed: 2, accuracy: 0.5, wordDelayMs: 0)
        let settings = ProtocolSettings(options: 2, maxChars: 750, maxQuoteChars: 40)
        for q in try questions() {
            let s = speak(a, q, role: .debaterA, option: q.gold, settings: settings)
            XCTAssertTrue(s.quotes.allSatisfy { $0.overLimit == nil }, s.text)
            XCTAssertLessThanOrEqual(s.quotes.map(\.text.count).reduce(0, +), 40)
        }
    }
}
