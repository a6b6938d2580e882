import Foundation
import OversightCore
import XCTest

/// `oversight demo` run twice, as `scripts/demo.sh` is: the second run offers to continue the
/// unfinished demo session instead of starting a new participant.
final class DemoCommandTests: XCTestCase {
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

    private let block = StudyFixture.block("unaided", bank: "mmlu", questions: 3)

    /// `oversight demo` in the fixture's folder (its Sessions/ is the default log root there).
    private func demo(_ session: String, _ extra: [String] = []) throws {
        let app = ([fixture.binary, "demo", "--study", "demo.toml"] + extra).map(StudyFixture.quote).joined(separator: " ")
        let script = "cd \(StudyFixture.quote(fixture.dir.path)) && \(app); echo \"[exit $?]\"; exec sleep 600"
        try tmux.start(session: session, cols: 100, rows: 30, command: ["sh", "-c", script])
    }

    private func logs() throws -> [String] {
        let dir = fixture.dir.appendingPathComponent("Sessions/e2e-demo")
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".jsonl") }.sorted()
    }

    func testRunningTheDemoAgainOffersToContinueTheLastSession() throws {
        _ = try fixture.writeStudy(name: "demo.toml", id: "e2e-demo", blocks: block)
        // First run: answer one question, then quit half-way through the second.
        try demo("one", ["--simulated"])
        try tmux.waitFor("one", text: "Welcome to the end-to-end study")
        try tmux.keys("one", "Enter")
        try tmux.waitFor("one", text: "MMLU-Q")
        try tmux.type("one", "b")
        try tmux.type("one", "3")
        try tmux.waitFor("one", text: "Press Enter to submit")
        try tmux.keys("one", "Enter")
        try tmux.waitFor("one", text: "Press Enter to continue")
        try tmux.keys("one", "Enter")
        try tmux.waitFor("one", text: "Question 2/3")
        try tmux.keys("one", "C-c")
        try tmux.waitFor("one", text: "Quit?")
        try tmux.type("one", "y")
        try tmux.waitFor("one", text: "[exit 1]")
        let first = try logs()
        XCTAssertEqual(first.count, 1)
        XCTAssertTrue(first[0].hasPrefix("demo-"), first[0])

        // Second run: offered the same session, accepted with Enter; it continues at question 2.
        try demo("two", ["--simulated"])
        let offer = try tmux.waitFor("two", text: "Continue it? [Y/n]")
        XCTAssertTrue(offer.contains(String(first[0].dropLast(6))), offer)
        XCTAssertTrue(offer.contains("at block 1 question 2"), offer)
        try tmux.keys("two", "Enter")
        try tmux.waitFor("two", text: "Question 2/3")
        XCTAssertEqual(try logs(), first, "no new participant")
        let log = SessionLogReader.read(url: fixture.dir.appendingPathComponent("Sessions/e2e-demo/" + first[0]))
        XCTAssertEqual(log.types.filter { $0 == "session_resume" }.count, 1)
        XCTAssertEqual(log.submissions.count, 1, "the first answer is kept")
        try tmux.keys("two", "C-c")
        try tmux.waitFor("two", text: "Quit?")
        try tmux.type("two", "y")
        try tmux.waitFor("two", text: "[exit 1]")

        // Third run: declined, a new demo participant starts; the unfinished one stays.
        try demo("three", ["--simulated"])
        try tmux.waitFor("three", text: "Continue it? [Y/n]")
        try tmux.type("three", "n")
        try tmux.keys("three", "Enter")
        try tmux.waitFor("three", text: "Welcome to the end-to-end study")
        XCTAssertEqual(try logs().count, 2)
        try tmux.keys("three", "C-c")
        try tmux.waitFor("three", text: "Quit?")
        try tmux.type("three", "y")
        try tmux.waitFor("three", text: "[exit 1]")

        // Sessions with another assistant are not offered: with the local model as the study's
        // assistant there is no unfinished demo session to continue, so none is offered (the run
        // then stops on the model, which this fixture does not set up).
        let simulatedStudy = try String(contentsOf: fixture.dir.appendingPathComponent("demo.toml"), encoding: .utf8)
        try simulatedStudy.replacingOccurrences(of: "provider = \"simulated\"", with: "provider = \"local\"\nmodel = \"absent\"")
            .write(to: fixture.dir.appendingPathComponent("demo-local.toml"), atomically: true, encoding: .utf8)
        let app = [fixture.binary, "demo", "--study", "demo-local.toml"].map(StudyFixture.quote).joined(separator: " ")
        try tmux.start(session: "four", cols: 100, rows: 30, command: ["sh", "-c",
            "cd \(StudyFixture.quote(fixture.dir.path)) && \(app); echo \"[exit $?]\"; exec sleep 600"])
        let screen = try tmux.waitFor("four", text: "[exit")
        XCTAssertFalse(screen.contains("Continue it?"), screen)
        XCTAssertEqual(try logs().count, 2)
    }

    /// `oversight demo --protocols --simulated` runs the bundled protocols study (a copy of
    /// Tasks/protocols.toml, its instructions and its story bank) from the folder it is in.
    func testProtocolsFlagRunsTheProtocolsStudy() throws {
        let fm = FileManager.default
        let tasks = StudyFixture.packageRoot.appendingPathComponent("Tasks")
        let copy = fixture.dir.appendingPathComponent("Tasks")
        try fm.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in ["protocols.toml", "instructions.md", "quality"] {
            try fm.copyItem(at: tasks.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        let app = [fixture.binary, "demo", "--protocols", "--simulated", "--participant", "p1"]
            .map(StudyFixture.quote).joined(separator: " ")
        try tmux.start(session: "proto", cols: 100, rows: 30, command: ["sh", "-c",
            "cd \(StudyFixture.quote(fixture.dir.path)) && \(app); echo \"[exit $?]\"; exec sleep 600"])
        try tmux.waitFor("proto", text: "Instructions for participants", timeout: 20)
        try tmux.keys("proto", "Enter")
        try tmux.waitFor("proto", text: "Block 1/3")
        try tmux.keys("proto", "C-c")
        try tmux.waitFor("proto", text: "Quit?")
        try tmux.type("proto", "y")
        try tmux.waitFor("proto", text: "[exit 1]")
        let log = SessionLogReader.read(url: fixture.dir.appendingPathComponent("Sessions/protocols-demo/p1.jsonl"))
        guard case .sessionStart(let start)? = log.records.first?.event else { return XCTFail("\(log.types)") }
        XCTAssertEqual(start.blocks.map(\.condition), [.unaided, .consultancy, .debate])
        XCTAssertEqual(start.assistantProvider, "simulated")
    }
}
