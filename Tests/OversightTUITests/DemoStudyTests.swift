import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// The bundled demo study, end to end through the headless backend and the simulated assistant.
final class DemoStudyTests: XCTestCase {
    func testDemoStudyRunsToTheEnd() throws {
        let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("Tasks/demo.toml").path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("no bundled demo study") }
        let resolved = try StudyResolver.resolve(try StudyLoader.load(path: path))
        let total = resolved.blocks.reduce(0) { $0 + $1.count }
        XCTAssertGreaterThan(total, 0)
        let a = resolved.study.assistant
        let h = try Harness(study: resolved, size: Size(cols: 80, rows: 24), live: true,
                            assistant: SimulatedAssistant(seed: resolved.study.seed, accuracy: a.accuracy, wordDelayMs: 0))
        XCTAssertEqual(h.state.phase, resolved.study.instructions == nil ? .question : .instructions)
        if h.state.phase == .instructions { h.run(.key(.enter)) }
        var answered = 0
        var initials = 0
        while h.state.phase == .question, answered < total {
            if h.state.awaitingInitialAnswer {
                // Step 1: the chat is closed; the initial answer is C, and nothing says if it is right.
                XCTAssertFalse(h.screen.contains("Assistant chat"), h.screen)
                h.run(.key(.function(3)), .type("c"), .type("2"), .advance(ms: 1_000), .key(.enter))
                XCTAssertEqual(h.state.phase, .question)
                XCTAssertTrue(h.state.isAssisted)
                initials += 1
            }
            if h.state.isAssisted {
                h.run(.type("Which option do you favour, and why?"), .key(.enter))
                XCTAssertTrue(h.backend.waitUntil(timeout: 10) { $0.pending == nil })
                guard case .assistant(let text, .complete, _) = h.state.chat.entries.last else {
                    return XCTFail("no complete reply: \(h.state.chat.entries)")
                }
                XCTAssertFalse(text.isEmpty)
            }
            h.run(.key(.function(3)), .type("b"), .type("4"), .advance(ms: 1_000), .key(.enter))
            answered += 1
            if resolved.study.feedback {
                XCTAssertEqual(h.state.phase, .feedback, h.screen)
                h.run(.key(.enter))
            }
        }
        XCTAssertEqual(answered, total)
        XCTAssertEqual(initials, zip(resolved.study.blocks, resolved.blocks).filter { $0.0.initialAnswer }.map(\.1.count).reduce(0, +))
        XCTAssertGreaterThan(initials, 0, "the demo has a two-step block")
        XCTAssertEqual(h.state.phase, .finished)
        XCTAssertTrue(h.screen.contains(CompletionCode.make(studyID: resolved.study.id, participant: "p01",
                                                            finalHash: h.log.records.last?.prev ?? "", secret: nil)))
        let subs = h.log.records.compactMap { if case .submitted(let s) = $0.event { return s } else { return nil } }
        XCTAssertEqual(subs.map(\.questionID), resolved.blocks.flatMap { $0.map(\.id) })
        XCTAssertTrue(subs.allSatisfy { $0.choice == 1 && $0.confidence == resolved.study.confidence[3] && !$0.timedOut })
        XCTAssertEqual(subs.map(\.condition), zip(resolved.study.blocks, resolved.blocks).flatMap { b, qs in qs.map { _ in b.condition } })
        // Every frame drawn filled its rows exactly (wide characters included).
        for frame in h.backend.frames {
            for row in 0..<frame.size.rows {
                var width = 0
                for col in 0..<frame.size.cols where !frame[col, row].continuation {
                    width += max(1, DisplayWidth.of(frame[col, row].text))
                }
                XCTAssertEqual(width, frame.size.cols)
            }
        }
    }
}

/// The bundled protocols demo (`oversight demo --protocols`): every block played through the
/// headless backend with the simulated assistant in every role.
final class ProtocolsDemoStudyTests: XCTestCase {
    func testProtocolsDemoRunsToTheEndWithCheckedQuotes() throws {
        let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let resolved = try StudyResolver.resolve(try StudyLoader.load(path: root.appendingPathComponent("Tasks/protocols.toml").path))
        XCTAssertEqual(resolved.study.blocks.map(\.condition), [.unaided, .consultancy, .debate])
        let total = resolved.blocks.reduce(0) { $0 + $1.count }
        let h = try Harness(study: resolved, size: Size(cols: 80, rows: 24), live: true,
                            assistant: SimulatedAssistant(seed: resolved.study.seed, accuracy: 0.6, wordDelayMs: 0))
        h.run(.key(.enter))
        var answered = 0
        while h.state.phase == .question, answered < total {
            if h.state.protocolQuestion != nil {
                h.run(.key(.right), .key(.enter))   // prior, then round 1
                XCTAssertTrue(h.backend.waitUntil(timeout: 10) { $0.protocolQuestion?.stage == .judging }, h.screen)
                h.run(.key(.char("e")))
            } else {
                h.run(.type("b4"), .key(.enter))
            }
            answered += 1
            XCTAssertEqual(h.state.phase, .feedback, h.screen)
            h.run(.key(.enter))
        }
        XCTAssertEqual(answered, total)
        XCTAssertEqual(h.state.phase, .finished)
        let replies = h.log.records.compactMap { if case .assistantReply(let r) = $0.event { r } else { nil } }
        XCTAssertEqual(replies.filter { $0.role == .consultant }.count, 2)
        XCTAssertEqual(replies.filter { $0.role == .debaterA }.count, 2)
        XCTAssertEqual(replies.filter { $0.role == .debaterB }.count, 2)
        XCTAssertTrue(replies.allSatisfy { $0.status == .complete && !$0.text.isEmpty })
        let quotes = replies.flatMap { $0.quotes ?? [] }
        XCTAssertTrue(quotes.contains { $0.verified }, "honest speeches quote the story")
        let subs = h.log.records.compactMap { if case .submitted(let s) = $0.event { s } else { nil } }
        XCTAssertTrue(subs.filter { $0.condition != .unaided }.allSatisfy { $0.probabilities != nil && $0.choice != nil })
    }
}
