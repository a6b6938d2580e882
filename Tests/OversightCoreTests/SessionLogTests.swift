import XCTest
@testable import OversightCore

final class SessionLogTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static func start(participant: String = "p1") -> SessionStart {
        SessionStart(studyID: "pilot-1", studyHash: String(repeating: "a", count: 64),
                     questionsHash: String(repeating: "b", count: 64), seed: 7, appVersion: AppInfo.version,
                     participant: participant, sessionID: "s-1", feedback: true, confidence: [25, 42, 60, 80, 100],
                     blocks: [BlockPlan(condition: .unaided, questionIDs: ["q1", "q2"], timeLimitSeconds: nil)],
                     assistantProvider: "simulated", assistantModel: nil)
    }

    /// One of every event type, so encoding and decoding of each is exercised.
    static let allEvents: [SessionEvent] = [
        .sessionStart(start()),
        .instructionsShown,
        .questionShown(QuestionShown(block: 0, index: 0, questionID: "q1", task: .quality, subject: "A Story",
                                     condition: .assisted, timeLimitMs: 300_000)),
        .focusChanged(pane: .chat),
        .resized(cols: 100, rows: 30),
        .optionChosen(questionID: "q1", option: 2),
        .optionChosen(questionID: "q1", option: nil),
        .confidenceChosen(questionID: "q1", level: 4, value: 100),
        .passageViewport(questionID: "q1", offset: 1234, line: 40, lines: 800),
        .passageSearch(questionID: "q1", query: "ship \"quote\"", matches: 3),
        .chatSent(questionID: "q1", requestID: 1, text: "héllo 日本 👋\nsecond line"),
        .assistantReply(AssistantReply(questionID: "q1", requestID: 1, text: "partial", status: .cancelled,
                                       error: nil, provider: "simulated", model: nil, ttftMs: 120, durationMs: 900)),
        .assistantReply(AssistantReply(questionID: "q1", requestID: 2, text: "", status: .failed,
                                       error: "Assistant server error 500", provider: "openai", model: "m",
                                       ttftMs: nil, durationMs: 30, promptTokens: 10, completionTokens: 0)),
        .assistantReset(questionID: "q1"),
        .heartbeat,
        .submitted(Submission(block: 0, index: 0, questionID: "q1", task: .quality, subject: "A Story",
                              condition: .assisted, choice: nil, confidence: nil, gold: 3, correct: false,
                              timedOut: true, elapsedMs: 300_000)),
        .feedbackShown(questionID: "q1"),
        .sessionResume(downtimeMs: 5000),
        .quit(reason: "user"),
        .assistantProgress(questionID: "q1", requestID: 3, text: "part of a reply \"quoted\" 日本"),
        .assistantReply(AssistantReply(questionID: "q1", requestID: 3, text: "part of a reply", status: .interrupted,
                                       error: "The session was interrupted before the reply ended.",
                                       provider: "openai", model: "m", ttftMs: nil, durationMs: 4000)),
        .sessionEnd(completionCode: "ABCD1234"),
        .questionInserted(questionID: "q1", chars: 120),
        .timePaused(reason: "too_small"),
        .timeResumed,
    ]

    func write(_ events: [SessionEvent], to url: URL) throws -> [LogRecord] {
        let w = try SessionLogWriter.create(at: url)
        defer { w.close() }
        return try events.enumerated().map { i, e in try w.append(e, monoMs: Int64(i) * 100) }
    }

    func testRoundTripEveryEventType() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        let written = try write(Self.allEvents, to: url)
        let read = SessionLogReader.read(url: url)
        XCTAssertEqual(read.issues, [])
        XCTAssertEqual(read.records, written)
        XCTAssertEqual(read.records.map(\.event), Self.allEvents)
        XCTAssertEqual(read.records.map(\.seq), Array(0..<Self.allEvents.count))
        XCTAssertEqual(read.records.first?.prev, LogRecord.genesis)
        // Every line is standalone JSON with the documented envelope keys.
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        for line in lines {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertEqual(Set(obj?.keys.map { $0 } ?? []), ["v", "seq", "wall_ms", "mono_ms", "type", "data", "prev"])
        }
    }

    func testCreateRefusesExistingFile() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        _ = try write([.sessionStart(Self.start())], to: url)
        XCTAssertThrowsError(try SessionLogWriter.create(at: url))
    }

    func testTruncatedAtEveryByteRecoversThePrefix() throws {
        let url = dir.appendingPathComponent("full.jsonl")
        let written = try write(Self.allEvents, to: url)
        let bytes = try Data(contentsOf: url)
        // Line end offsets, to know how many records are complete before a cut.
        var ends: [Int] = []
        for (i, b) in bytes.enumerated() where b == 0x0A { ends.append(i + 1) }
        var rng = SeededRandom(seed: 11)
        var cuts = (0..<60).map { _ in rng.below(bytes.count + 1) }
        cuts += [0, 1, bytes.count - 1, bytes.count]
        for cut in cuts {
            let cutURL = dir.appendingPathComponent("cut-\(cut).jsonl")
            try bytes.prefix(cut).write(to: cutURL)
            let read = SessionLogReader.read(url: cutURL)
            let complete = ends.filter { $0 <= cut }.count
            // A line cut just before its newline still parses and is kept.
            let keptPartial = read.records.count == complete + 1
            XCTAssertTrue(read.records.count == complete || keptPartial, "cut \(cut)")
            XCTAssertEqual(read.records, Array(written.prefix(read.records.count)), "cut \(cut)")
            XCTAssertNil(read.firstDamage, "cut \(cut): \(read.issues)")
            if cut > 0 && cut < bytes.count && !ends.contains(cut) && !keptPartial {
                XCTAssertTrue(read.tornTail, "cut \(cut)")
                XCTAssertEqual(read.issues.first?.kind, .truncatedTail)
                XCTAssertEqual(read.issues.first?.line, complete + 1)
            }
        }
    }

    func testResumeDropsTornTailAndContinuesChain() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        let written = try write(Array(Self.allEvents.prefix(6)), to: url)
        // Simulate a crash in the middle of writing a record.
        let h = try FileHandle(forWritingTo: url)
        try h.seekToEnd()
        try h.write(contentsOf: Data("{\"v\":1,\"seq\":6,\"wall_ms\":1".utf8))
        try h.close()
        let (w, read) = try SessionLogWriter.resume(at: url)
        XCTAssertTrue(read.tornTail)
        XCTAssertEqual(read.records, written)
        XCTAssertEqual(w.lastMonoMs, written.last?.monoMs)
        let r = try w.append(.sessionResume(downtimeMs: 10), monoMs: 0)
        XCTAssertEqual(r.seq, 6)
        XCTAssertEqual(r.monoMs, written.last?.monoMs, "active time never goes backwards")
        w.close()
        let again = SessionLogReader.read(url: url)
        XCTAssertEqual(again.issues, [])
        XCTAssertEqual(again.records.count, 7)
        XCTAssertTrue(SessionLogVerifier.verify(url: url).ok)
    }

    func testExistingSessionTellsNoneUnfinishedFinishedAndRefusedFromOneRead() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        guard case .none = ExistingSession.examine(url: url) else { return XCTFail("no file is a fresh start") }
        let written = try write(Array(Self.allEvents.prefix(3)), to: url)
        guard case .unfinished(let read) = ExistingSession.examine(url: url) else { return XCTFail("unfinished") }
        XCTAssertEqual(read.records, written)
        XCTAssertEqual(read.lastQuestionShown?.block, 0)
        XCTAssertEqual(read.lastQuestionShown?.index, 0)
        XCTAssertNil(read.completionCode)
        // The writer continues from that read; nothing is read again.
        let w = try SessionLogWriter.resume(at: url, after: read)
        try w.append(.sessionEnd(completionCode: "ABC123"), monoMs: 10)
        w.close()
        guard case .finished(let code) = ExistingSession.examine(url: url) else { return XCTFail("finished") }
        XCTAssertEqual(code, "ABC123")
        // An unfinished log with a line changed in the middle: refused, with the reason.
        let other = dir.appendingPathComponent("p2.jsonl")
        _ = try write(Array(Self.allEvents.prefix(4)), to: other)
        var lines = try String(contentsOf: other, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "instructions_shown", with: "instructions_shoWn")
        try (lines.joined(separator: "\n") + "\n").write(to: other, atomically: true, encoding: .utf8)
        guard case .refused(let reason) = ExistingSession.examine(url: other) else { return XCTFail("refused") }
        XCTAssertTrue(reason.contains("damaged"), reason)
    }

    func testResumeKeepsALastRecordThatLostOnlyItsNewline() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        _ = try write(Array(Self.allEvents.prefix(3)), to: url)
        var bytes = try Data(contentsOf: url)
        bytes.removeLast()
        try bytes.write(to: url)
        let (w, read) = try SessionLogWriter.resume(at: url)
        XCTAssertEqual(read.records.count, 3)
        try w.append(.heartbeat, monoMs: 1000)
        w.close()
        let again = SessionLogReader.read(url: url)
        XCTAssertEqual(again.issues, [])
        XCTAssertEqual(again.records.count, 4)
    }

    func testVerifyDetectsAnEditedLine() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        _ = try write(Self.allEvents, to: url)
        XCTAssertTrue(SessionLogVerifier.verify(url: url).ok)
        var text = try String(contentsOf: url, encoding: .utf8)
        // Turn the timed-out submission on line 16 into one that was not timed out.
        XCTAssertTrue(text.contains("\"timed_out\":true"))
        text = text.replacingOccurrences(of: "\"timed_out\":true", with: "\"timed_out\":false")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let report = SessionLogVerifier.verify(url: url)
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.firstBad?.kind, .chain)
        XCTAssertEqual(report.firstBad?.line, 17, "the line after the edit no longer chains")
        XCTAssertTrue(report.firstBad?.description.hasPrefix(url.path + ":17: hash chain broken") ?? false)
    }

    func testVerifyDetectsARemovedLineAndSequenceGap() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        _ = try write(Self.allEvents, to: url)
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines.remove(at: 4)
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        let report = SessionLogVerifier.verify(url: url)
        XCTAssertEqual(report.firstBad?.line, 5)
        XCTAssertEqual(report.firstBad?.kind, .sequence)
        XCTAssertTrue(report.issues.contains { $0.kind == .chain && $0.line == 5 })
    }

    func testNewerSchemaAndCorruptLinesAreReportedNotFatal() throws {
        let url = dir.appendingPathComponent("p1.jsonl")
        _ = try write(Array(Self.allEvents.prefix(3)), to: url)
        var text = try String(contentsOf: url, encoding: .utf8)
        text += "not json at all\n"
        text += "{\"v\":9,\"seq\":4,\"wall_ms\":1,\"mono_ms\":1,\"type\":\"x\",\"data\":{},\"prev\":\"\"}\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
        let read = SessionLogReader.read(url: url)
        XCTAssertEqual(read.records.count, 3)
        XCTAssertEqual(read.issues.first?.kind, .corrupt)
        XCTAssertEqual(read.issues.first?.line, 4)
        XCTAssertTrue(read.issues.contains { $0.kind == .newerSchema && $0.line == 5 })
        XCTAssertThrowsError(try SessionLogWriter.resume(at: url), "a damaged log is not continued")
    }

    func testRandomBytesNeverCrashTheReader() throws {
        var rng = SeededRandom(seed: 99)
        for i in 0..<200 {
            let n = rng.below(600)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if i % 3 == 0 { for j in stride(from: 0, to: bytes.count, by: 37) { bytes[j] = 0x0A } }
            let url = dir.appendingPathComponent("junk-\(i).jsonl")
            try Data(bytes).write(to: url)
            let read = SessionLogReader.read(url: url)
            XCTAssertEqual(read.records.count, 0)
            _ = SessionLogVerifier.verify(url: url)
        }
    }

    func testMissingFileIsAnIssue() {
        let report = SessionLogVerifier.verify(url: dir.appendingPathComponent("nope.jsonl"))
        XCTAssertEqual(report.firstBad?.kind, .unreadable)
    }

    func testParticipantIdentifiers() {
        for ok in ["p1", "P-01_x", String(repeating: "a", count: 64)] { XCTAssertTrue(Identifier.isValid(ok), ok) }
        for bad in ["", "../etc", "a/b", "a b", "é", String(repeating: "a", count: 65), ".", "a.b"] {
            XCTAssertFalse(Identifier.isValid(bad), bad)
        }
    }
}
