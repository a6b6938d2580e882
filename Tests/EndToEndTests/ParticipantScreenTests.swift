import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real `oversight` binary driven through tmux, as a participant would use it.
final class ParticipantScreenTests: XCTestCase {
    private var tmux: Tmux!
    private var fixture: StudyFixture!

    override func setUpWithError() throws {
        tmux = try Tmux()
        fixture = try StudyFixture()
    }

    override func tearDown() {
        tmux?.shutdown()
        tmux = nil
        fixture = nil
    }

    private let twoBlocks = """
        [[blocks]]
        condition = "unaided"
        bank = "mmlu"
        questions = 2

        [[blocks]]
        condition = "assisted"
        bank = "quality"
        questions = 2
        time_limit_seconds = 8
        """

    private let oneAssistedBlock = """
        [[blocks]]
        condition = "assisted"
        bank = "quality"
        questions = 2
        """

    /// Polls the session log until `predicate` holds.
    @discardableResult
    private func waitForLog(_ url: URL, timeout: TimeInterval = 10, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line,
                            _ predicate: (LogReadResult) -> Bool) throws -> LogReadResult {
        let deadline = Date().addingTimeInterval(timeout)
        var last = SessionLogReader.read(url: url)
        while !predicate(last) {
            if Date() >= deadline {
                XCTFail("timed out waiting for \(what) in the log; types: \(last.types)", file: file, line: line)
                throw TmuxError.timeout(what)
            }
            usleep(50_000)
            last = SessionLogReader.read(url: url)
        }
        return last
    }

    private func count(_ type: String, _ log: LogReadResult) -> Int { log.types.filter { $0 == type }.count }

    /// Answers the question on screen through the answer pane.
    private func answer(_ s: String, option: String, confidence: String) throws {
        try tmux.keys(s, "F3")
        try tmux.type(s, option)
        try tmux.type(s, confidence)
        try tmux.waitFor(s, text: "Press Enter to submit")
        try tmux.keys(s, "Enter")
    }

    // (a) A whole two-block study through the keyboard: unaided MMLU, then assisted, timed QuALITY
    // with a chat turn, a reset and one question left to time out.
    func testFullStudyThroughTheKeyboard() throws {
        let s = "full"
        let study = try fixture.writeStudy(name: "full.toml", id: "e2e-full", blocks: twoBlocks)
        let log = fixture.logURL(study: "e2e-full", participant: "p1")
        try tmux.start(session: s, cols: 120, rows: 40, command: fixture.command(
            ["run", "--study", study, "--participant", "p1", "--sessions", fixture.sessions.path], tag: s))
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        try tmux.keys(s, "Enter")

        for n in 1...2 {
            try tmux.waitFor(s, text: "MMLU-Q")
            try answer(s, option: n == 1 ? "b" : "a", confidence: n == 1 ? "3" : "5")
            try tmux.waitFor(s, text: "Press Enter to continue")
            try waitForLog(log, "submission \(n)") { self.count("submitted", $0) == n }
            try tmux.keys(s, "Enter")
            try tmux.waitFor(s, "feedback \(n) to close") { !$0.contains("Press Enter to continue") }
        }

        // Block 2, question 1: choose, chat, reset, submit well before the 8 s limit.
        try tmux.waitFor(s, text: "QUALITY-Q")
        try tmux.waitFor(s, text: "Time left")
        try tmux.keys(s, "F3")
        try tmux.type(s, "c")
        try tmux.type(s, "2")
        try tmux.keys(s, "F4")
        try tmux.type(s, "Who is the keeper? héllo 日本")
        try tmux.keys(s, "Enter")
        try waitForLog(log, "the assistant's reply") { self.count("assistant_reply", $0) == 1 }
        let chat = try tmux.waitFor(s, text: "Who is the keeper? héllo 日本")
        let wideLine = try XCTUnwrap(chat.split(separator: "\n").first { $0.contains("日本") })
        XCTAssertEqual(maxWidth(String(wideLine)), 120, "wide characters keep the pane borders in place:\n\(chat)")
        try tmux.keys(s, "C-r")
        try waitForLog(log, "the reset") { self.count("assistant_reset", $0) == 1 }
        try tmux.keys(s, "F3")
        try tmux.keys(s, "Enter")
        try waitForLog(log, "submission 3") { self.count("submitted", $0) == 3 }
        try tmux.waitFor(s, text: "Press Enter to continue")
        try tmux.keys(s, "Enter")

        // Block 2, question 2: left alone until the timer submits it.
        try tmux.waitFor(s, text: "QUALITY-Q")
        try waitForLog(log, timeout: 15, "the timed-out submission") { self.count("submitted", $0) == 4 }
        try tmux.waitFor(s, text: "Time ran out")
        try tmux.keys(s, "Enter")

        // The code shown is derived from the hash of the log's final record before session_end.
        try tmux.waitFor(s, text: "Your completion code:")
        guard let end = SessionLogReader.read(url: log).records.last, case .sessionEnd = end.event else {
            return XCTFail("no session_end in the log")
        }
        let code = CompletionCode.make(studyID: "e2e-full", participant: "p1", finalHash: end.prev, secret: nil)
        try tmux.waitFor(s, text: code)
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "[exit 0]")

        let result = SessionLogReader.read(url: log)
        XCTAssertTrue(result.issues.isEmpty, "log problems: \(result.issues)")
        for type in ["session_start", "instructions_shown", "question_shown", "option_chosen", "confidence_chosen",
                     "focus_changed", "chat_sent", "assistant_reply", "assistant_reset", "submitted",
                     "feedback_shown", "session_end"] {
            XCTAssertTrue(result.types.contains(type), "no \(type) in the log: \(result.types)")
        }
        XCTAssertEqual(result.types.last, "session_end")
        let sent = result.records.compactMap { if case .chatSent(_, _, let text) = $0.event { text } else { nil } }
        XCTAssertEqual(sent, ["Who is the keeper? héllo 日本"], "typed UTF-8 reaches the log intact")
        XCTAssertEqual(count("question_shown", result), 4)
        let subs = result.submissions
        XCTAssertEqual(subs.count, 4)
        XCTAssertEqual(subs.filter(\.timedOut).count, 1, "exactly one question must time out")
        XCTAssertEqual(subs.last?.timedOut, true)
        XCTAssertEqual(subs.map(\.choice).prefix(3), [1, 0, 2])
        XCTAssertEqual(subs.map(\.confidence).prefix(3), [60, 100, 42])
        XCTAssertEqual(subs.map(\.condition), [.unaided, .unaided, .assisted, .assisted])
        if case .sessionEnd(let logged)? = result.records.last?.event { XCTAssertEqual(logged, code) }
        XCTAssertTrue(SessionLogVerifier.verify(url: log).ok)

        // The scorer reads what the app wrote.
        let csv = fixture.dir.appendingPathComponent("answers.csv")
        let studyDir = log.deletingLastPathComponent().path
        let (status, json, _) = try fixture.runApp(["score", studyDir, "--format", "json", "--csv", csv.path])
        XCTAssertEqual(status, 0, json)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(report["study"] as? String, "e2e-full")
        let tasks = try XCTUnwrap(report["tasks"] as? [[String: Any]])
        func row(_ task: String, _ condition: String) -> [String: Any]? {
            let t = tasks.first { $0["task"] as? String == task }
            return (t?["rows"] as? [[String: Any]])?.first { $0["condition"] as? String == condition }
        }
        XCTAssertEqual(row("mmlu", "unaided")?["answers"] as? Int, 2)
        XCTAssertEqual(row("quality", "assisted")?["answers"] as? Int, 2)
        XCTAssertEqual(row("mmlu", "unaided")?["participants"] as? Int, 1)
        let lines = try String(contentsOf: csv, encoding: .utf8).split(whereSeparator: \.isNewline)
        XCTAssertEqual(lines.count, 5, "a header and one row per answer:\n\(lines.joined(separator: "\n"))")
        let header = lines.first.map { $0.split(separator: ",").map(String.init) } ?? []
        let timedOut = try XCTUnwrap(header.firstIndex(of: "timed_out"), "header: \(header)")
        let flags = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[timedOut] }
        XCTAssertEqual(flags, ["false", "false", "false", "true"], "the timed-out answer is marked in the CSV")
    }

    // (b) kill -9 in the middle, then --resume: the question, choice, confidence and transcript
    // are all back.
    func testKilledSessionResumesWithNothingLost() throws {
        let s = "crash"
        let study = try fixture.writeStudy(name: "crash.toml", id: "e2e-crash", blocks: oneAssistedBlock)
        let log = fixture.logURL(study: "e2e-crash", participant: "p2")
        let args = ["run", "--study", study, "--participant", "p2", "--sessions", fixture.sessions.path]
        let app = ([fixture.binary] + args).map(StudyFixture.quote).joined(separator: " ")
        try tmux.start(session: s, cols: 120, rows: 40, command: ["sh", "-c", "exec \(app)"])
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        try tmux.keys(s, "Enter")
        let first = try tmux.waitFor(s, text: "QUALITY-Q")
        let question = try XCTUnwrap(first.split(separator: "\n").first { $0.contains("QUALITY-Q") })
            .components(separatedBy: "QUALITY-Q")[1].prefix(1)
        try tmux.keys(s, "F3")
        try tmux.type(s, "b")
        try tmux.type(s, "4")
        try tmux.keys(s, "F4")
        try tmux.type(s, "Tell me about the storm")
        try tmux.keys(s, "Enter")
        let before = try waitForLog(log, "the reply") { self.count("assistant_reply", $0) == 1 }
        guard case .assistantReply(let reply)? = before.records.last(where: { $0.event.type == "assistant_reply" })?.event
        else { return XCTFail("no reply record") }
        try tmux.waitFor(s, text: "Tell me about the storm")

        kill(try tmux.panePID(s), SIGKILL)
        try tmux.waitFor(s, timeout: 5, "the pane to close") { _ in !self.tmux.hasSession(s) }

        let s2 = "resumed"
        try tmux.start(session: s2, cols: 120, rows: 40, command: fixture.command(args + ["--resume"], tag: s2))
        let screen = try tmux.waitFor(s2, text: "Tell me about the storm")
        XCTAssertTrue(screen.contains("QUALITY-Q\(question)"), "the same question must be back:\n\(screen)")
        XCTAssertTrue(screen.contains("(•) B"), "the chosen option must be back:\n\(screen)")
        XCTAssertTrue(screen.contains("[4 80%]"), "the chosen confidence must be back:\n\(screen)")
        let firstWords = reply.text.split(separator: " ").prefix(3).joined(separator: " ")
        XCTAssertTrue(screen.contains(firstWords), "the reply must be back (\(firstWords)):\n\(screen)")

        let resumed = try waitForLog(log, "session_resume") { $0.types.contains("session_resume") }
        XCTAssertTrue(resumed.issues.isEmpty, "log problems after resume: \(resumed.issues)")

        try tmux.keys(s2, "C-c")
        try tmux.waitFor(s2, text: "Quit?")
        try tmux.type(s2, "y")
        try tmux.waitFor(s2, text: "[exit 1]")
        let final = SessionLogReader.read(url: log)
        XCTAssertEqual(final.types.last, "quit")
        XCTAssertTrue(SessionLogVerifier.verify(url: log).ok)
    }

    // (c) Resizing to the minimum and back reflows the screen.
    func testResizeReflows() throws {
        let s = "resize"
        let study = try fixture.writeStudy(name: "resize.toml", id: "e2e-resize", blocks: oneAssistedBlock)
        try tmux.start(session: s, cols: 150, rows: 45, command: fixture.command(
            ["run", "--study", study, "--participant", "p3", "--sessions", fixture.sessions.path], tag: s))
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        try tmux.keys(s, "Enter")
        let wide = try tmux.waitFor(s, text: "QUALITY-Q")
        XCTAssertTrue(maxWidth(wide) > 80, "the wide screen must use the width:\n\(wide)")

        try tmux.resize(s, cols: 80, rows: 24)
        let small = try tmux.waitFor(s, "the screen to fit 80x24") { screen in
            screen.contains("QUALITY-Q") && self.maxWidth(screen) <= 80 && screen.contains("Your answer")
        }
        XCTAssertEqual(small.split(separator: "\n", omittingEmptySubsequences: false).count, 24 + 1,
                       "tmux shows exactly the 24 rows:\n\(small)")

        try tmux.resize(s, cols: 150, rows: 45)
        try tmux.waitFor(s, "the screen to use 150 columns again") { self.maxWidth($0) > 80 && $0.contains("QUALITY-Q") }
        let log = SessionLogReader.read(url: fixture.logURL(study: "e2e-resize", participant: "p3"))
        XCTAssertGreaterThanOrEqual(count("resized", log), 1, "resizes are logged: \(log.types)")
    }

    // (d) A terminal below the minimum shows the enlarge message instead of a broken layout.
    func testTooSmallTerminalAsksToEnlarge() throws {
        let s = "small"
        let study = try fixture.writeStudy(name: "small.toml", id: "e2e-small", blocks: oneAssistedBlock)
        try tmux.start(session: s, cols: 60, rows: 20, command: fixture.command(
            ["run", "--study", study, "--participant", "p4", "--sessions", fixture.sessions.path], tag: s))
        let screen = try tmux.waitFor(s, text: "Please enlarge")
        XCTAssertTrue(screen.contains("60x20"), "the message names the current size:\n\(screen)")
        try tmux.resize(s, cols: 100, rows: 30)
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
    }

    // (d2) While the terminal is too small to show the question, the countdown stands still.
    func testCountdownPausesWhileTheTerminalIsTooSmall() throws {
        let s = "pause"
        let timed = """
            [[blocks]]
            condition = "assisted"
            bank = "quality"
            questions = 1
            time_limit_seconds = 60
            """
        let study = try fixture.writeStudy(name: "pause.toml", id: "e2e-pause", blocks: timed)
        let url = fixture.logURL(study: "e2e-pause", participant: "p5")
        try tmux.start(session: s, cols: 100, rows: 30, command: fixture.command(
            ["run", "--study", study, "--participant", "p5", "--sessions", fixture.sessions.path], tag: s))
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "Time left 0:5")
        try tmux.resize(s, cols: 60, rows: 20)
        try tmux.waitFor(s, text: "Please enlarge")
        let paused = try waitForLog(url, "time_paused") { $0.types.contains("time_paused") }
        let pausedRecord = try XCTUnwrap(paused.records.last { $0.event.type == "time_paused" })
        // Let three seconds of wall time pass under the enlarge message.
        let until = Date(timeIntervalSince1970: Double(pausedRecord.wallMs) / 1000 + 3)
        while Date() < until { usleep(50_000) }
        try tmux.resize(s, cols: 100, rows: 30)
        let log = try waitForLog(url, "time_resumed") { $0.types.contains("time_resumed") }
        let resumed = try XCTUnwrap(log.records.last { $0.event.type == "time_resumed" })
        XCTAssertEqual(resumed.monoMs, pausedRecord.monoMs, "no active time passed while the question could not be seen")
        XCTAssertGreaterThanOrEqual(resumed.wallMs - pausedRecord.wallMs, 3000)
        let shown = try XCTUnwrap(log.records.last { $0.event.type == "question_shown" })
        let left = 60_000 - (resumed.monoMs - shown.monoMs)
        let screen = try tmux.waitFor(s, text: "Time left")
        let seconds = Int((left + 999) / 1000)   // the countdown shows whole seconds, rounded up
        XCTAssertTrue(screen.contains("Time left 0:\(seconds)") || screen.contains("Time left 0:\(seconds - 1)"),
                      "about \(seconds) s left, as before the pause:\n\(screen)")
    }

    // (e) Quitting restores the terminal: same tty modes as before, normal screen back.
    func testQuitRestoresTheTerminal() throws {
        let s = "quit"
        let study = try fixture.writeStudy(name: "quit.toml", id: "e2e-quit", blocks: oneAssistedBlock)
        try tmux.start(session: s, cols: 100, rows: 30, command: fixture.command(
            ["run", "--study", study, "--participant", "p5", "--sessions", fixture.sessions.path], tag: s))
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        try tmux.keys(s, "C-c")
        try tmux.waitFor(s, text: "Quit?")
        try tmux.type(s, "y")
        let after = try tmux.waitFor(s, text: "[exit 1]")
        XCTAssertFalse(after.contains("Welcome to the end-to-end study"), "the app's screen must be gone:\n\(after)")
        let modes = try waitForFile(tag: s)
        XCTAssertEqual(modes.before, modes.after, "the terminal modes must be restored")
        let alternate = try tmux.run(["display-message", "-p", "-t", s, "#{alternate_on}"])
        XCTAssertEqual(alternate.trimmingCharacters(in: .whitespacesAndNewlines), "0")
        let cursor = try tmux.run(["display-message", "-p", "-t", s, "#{cursor_flag}"])
        XCTAssertEqual(cursor.trimmingCharacters(in: .whitespacesAndNewlines), "1", "the cursor must be visible")
        let log = SessionLogReader.read(url: fixture.logURL(study: "e2e-quit", participant: "p5"))
        guard case .quit(let reason)? = log.records.last?.event else { return XCTFail("no quit record: \(log.types)") }
        XCTAssertEqual(reason, "user")
    }

    // SIGTERM ends the session through the loop: the quit is logged and the terminal restored.
    func testTerminationSignalRestoresTheTerminal() throws {
        let s = "term"
        let study = try fixture.writeStudy(name: "term.toml", id: "e2e-term", blocks: oneAssistedBlock)
        try tmux.start(session: s, cols: 100, rows: 30, command: fixture.command(
            ["run", "--study", study, "--participant", "p6", "--sessions", fixture.sessions.path], tag: s))
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        let shell = try tmux.panePID(s)
        let app = try XCTUnwrap(childPID(of: shell), "the app's process")
        kill(app, SIGTERM)
        try tmux.waitFor(s, text: "[exit 1]")
        let modes = try waitForFile(tag: s)
        XCTAssertEqual(modes.before, modes.after, "the terminal modes must be restored")
        let log = SessionLogReader.read(url: fixture.logURL(study: "e2e-term", participant: "p6"))
        guard case .quit(let reason)? = log.records.last?.event else { return XCTFail("no quit record: \(log.types)") }
        XCTAssertEqual(reason, "signal")
    }

    // A crash (here a SIGSEGV sent from outside) still leaves a usable terminal behind.
    func testCrashSignalRestoresTheTerminal() throws {
        let s = "segv"
        let study = try fixture.writeStudy(name: "segv.toml", id: "e2e-segv", blocks: oneAssistedBlock)
        // The runtime's crash reporter runs after the terminal is restored; keep it from waiting
        // for a key so the test sees the exit.
        try tmux.start(session: s, cols: 100, rows: 30, command: fixture.command(
            ["run", "--study", study, "--participant", "p10", "--sessions", fixture.sessions.path], tag: s),
            environment: ["SWIFT_BACKTRACE": "interactive=no"])
        try tmux.waitFor(s, text: "Welcome to the end-to-end study")
        let app = try XCTUnwrap(childPID(of: try tmux.panePID(s)), "the app's process")
        kill(app, SIGSEGV)
        let after = try tmux.waitFor(s, text: "[exit 139]")
        XCTAssertFalse(after.contains("Welcome to the end-to-end study"), "the app's screen must be gone:\n\(after)")
        let modes = try waitForFile(tag: s)
        XCTAssertEqual(modes.before, modes.after, "the terminal modes must be restored after a crash")
        if after.contains("crashed") {
            XCTAssertTrue(after.contains("Program crashed"), "the crash report shows on the restored terminal")
        }
        let alternate = try tmux.run(["display-message", "-p", "-t", s, "#{alternate_on}"])
        XCTAssertEqual(alternate.trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    private func waitForFile(tag: String) throws -> (before: String, after: String) {
        let deadline = Date().addingTimeInterval(5)
        while true {
            if let modes = try? fixture.sttyModes(tag: tag) { return modes }
            if Date() >= deadline { return try fixture.sttyModes(tag: tag) }
            usleep(50_000)
        }
    }

    private func maxWidth(_ screen: String) -> Int {
        screen.split(separator: "\n").map { line in
            line.unicodeScalars.reduce(0) { $0 + (($1.value >= 0x1100 && $1.value < 0xFFFF && $1.properties.isIdeographic) ? 2 : 1) }
        }.max() ?? 0
    }

    /// The first child of a process (the app under the wrapper shell), from /proc.
    private func childPID(of parent: pid_t) -> pid_t? {
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8),
               let first = text.split(separator: " ").first, let pid = pid_t(first) {
                return pid
            }
            usleep(50_000)
        }
        return nil
    }

    // (f) Instructions written in Markdown read as prose at 80x24: no markup characters, items
    // bulleted, a key table aligned, and the last line reachable by scrolling.
    func testMarkdownInstructionsReadAsProse() throws {
        let s = "instructions"
        try """
            # Before you start

            You will answer questions, each with four options. Lines in this file are broken
            short on purpose: the screen reflows them.

            - **The assistant can be wrong**, so check what it says
              against the passage.
            - Ctrl-C quits; your answers are saved.

            | Key | What it does |
            |---|---|
            | F1 | Help: shows the keys |
            | Ctrl-R | Reset the assistant: it forgets the chat so far (you still see it) |

            Last line of the instructions.
            """.write(to: fixture.dir.appendingPathComponent("instructions.md"), atomically: true, encoding: .utf8)
        let study = try fixture.writeStudy(name: "md.toml", id: "e2e-md", blocks: oneAssistedBlock)
        try tmux.start(session: s, cols: 80, rows: 24, command: fixture.command(
            ["run", "--study", study, "--participant", "p1", "--sessions", fixture.sessions.path], tag: s))
        let screen = try tmux.waitFor(s, text: "Before you start")
        for mark in ["# ", "**", "| ", "---"] {
            XCTAssertFalse(screen.contains(mark), "markup \(mark) on screen:\n\(screen)")
        }
        XCTAssertTrue(screen.contains("You will answer questions, each with four options. Lines in this file are"), screen)
        XCTAssertTrue(screen.contains("• The assistant can be wrong, so check what it says against the passage."), screen)
        XCTAssertTrue(screen.contains("Key     What it does"), screen)
        XCTAssertTrue(screen.contains("Ctrl-R  Reset the assistant: it forgets the chat so far (you still see it)"), screen)
        XCTAssertTrue(screen.contains("Last line of the instructions."), screen)
    }

    // F7 zooms the focused pane to the whole 80x24 screen and back, through the real terminal.
    func testF7ZoomsTheFocusedPaneAndBack() throws {
        let s = "zoom"
        let study = try fixture.writeStudy(name: "zoom.toml", id: "e2e-zoom", blocks: oneAssistedBlock)
        try tmux.start(session: s, cols: 80, rows: 24, command: fixture.command(
            ["run", "--study", study, "--participant", "p1", "--sessions", fixture.sessions.path], tag: s))
        try tmux.waitFor(s, text: "Press Enter to begin")
        try tmux.keys(s, "Enter")
        try tmux.waitFor(s, text: "Your answer")
        try tmux.keys(s, "F2")
        try tmux.keys(s, "F7")
        let zoomed = try tmux.waitFor(s, text: "Focus: Passage, zoomed")
        let rows = zoomed.components(separatedBy: "\n")
        XCTAssertTrue(rows[1].hasPrefix("┏━ ▸ Passage") && rows[1].hasSuffix("┓") && rows[1].count == 80, zoomed)
        XCTAssertFalse(zoomed.contains("Your answer"), zoomed)
        XCTAssertFalse(zoomed.contains("Assistant chat"), zoomed)
        XCTAssertTrue(zoomed.contains("F7 unzoom"), zoomed)
        try tmux.keys(s, "F7")
        let back = try tmux.waitFor(s, text: "Your answer")
        XCTAssertTrue(back.contains("Assistant chat"), back)
        XCTAssertFalse(back.contains("zoomed"), back)
    }
}
