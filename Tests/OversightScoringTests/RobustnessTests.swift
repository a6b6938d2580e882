import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// Damaged and odd input: each case is a warning naming the file and line, and scoring goes on
/// with what is sound.
final class RobustnessTests: XCTestCase {
    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("score-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// The fixture study's logs (no baseline) in a fresh folder.
    func study() throws -> URL {
        let dir = try tempDir()
        // The checked-in logs (GoldenTests checks they are exactly what the writer produces).
        let source = GoldenTests.logs
        for (p, _) in FixtureStudy.scripts {
            try FileManager.default.copyItem(at: source.appendingPathComponent("\(p).jsonl"),
                                             to: dir.appendingPathComponent("\(p).jsonl"))
        }
        return dir
    }

    func load(_ dir: URL, exclude: [String] = []) throws -> (Dataset, ScoreReport) {
        let inputs = try DatasetLoader.discover(path: dir.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, exclude: exclude, jobs: 2)
        return (d, Scorer.score(d, options: ScoreOptions()))
    }

    func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n").filter { !$0.isEmpty }
    }

    func write(_ lines: [String], _ url: URL, newlineAtEnd: Bool = true) throws {
        try Data((lines.joined(separator: "\n") + (newlineAtEnd ? "\n" : "")).utf8).write(to: url)
    }

    func unaidedMMLU(_ r: ScoreReport) -> ConditionRow? {
        r.tasks.first { $0.task == .mmlu }?.rows.first { $0.condition == "unaided" }
    }

    /// Our scan finds the same problems (kind and line) as the core reader.
    func assertAgreesWithCoreReader(_ url: URL, file: StaticString = #filePath, line: UInt = #line) {
        let core = SessionLogReader.read(url: url).issues.map { "\($0.kind.rawValue):\($0.line ?? 0)" }
        let ours = SessionScanner.scan(path: url.path, keepDamaged: true).warnings.compactMap { w -> String? in
            let map: [ScoreWarning.Kind: String] = [.truncatedTail: "truncatedTail", .corrupt: "corrupt",
                                                    .newerSchema: "newerSchema", .sequence: "sequence",
                                                    .chain: "chain"]
            guard let k = map[w.kind], let l = w.line else { return nil }
            return "\(k):\(l)"
        }
        XCTAssertEqual(ours, core, file: file, line: line)
    }

    func testSoundStudyHasNoWarningsAndMatchesCoreReader() throws {
        let dir = try study()
        let (d, r) = try load(dir)
        XCTAssertEqual(d.sessions.count, 5)
        XCTAssertEqual(r.warnings.filter { $0.kind != .statistics }, [])
        // Same answers as decoding every record with the core reader.
        var submitted = 0
        for (p, _) in FixtureStudy.scripts {
            SessionLogReader.forEach(url: dir.appendingPathComponent("\(p).jsonl")) { rec in
                if case .submitted = rec.event { submitted += 1 }
            }
        }
        XCTAssertEqual(d.answers.count, submitted)
        // Turns, resets and characters for ana's first MMLU question: 3 turns, 1 reset.
        let first = d.answers.first { d.participants[Int($0.participant)] == "ana" && $0.block == 0 && $0.index == 0 }
        XCTAssertEqual(first?.turns, 3)
        XCTAssertEqual(first?.resets, 1)
        XCTAssertEqual(first?.charsSent, 3 * Int32("Is option A right? Quote \"the passage\", please.".unicodeScalars.count))
        XCTAssertEqual(first?.ttftCount, 3)
    }

    /// Records of streamed text and a reply interrupted by a crash are read like any record.
    func testProgressRecordsAndInterruptedRepliesScanCleanly() throws {
        let url = try tempDir().appendingPathComponent("p.jsonl")
        let w = try SessionLogWriter.create(at: url)
        let start = SessionStart(studyID: "s", studyHash: "h", questionsHash: "q", seed: 1, appVersion: "t", participant: "p",
                                 sessionID: "id", feedback: false, confidence: Study.defaultConfidence, blocks: [],
                                 assistantProvider: "simulated", assistantModel: nil)
        try w.append(.sessionStart(start), monoMs: 0)
        try w.append(.chatSent(questionID: "q1", requestID: 1, text: "hi"), monoMs: 10)
        try w.append(.assistantProgress(questionID: "q1", requestID: 1, text: "The ans"), monoMs: 1_100)
        try w.append(.heartbeat, monoMs: 2_100)
        try w.append(.sessionResume(downtimeMs: 5_000), monoMs: 2_100)
        try w.append(.assistantReply(AssistantReply(questionID: "q1", requestID: 1, text: "The ans", status: .interrupted,
                                                    error: "interrupted", provider: "simulated", durationMs: 2_090)),
                     monoMs: 2_100)
        w.close()
        let scan = SessionScanner.scan(path: url.path)
        XCTAssertEqual(scan.warnings.filter { $0.kind == .corrupt || $0.kind == .chain }, [], "\(scan.warnings)")
        XCTAssertTrue(SessionLogReader.read(url: url).issues.isEmpty)
    }

    func testTruncatedLastLine() throws {
        let dir = try study()
        let url = dir.appendingPathComponent("ana.jsonl")
        var l = try lines(url)
        let last = l.removeLast()
        try write(l + [String(last.prefix(40))], url, newlineAtEnd: false)
        let (_, r) = try load(dir)
        let w = r.warnings.first { $0.kind == .truncatedTail }
        XCTAssertEqual(w?.path, url.path)
        XCTAssertEqual(w?.line, l.count + 1)
        XCTAssertTrue(r.warnings.contains { $0.kind == .unfinished && $0.path == url.path })
        XCTAssertEqual(unaidedMMLU(r)?.answers, 15, "every answer before the cut is kept")
        assertAgreesWithCoreReader(url)
    }

    func testCorruptLineIsSkippedAndChainBreakReported() throws {
        let dir = try study()
        let url = dir.appendingPathComponent("ben.jsonl")
        var l = try lines(url)
        // Find ben's first unaided MMLU submission and garble it.
        guard let k = l.firstIndex(where: { $0.contains("\"type\":\"submitted\"") && $0.contains("\"condition\":\"unaided\"") }) else {
            return XCTFail("no submission")
        }
        l[k] = String(l[k].dropLast(5)) + "@@@"
        try write(l, url)
        let (_, r) = try load(dir)
        XCTAssertTrue(r.warnings.contains { $0.kind == .corrupt && $0.path == url.path && $0.line == k + 1 })
        XCTAssertTrue(r.warnings.contains { $0.kind == .chain && $0.line == k + 2 })
        // The corrupt line is the one before the first broken link: from it on nothing of ben's is scored.
        let benDropped = l[k...].filter { $0.contains("\"type\":\"submitted\"") && $0.contains("\"condition\":\"unaided\"")
            && $0.contains("\"task\":\"mmlu\"") }.count
        XCTAssertEqual(unaidedMMLU(r)?.answers, 15 - benDropped, "the corrupt answer and those after it are not scored")
        let inputs = try DatasetLoader.discover(path: dir.path)
        let kept = Scorer.score(DatasetLoader.load(logs: inputs.logs, baselines: [], jobs: 2, keepDamaged: true))
        XCTAssertEqual(unaidedMMLU(kept)?.answers, 14, "with --keep-damaged only the corrupt answer is not scored")
        assertAgreesWithCoreReader(url)
    }

    func testEditedLineBreaksTheChain() throws {
        let dir = try study()
        let url = dir.appendingPathComponent("cleo.jsonl")
        var l = try lines(url)
        // Change cleo's first unaided answer from 25% to 100% confidence: valid JSON, wrong hash.
        guard let k = l.firstIndex(where: { $0.contains("\"type\":\"submitted\"") && $0.contains("\"condition\":\"unaided\"") }) else {
            return XCTFail("no submission")
        }
        l[k] = l[k].replacingOccurrences(of: "\"confidence\":25", with: "\"confidence\":100")
        try write(l, url)
        let (_, r) = try load(dir)
        let w = r.warnings.first { $0.kind == .chain && $0.path == url.path }
        XCTAssertEqual(w?.line, k + 2, "the line after the edited one no longer matches")
        assertAgreesWithCoreReader(url)
    }

    func testUnfinishedSession() throws {
        let dir = try tempDir()
        let steps = FixtureStudy.scripts[0].1
        var events = FixtureStudy.events("ana", steps: steps, end: false)
        events.removeLast(10)
        try FixtureStudy.writeLog(dir.appendingPathComponent("ana.jsonl"), events)
        let (d, r) = try load(dir)
        XCTAssertTrue(r.warnings.contains { $0.kind == .unfinished && $0.path?.hasSuffix("ana.jsonl") == true })
        XCTAssertEqual(d.sessions.first?.completed, false)
        let row = r.participantRows.first { $0.id == "ana" }
        XCTAssertEqual(row?.completed, false)
        XCTAssertLessThan(row?.completion ?? 1, 1)
    }

    func testSameParticipantTwice() throws {
        let dir = try study()
        // A copy of dev's log under another name, cut short: the finished one is scored.
        let src = try lines(dir.appendingPathComponent("dev.jsonl"))
        try write(Array(src.prefix(20)), dir.appendingPathComponent("dev-copy.jsonl"))
        let (d, r) = try load(dir)
        XCTAssertEqual(d.sessions.filter { $0.participant == "dev" }.count, 1)
        XCTAssertEqual(d.sessions.first { $0.participant == "dev" }?.path, dir.appendingPathComponent("dev.jsonl").path)
        let w = r.warnings.first { $0.kind == .duplicateParticipant }
        XCTAssertEqual(w?.path, dir.appendingPathComponent("dev-copy.jsonl").path)
        XCTAssertEqual(unaidedMMLU(r)?.answers, 15)
    }

    func testDifferentStudyHash() throws {
        let dir = try study()
        try FixtureStudy.writeLog(dir.appendingPathComponent("zed.jsonl"),
                                  FixtureStudy.events("zed", steps: FixtureStudy.scripts[3].1,
                                                      hash: String(repeating: "ee", count: 32)))
        let (d, r) = try load(dir)
        XCTAssertFalse(d.participants.contains("zed"))
        let w = r.warnings.first { $0.kind == .studyMismatch }
        XCTAssertEqual(w?.path, dir.appendingPathComponent("zed.jsonl").path)
        XCTAssertEqual(w?.line, 1)
    }

    func testNewerSchemaVersion() throws {
        let dir = try study()
        let url = dir.appendingPathComponent("eve.jsonl")
        var l = try lines(url)
        let k = l.count - 1
        l[k] = l[k].replacingOccurrences(of: "{\"v\":1,", with: "{\"v\":2,")
        try write(l, url)
        let (_, r) = try load(dir)
        let w = r.warnings.first { $0.kind == .newerSchema }
        XCTAssertEqual(w?.path, url.path)
        XCTAssertEqual(w?.line, k + 1)
        assertAgreesWithCoreReader(url)
    }

    func testGarbageFileAndMissingStart() throws {
        let dir = try study()
        try Data("not json at all\n{\"half\":\n".utf8).write(to: dir.appendingPathComponent("junk.jsonl"))
        let (d, r) = try load(dir)
        XCTAssertEqual(d.sessions.count, 5)
        XCTAssertTrue(r.warnings.contains { $0.kind == .corrupt && $0.path?.hasSuffix("junk.jsonl") == true && $0.line == 1 })
        XCTAssertTrue(r.warnings.contains { $0.kind == .noStart && $0.path?.hasSuffix("junk.jsonl") == true })
    }

    func testEmptyFolderIsAnError() throws {
        let dir = try tempDir()
        XCTAssertThrowsError(try DatasetLoader.discover(path: dir.path)) { e in
            XCTAssertTrue("\(e)".contains("no session logs"), "\(e)")
        }
        XCTAssertThrowsError(try DatasetLoader.discover(path: dir.appendingPathComponent("nope").path))
        // A sessions root with study folders below: name one.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("s1"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("s1/a.jsonl"))
        XCTAssertThrowsError(try DatasetLoader.discover(path: dir.path)) { e in
            XCTAssertTrue("\(e)".contains("name one study folder"), "\(e)")
        }
    }

    func testExcludeUnknownParticipantWarns() throws {
        let (d, r) = try load(try study(), exclude: ["nobody", "eve"])
        XCTAssertEqual(d.excluded, ["eve"])
        XCTAssertFalse(d.participants.contains("eve"))
        XCTAssertTrue(r.warnings.contains { $0.kind == .exclusion && $0.message.contains("nobody") })
    }

    func testSyntheticLogsAreSoundForTheCoreReader() throws {
        let dir = try tempDir()
        var s = SyntheticStudy()
        s.sessions = 3
        s.answersPerSession = 8
        _ = try s.write(to: dir, jobs: 2)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let r = SessionLogReader.read(url: dir.appendingPathComponent(name))
            XCTAssertEqual(r.issues, [], name)
            XCTAssertGreaterThan(r.records.count, 10)
        }
        let (d, _) = try load(dir)
        XCTAssertEqual(d.answers.count, 3 * 8)
        XCTAssertEqual(d.warnings, [])
    }

    /// Keys in another order, extra whitespace and escapes in ids: read the same way.
    func testOtherKeyOrderAndEscapes() throws {
        let dir = try tempDir()
        let start = #"{"study_id":"golden","study_hash":"aa","participant":"zoe","session_id":"z1","questions_hash":"bb","seed":1,"app_version":"0.1.0","feedback":true,"assistant_provider":"simulated","confidence":[25,50,100],"blocks":[{"condition":"assisted","question_ids":["q\/1"]}]}"#
        let chat = #"{"text":"caf\u00e9 \"ok\"","question_id":"q\/1","request_id":0}"#
        let sub = #"{ "task":"mmlu", "subject":"s", "question_id":"q\/1", "block":0, "index":0, "condition":"assisted", "choice":1, "confidence":50, "gold":1, "correct":true, "timed_out":false, "elapsed_ms":5 }"#
        let bodies = [("session_start", start), ("chat_sent", chat), ("submitted", sub), ("session_end", #"{"completion_code":"x"}"#)]
        var prev = String(repeating: "0", count: 64)
        var text = ""
        for (n, (type, data)) in bodies.enumerated() {
            // data before type, prev first.
            let line = #"{"prev":"\#(prev)","data":\#(data),"type":"\#(type)","mono_ms":\#(n),"wall_ms":1,"seq":\#(n),"v":1}"#
            text += line + "\n"
            prev = SHA256.hex(line)
        }
        try Data(text.utf8).write(to: dir.appendingPathComponent("zoe.jsonl"))
        let (d, r) = try load(dir)
        XCTAssertEqual(r.warnings.filter { $0.kind != .statistics }, [])
        XCTAssertEqual(d.items, ["q/1"])
        XCTAssertEqual(d.answers.first?.turns, 1)
        XCTAssertEqual(d.answers.first?.charsSent, 9)  // café "ok"
        XCTAssertEqual(d.scale, [25, 50, 100])
        XCTAssertEqual(d.sessions.first?.completed, true)
        assertAgreesWithCoreReader(dir.appendingPathComponent("zoe.jsonl"))
    }

    func testJSONCursorEscapesAndCounts() throws {
        let text = #"{"a":"x\"y\\u00e9\u00e9\ud83d\ude00z","n":-12,"b":[1,2.5e3,{"c":null}],"t":true}"#
        var bytes = Array(text.utf8)
        try bytes.withUnsafeMutableBufferPointer { b in
            guard let base = b.baseAddress else { return }
            var c = JSONCursor(base: base, count: b.count)
            var seen: [String] = []
            try c.object { c, ks, kl in
                if c.key(ks, kl, is: "a") {
                    var copy = c
                    XCTAssertEqual(try copy.stringScalarCount(), 12)
                    XCTAssertEqual(try c.string(), "x\"y\\u00e9é😀z")
                    seen.append("a")
                } else if c.key(ks, kl, is: "n") {
                    XCTAssertEqual(try c.int(), -12)
                    seen.append("n")
                } else {
                    try c.skipValue()
                    seen.append("other")
                }
            }
            XCTAssertEqual(seen, ["a", "n", "other", "other"])
        }
        for bad in [#"{"a":1"#, #"{"a":tru}"#, #"{"a":"x\q"}"#, #"{"a":01.}"#, #"{a:1}"#] {
            bytes = Array(bad.utf8)
            try bytes.withUnsafeMutableBufferPointer { b in
                guard let base = b.baseAddress else { return }
                var c = JSONCursor(base: base, count: b.count)
                XCTAssertThrowsError(try c.object { c, _, _ in try c.skipValue() }, bad)
            }
        }
    }

    func testSessionStartedWithNoAnswersIsNotAParticipant() throws {
        let dir = try study()
        // "zoe" opened the study and left at the first question; "yan" did the same and quit.
        let zoe = [(SessionEvent.sessionStart(FixtureStudy.start("zoe")), Int64(0)), (.instructionsShown, 1500)]
        try FixtureStudy.writeLog(dir.appendingPathComponent("zoe.jsonl"), zoe)
        let yan = [(SessionEvent.sessionStart(FixtureStudy.start("yan")), Int64(0)), (.instructionsShown, 1500),
                   (.quit(reason: "user"), 4000)]
        try FixtureStudy.writeLog(dir.appendingPathComponent("yan.jsonl"), yan)
        let (sound, soundReport) = try load(try study())
        let (d, r) = try load(dir)
        XCTAssertEqual(d.participants, sound.participants, "no answers: not a participant")
        XCTAssertEqual(r.participants, soundReport.participants)
        XCTAssertEqual(d.sessions.count, sound.sessions.count)
        let listed = d.warnings.filter { $0.kind == .noAnswers }
        XCTAssertEqual(listed.map(\.path).compactMap { $0.map { URL(fileURLWithPath: $0).lastPathComponent } }.sorted(),
                       ["yan.jsonl", "zoe.jsonl"])
        XCTAssertTrue(listed.allSatisfy { $0.message.contains("started, no answers") }, "\(listed)")
        XCTAssertFalse(d.warnings.contains { $0.kind == .unfinished && ($0.path ?? "").hasSuffix("zoe.jsonl") },
                       "said once, as no answers")
    }
}
