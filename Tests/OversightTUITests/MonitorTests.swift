import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// `oversight monitor`: status, idle, sort, render and JSON of the pure core, and the
/// incremental, read-only log reading.
final class MonitorTests: XCTestCase {
    static let t0: Int64 = 1_800_000_000_000

    /// A session's records: start (2 blocks of 3 and 2 questions), instructions, then `events`,
    /// each `(seconds after t0, event)`.
    static func records(_ participant: String, simulated: Bool = false, _ events: [(Int64, SessionEvent)]) -> [LogRecord] {
        let start = SessionStart(studyID: "s", studyHash: "h", questionsHash: "q", seed: 1, appVersion: "t",
                                 participant: participant, sessionID: "\(participant)-1", feedback: true,
                                 confidence: [25, 100],
                                 blocks: [BlockPlan(condition: .assisted, questionIDs: ["a", "b", "c"], timeLimitSeconds: nil),
                                          BlockPlan(condition: .unaided, questionIDs: ["d", "e"], timeLimitSeconds: nil)],
                                 assistantProvider: "simulated", assistantModel: nil, simulated: simulated ? true : nil)
        let all: [(Int64, SessionEvent)] = [(0, .sessionStart(start)), (1, .instructionsShown)] + events
        return all.enumerated().map { i, e in
            LogRecord(seq: i, wallMs: t0 + e.0 * 1000, monoMs: e.0 * 1000, event: e.1, prev: LogRecord.genesis)
        }
    }

    static func shown(_ block: Int, _ index: Int) -> SessionEvent {
        .questionShown(QuestionShown(block: block, index: index, questionID: "x\(block)\(index)", task: .mmlu,
                                     subject: "astronomy", condition: .assisted, timeLimitMs: nil))
    }

    static func submitted(_ block: Int, _ index: Int, correct: Bool = true) -> SessionEvent {
        .submitted(Submission(block: block, index: index, questionID: "x\(block)\(index)", task: .mmlu, subject: "astronomy",
                              condition: .assisted, choice: 1, confidence: 100, gold: correct ? 1 : 2, correct: correct,
                              timedOut: false, elapsedMs: 1000))
    }

    /// ana: on question 2 of block 1, heartbeat at 40 s. ben: quit at 20 s. cleo: finished.
    /// dev: on block 2's first question, silent since 10 s.
    static func state(now seconds: Int64 = 42) -> MonitorState {
        var s = MonitorState(folder: "Sessions/s", nowMs: t0 + seconds * 1000, idleSeconds: 15)
        let logs: [String: [LogRecord]] = [
            "ana": records("ana", [(2, shown(0, 0)), (10, submitted(0, 0)), (11, .feedbackShown(questionID: "x00")),
                                   (12, shown(0, 1)), (30, .chatSent(questionID: "x01", requestID: 0, text: "hi")),
                                   (39, .heartbeat), (40, .heartbeat)]),
            "ben": records("ben", [(2, shown(0, 0)), (19, .quit(reason: "user"))]),
            "cleo": records("cleo", [(2, shown(0, 0)), (3, submitted(0, 0)), (4, shown(0, 1)), (5, submitted(0, 1)),
                                     (6, shown(0, 2)), (7, submitted(0, 2)), (8, shown(1, 0)), (9, submitted(1, 0)),
                                     (9, shown(1, 1)), (9, submitted(1, 1)), (10, .sessionEnd(completionCode: "abc"))]),
            "dev": records("dev", simulated: true, [(2, shown(0, 0)), (3, submitted(0, 0)), (4, shown(0, 1)),
                                                    (5, submitted(0, 1)), (6, shown(0, 2)), (7, submitted(0, 2)),
                                                    (8, shown(1, 0)), (10, .heartbeat)]),
        ]
        for (p, recs) in logs { _ = MonitorCore.update(&s, .records(file: "/x/\(p).jsonl", recs)) }
        return s
    }

    func testStatusAnswersAndTimes() {
        let rows = Self.state().rows
        XCTAssertEqual(rows.map(\.participant), ["ana", "ben", "cleo", "dev"])
        XCTAssertEqual(rows.map(\.status), [.active, .quit, .finished, .idle])
        XCTAssertEqual(rows.map(\.answers), [1, 0, 5, 3])
        XCTAssertEqual(rows.map(\.planned), [5, 5, 5, 5])
        XCTAssertEqual(rows.map(\.block), [1, 1, 2, 2])
        XCTAssertEqual(rows.map(\.question), [2, 1, 2, 1])
        XCTAssertEqual(rows.map(\.secondsOnQuestion), [30, nil, nil, 34])
        XCTAssertEqual(rows.map(\.secondsSinceLastEvent), [2, 23, 32, 32])
        // The last event shown is the last one that is not a heartbeat.
        XCTAssertEqual(rows[0].lastEvent, "chat_sent")
        XCTAssertEqual(rows[0].secondsSinceLastNamedEvent, 12)
    }

    func testIdleThresholdAndResume() {
        var s = Self.state(now: 55)   // ana silent 15 s: not yet idle (more than 15 s is)
        XCTAssertEqual(s.rows[0].status, .active)
        _ = MonitorCore.update(&s, .tick(nowMs: Self.t0 + 55_001))
        XCTAssertEqual(s.rows[0].status, .idle)
        // ben comes back: the quit is over, and the question shown again keeps its time.
        let resumed = [LogRecord(seq: 4, wallMs: Self.t0 + 50_000, monoMs: 19_000, event: .sessionResume(downtimeMs: 31_000),
                                 prev: LogRecord.genesis),
                       LogRecord(seq: 5, wallMs: Self.t0 + 50_000, monoMs: 19_000, event: Self.shown(0, 0), prev: LogRecord.genesis)]
        _ = MonitorCore.update(&s, .records(file: "/x/ben.jsonl", resumed))
        let ben = s.rows[1]
        XCTAssertEqual(ben.status, .active)
        XCTAssertEqual(ben.secondsOnQuestion, 53)
        XCTAssertEqual(s.counts, [.idle: 2, .active: 1, .finished: 1])
    }

    func testSortKeyCyclesColumns() {
        var s = Self.state()
        func order() -> [String] { s.rows.map(\.participant) }
        XCTAssertEqual(s.sort, .participant)
        _ = MonitorCore.update(&s, .key(.char("s")))
        XCTAssertEqual(s.sort, .status)
        XCTAssertEqual(order(), ["ben", "dev", "ana", "cleo"])
        _ = MonitorCore.update(&s, .key(.char("s")))
        XCTAssertEqual(s.sort, .answers)
        XCTAssertEqual(order(), ["ben", "ana", "dev", "cleo"])
        _ = MonitorCore.update(&s, .key(.char("s")))
        XCTAssertEqual(s.sort, .onQuestion)
        XCTAssertEqual(order(), ["dev", "ana", "ben", "cleo"])
        _ = MonitorCore.update(&s, .key(.char("s")))
        XCTAssertEqual(s.sort, .lastEvent)
        XCTAssertEqual(order(), ["cleo", "dev", "ben", "ana"])
        _ = MonitorCore.update(&s, .key(.char("s")))
        XCTAssertEqual(s.sort, .participant)
        XCTAssertEqual(MonitorCore.update(&s, .key(.char("q"))), [.quit])
    }

    func testRender() {
        var s = Self.state()
        _ = MonitorCore.update(&s, .badLines(file: "/x/ana.jsonl", count: 1))
        let lines = MonitorRender.render(s, size: Size(cols: 110, rows: 9)).plainLines()
        XCTAssertEqual(lines, [
            "oversight monitor: Sessions/s",
            "4 participants: 1 active, 1 idle, 1 quit, 1 finished",
            "PARTICIPANT*     STATUS      BLOCK  QUESTION  ANSWERS  ON QUESTION  LAST EVENT",
            "ana              active      1/2    2/3       1/5      30s          chat_sent, 12s ago [1 unreadable line(s)]",
            "ben              quit        1/2    1/3       0/5      -            quit, 23s ago",
            "cleo             finished    2/2    2/2       5/5      -            session_end, 32s ago",
            "dev (sim)        idle 32s    2/2    1/2       3/5      34s          question_shown, 34s ago",
            "",
            "s: sort (participant)  q: quit",
        ])
        // Too small to show every row: the key line says which are shown.
        _ = MonitorCore.update(&s, .resize(Size(cols: 110, rows: 6)))
        _ = MonitorCore.update(&s, .key(.down))
        let small = MonitorRender.render(s, size: Size(cols: 110, rows: 6)).plainLines()
        XCTAssertEqual(small[3].prefix(4), "ben ")
        XCTAssertEqual(small[5], "s: sort (participant)  q: quit  up/down: scroll (2-3 of 4)")
        XCTAssertEqual(MonitorRender.duration(3725), "1h02m")
        XCTAssertEqual(MonitorRender.duration(65), "1m05s")
        XCTAssertEqual(MonitorRender.duration(3 * 86_400 + 4 * 3600 + 59), "3d04h")
    }

    func testJSON() {
        var s = Self.state()
        _ = MonitorCore.update(&s, .records(file: "/x/new.jsonl", []))
        XCTAssertEqual(MonitorRender.json(s.rows), """
            [
              {"participant": "ana", "status": "active", "block": 1, "question": 2, "answers": 1, "seconds_since_last_event": 2},
              {"participant": "ben", "status": "quit", "block": 1, "question": 1, "answers": 0, "seconds_since_last_event": 23},
              {"participant": "cleo", "status": "finished", "block": 2, "question": 2, "answers": 5, "seconds_since_last_event": 32},
              {"participant": "dev", "status": "idle", "block": 2, "question": 1, "answers": 3, "seconds_since_last_event": 32},
              {"participant": "new", "status": "idle", "block": null, "question": null, "answers": 0, "seconds_since_last_event": null}
            ]

            """)
        XCTAssertEqual(MonitorRender.json([]), "[]\n")
    }

    func testCompleteLinesLeavesACutOffLine() {
        let (lines, used) = LogFolderTail.completeLines(Data("ab\n\ncd\nef".utf8))
        XCTAssertEqual(lines.map { String(decoding: $0, as: UTF8.self) }, ["ab", "", "cd"])
        XCTAssertEqual(used, 7)
        XCTAssertEqual(LogFolderTail.completeLines(Data("no newline".utf8)).consumed, 0)
    }

    /// Reads only what was appended, takes a cut-off last line on the next read once whole,
    /// starts over when a file is replaced by a shorter one, and changes nothing on disk.
    func testTailReadsIncrementallyAndOnlyReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("ana.jsonl")
        let writer = try SessionLogWriter.create(at: url)
        for r in Self.records("ana", [(2, Self.shown(0, 0))]) { _ = try writer.append(r.event, monoMs: r.monoMs) }
        try "{}\n".write(to: dir.appendingPathComponent("baseline-x.jsonl"), atomically: true, encoding: .utf8)
        let tail = LogFolderTail(folder: dir)
        var s = MonitorState(folder: dir.path, nowMs: 0, idleSeconds: 15)
        func poll() -> [MonitorEvent] {
            let events = tail.poll()
            for e in events { _ = MonitorCore.update(&s, e) }
            return events
        }
        let first = poll()
        XCTAssertEqual(first.count, 2)
        guard case .records(_, let recs) = first[1] else { return XCTFail("\(first)") }
        XCTAssertEqual(recs.map(\.event.type), ["session_start", "instructions_shown", "question_shown"])
        XCTAssertEqual(tail.offsets[url.path], try Data(contentsOf: url).count)
        XCTAssertEqual(poll(), [])   // nothing new: nothing read

        // A record arrives in two pieces: the first piece is left for later.
        _ = try writer.append(Self.submitted(0, 0), monoMs: 5000)
        writer.close()
        let whole = try Data(contentsOf: url)
        let lastStart = (whole.dropLast().lastIndex(of: 0x0A) ?? 0) + 1
        try whole.prefix(lastStart + 10).write(to: url)
        XCTAssertEqual(poll(), [])
        XCTAssertEqual(s.rows[0].answers, 0)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: whole.suffix(from: lastStart + 10))
        try handle.close()
        let second = poll()
        guard case .records(_, let more)? = second.first, second.count == 1 else { return XCTFail("\(second)") }
        XCTAssertEqual(more.map(\.event.type), ["submitted"])
        XCTAssertEqual(s.rows[0].answers, 1)
        XCTAssertEqual(try Data(contentsOf: url), whole, "the log is unchanged")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["ana.jsonl", "baseline-x.jsonl"], "no lock or other file made")

        // A garbled line is counted; a shorter replacement is read again from its start.
        try (whole + Data("not json\n".utf8)).write(to: url)
        XCTAssertEqual(poll(), [.badLines(file: url.path, count: 1)])
        try whole.prefix(lastStart).write(to: url)
        let again = poll()
        XCTAssertEqual(again.first, .fileReset(file: url.path))
        XCTAssertEqual(s.rows[0].answers, 0)
        XCTAssertEqual(s.rows[0].badLines, 0)
        try FileManager.default.removeItem(at: url)
        XCTAssertEqual(poll(), [.fileRemoved(file: url.path)])
        XCTAssertTrue(s.tracks.isEmpty)
    }
}

/// The live view's session on the driver seam: reads on its refresh timer, quits on `q`.
final class MonitorSessionTests: XCTestCase {
    func testPumpsOnItsTimerAndQuits() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-s-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let writer = try SessionLogWriter.create(at: dir.appendingPathComponent("ana.jsonl"))
        for r in MonitorTests.records("ana", []) { _ = try writer.append(r.event, monoMs: r.monoMs) }
        writer.close()
        final class Clock: @unchecked Sendable { var now: Int64 = 1_800_000_000_000 }
        let clock = Clock()
        let session = MonitorScreenSession(state: MonitorState(folder: dir.path, nowMs: 0, idleSeconds: 15),
                                           tail: LogFolderTail(folder: dir), refreshMs: 500, clock: { clock.now })
        XCTAssertEqual(session.millisecondsUntilWake(), 0, "the first read is due at once")
        session.handle(.resize(Size(cols: 100, rows: 10)))
        session.pump()
        XCTAssertEqual(session.state.nowMs, clock.now)
        XCTAssertEqual(session.state.rows.map(\.participant), ["ana"])
        clock.now += 200
        XCTAssertEqual(session.millisecondsUntilWake(), 300)
        session.pump()
        XCTAssertEqual(session.state.nowMs, clock.now - 200, "not due yet")
        clock.now += 300
        session.pump()
        XCTAssertEqual(session.state.nowMs, clock.now)
        XCTAssertTrue(session.frame(Size(cols: 100, rows: 10)).plainLines()[3].hasPrefix("ana "))
        XCTAssertFalse(session.isFinished)
        session.handle(.key(.char("q")))
        XCTAssertTrue(session.isFinished)
    }
}
