import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// The one list of event kinds: every kind the writer can produce is read back by the core
/// reader and by the scorer's scanner, and the synthetic study uses only listed kinds.
final class EventKindTests: XCTestCase {
    /// One event of each kind. The switch has no default: a new kind does not compile here until
    /// it has a sample, and then the tests below check that both readers take it.
    static func sample(_ kind: EventKind) -> SessionEvent {
        let q = "mmlu/x/val/1"
        switch kind {
        case .sessionStart:
            return .sessionStart(SessionStart(
                studyID: "kinds", studyHash: String(repeating: "a", count: 64),
                questionsHash: String(repeating: "b", count: 64), seed: 1, appVersion: "0.1.0", participant: "p1",
                sessionID: "s1", feedback: false, confidence: [25, 50, 100],
                blocks: [BlockPlan(condition: .assisted, questionIDs: [q], timeLimitSeconds: nil)],
                assistantProvider: "simulated", assistantModel: nil))
        case .sessionResume: return .sessionResume(downtimeMs: 5)
        case .instructionsShown: return .instructionsShown
        case .questionShown:
            return .questionShown(QuestionShown(block: 0, index: 0, questionID: q, task: .mmlu, subject: "x",
                                                condition: .assisted, timeLimitMs: nil))
        case .optionChosen: return .optionChosen(questionID: q, option: 1)
        case .confidenceChosen: return .confidenceChosen(questionID: q, level: 1, value: 50)
        case .focusChanged: return .focusChanged(pane: .chat)
        case .resized: return .resized(cols: 80, rows: 24)
        case .passageViewport: return .passageViewport(questionID: q, offset: 0, line: 0, lines: 10)
        case .passageSearch: return .passageSearch(questionID: q, query: "a=b", matches: 2)
        case .chatSent: return .chatSent(questionID: q, requestID: 0, text: "why?")
        case .assistantReply:
            return .assistantReply(AssistantReply(questionID: q, requestID: 0, text: "because", status: .complete,
                                                  provider: "simulated", ttftMs: 120, durationMs: 400))
        case .assistantProgress: return .assistantProgress(questionID: q, requestID: 0, text: "bec")
        case .assistantReset: return .assistantReset(questionID: q)
        case .heartbeat: return .heartbeat
        case .questionInserted: return .questionInserted(questionID: q, chars: 40)
        case .timePaused: return .timePaused(reason: "too_small")
        case .timeResumed: return .timeResumed
        case .submitted:
            return .submitted(Submission(block: 0, index: 0, questionID: q, task: .mmlu, subject: "x",
                                         condition: .assisted, choice: 1, confidence: 50, gold: 1, correct: true,
                                         timedOut: false, elapsedMs: 900))
        case .initialSubmitted:
            return .initialSubmitted(InitialSubmission(questionID: q, choice: 2, confidence: 50, elapsedMs: 400))
        case .feedbackShown: return .feedbackShown(questionID: q)
        case .quit: return .quit(reason: "user")
        case .logChanged: return .logChanged(detail: "1 line changed")
        case .sessionEnd: return .sessionEnd(completionCode: "abc")
        case .roundStarted: return .roundStarted(RoundStarted(questionID: q, round: 1, remark: "", requestIDs: [1, 2]))
        case .judgment: return .judgment(Judgment(questionID: q, round: 0, probabilities: [0.5, 0.5, 0, 0]))
        }
    }

    /// A log holding one record of every kind (session_start first, session_end last), written
    /// by the real writer.
    private func logOfEveryKind() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kinds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("p1.jsonl")
        let middle = EventKind.allCases.filter { $0 != .sessionStart && $0 != .sessionEnd }
        let writer = try SessionLogWriter.create(at: url)
        var mono: Int64 = 0
        for kind in [.sessionStart] + middle + [.sessionEnd] {
            mono += 10
            _ = try writer.append(Self.sample(kind), monoMs: mono)
        }
        writer.close()
        return url
    }

    func testEverySampleIsOfItsKind() {
        for kind in EventKind.allCases {
            XCTAssertEqual(Self.sample(kind).kind, kind)
            XCTAssertEqual(Self.sample(kind).type, kind.rawValue)
        }
    }

    func testNamesAreDistinctAndMatchedFromBytes() {
        XCTAssertEqual(Set(EventKind.allCases.map(\.rawValue)).count, EventKind.allCases.count)
        for kind in EventKind.allCases {
            let bytes = Array(kind.rawValue.utf8)
            bytes.withUnsafeBufferPointer { b in
                guard let p = b.baseAddress else { return XCTFail("empty name") }
                XCTAssertEqual(EventKind(utf8: p, count: b.count), kind)
                XCTAssertNil(EventKind(utf8: p, count: b.count - 1), "a prefix of \(kind.rawValue)")
            }
        }
        let other = Array("session_stars".utf8)
        other.withUnsafeBufferPointer { b in
            if let p = b.baseAddress { XCTAssertNil(EventKind(utf8: p, count: b.count)) }
        }
    }

    /// Fails when a kind is added that the core reader cannot decode.
    func testCoreReaderReadsEveryKind() throws {
        let r = SessionLogReader.read(url: try logOfEveryKind())
        XCTAssertEqual(r.issues, [])
        XCTAssertEqual(r.records.map(\.event.kind), [.sessionStart] + EventKind.allCases.filter {
            $0 != .sessionStart && $0 != .sessionEnd
        } + [.sessionEnd])
        XCTAssertEqual(r.records.map(\.event), r.records.map { Self.sample($0.event.kind) })
    }

    /// Fails when a kind is added that the scorer's scanner does not know (it would call the
    /// line corrupt and leave it out of the chain).
    func testScannerKnowsEveryKind() throws {
        let url = try logOfEveryKind()
        let scan = SessionScanner.scan(path: url.path)
        XCTAssertEqual(scan.warnings, [], "\(scan.warnings)")
        XCTAssertEqual(scan.lines, EventKind.allCases.count)
        XCTAssertTrue(scan.ended)
        XCTAssertEqual(scan.answers.count, 1)
        XCTAssertEqual(scan.answers.first?.turns, 1)
        XCTAssertEqual(scan.answers.first?.ttftMs, [120])
    }

    /// A kind no list holds is refused by both readers with the same reason.
    func testUnknownKindIsCorruptForBothReaders() throws {
        let url = try logOfEveryKind()
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"type\":\"session_resume\"", with: "\"type\":\"session_paws\"")
        try Data(DamagedLogTests.rechain(lines).map { $0 + "\n" }.joined().utf8).write(to: url)
        let scan = SessionScanner.scan(path: url.path)
        XCTAssertEqual(scan.warnings.map(\.kind), [.corrupt])
        XCTAssertTrue(scan.warnings.first?.message.contains("unknown event type \"session_paws\"") ?? false,
                      "\(scan.warnings)")
        let r = SessionLogReader.read(url: url)
        XCTAssertEqual(r.issues.map(\.kind), [.corrupt])
        XCTAssertTrue(r.issues.first?.message.contains("session_paws") ?? false, "\(r.issues)")
    }

    /// The synthetic study writes only listed kinds, and every one it writes is read back.
    func testSyntheticStudyUsesListedKinds() throws {
        var s = SyntheticStudy()
        s.sessions = 1
        s.answersPerSession = 8
        let text = s.session(0)
        var seen = Set<EventKind>()
        for line in text.split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let type = try XCTUnwrap(record?["type"] as? String)
            seen.insert(try XCTUnwrap(EventKind(rawValue: type), type))
        }
        XCTAssertTrue(seen.isSuperset(of: [.sessionStart, .questionShown, .chatSent, .assistantReply, .submitted,
                                           .sessionEnd]), "\(seen)")
    }
}
