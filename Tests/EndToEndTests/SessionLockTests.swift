import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// One process per session log: a second `oversight run` of the same participant, in a second
/// terminal, is refused while the first runs, and the lock goes away with the first process,
/// even when it is killed with SIGKILL.
final class SessionLockTests: FixtureTestCase {
    private let block = StudyFixture.block("assisted", bank: "quality", questions: 1)

    func testSecondRunOnALogInUseIsRefusedAndTheFirstGoesOn() throws {
        let tmux = try Tmux()
        defer { tmux.shutdown() }
        let study = try fixture.writeStudy(name: "s.toml", id: "e2e-lock", blocks: block)
        let args = ["run", "--study", study, "--participant", "p1", "--sessions", fixture.sessions.path]
        let url = fixture.logURL(study: "e2e-lock", participant: "p1")

        try tmux.start(session: "first", cols: 100, rows: 30, command: fixture.command(args, tag: "first"))
        try tmux.waitFor("first", text: "Welcome to the end-to-end study")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "QUALITY-Q")
        let before = try Data(contentsOf: url)

        // A second terminal, same participant: without the lock it would offer to resume.
        let started = Date()
        try tmux.start(session: "second", cols: 100, rows: 30, command: fixture.command(args, tag: "second"))
        let refused = try tmux.waitFor("second", text: "[exit 1]")
        let seconds = Date().timeIntervalSince(started)
        XCTAssertTrue(refused.contains("already running"), refused)
        XCTAssertFalse(refused.contains("[Y/n]"), "no resume is offered on a log in use:\n\(refused)")
        XCTAssertLessThan(seconds, 5, "refused within a few seconds")
        let modes = try fixture.sttyModes(tag: "second")
        XCTAssertEqual(modes.before, modes.after, "the refused run leaves the terminal as it was")
        // The first session keeps writing heartbeats meanwhile; the refused run adds nothing.
        let after = try Data(contentsOf: url)
        XCTAssertEqual(after.prefix(before.count), before, "the refused run does not touch the log")
        let added = String(decoding: after.dropFirst(before.count), as: UTF8.self)
            .split(separator: "\n").filter { !$0.contains(#""type":"heartbeat""#) }
        XCTAssertEqual(added, [], "only the first session's heartbeats were added")
        XCTAssertTrue(SessionLogVerifier.verify(url: url).ok, "the chain is intact")

        // The message names where the session runs: this host and the first app's pid.
        let flat = refused.replacingOccurrences(of: "\n", with: "")
        guard let pidRange = flat.range(of: #"pid [0-9]+"#, options: .regularExpression),
              let pid = pid_t(flat[pidRange].dropFirst(4)) else {
            return XCTFail("no pid in the message:\n\(refused)")
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe"),
                       URL(fileURLWithPath: fixture.binary).resolvingSymlinksInPath().path,
                       "the pid named is the running app")

        // The first session goes on unharmed.
        try tmux.keys("first", "F3")
        try tmux.type("first", "b")
        try tmux.type("first", "4")
        try tmux.waitFor("first", text: "Press Enter to submit")
        try tmux.keys("first", "Enter")
        try tmux.waitFor("first", text: "Correct answer:")
        XCTAssertEqual(SessionLogReader.read(url: url).submissions.count, 1)

        // SIGKILL frees the lock: the next run offers to resume, and finishes the session.
        XCTAssertEqual(kill(pid, SIGKILL), 0)
        try tmux.waitFor("first", text: "[exit 137]")
        try tmux.start(session: "third", cols: 100, rows: 30, command: fixture.command(args, tag: "third"))
        try tmux.waitFor("third", text: "[Y/n]")
        try tmux.keys("third", "Enter")
        try tmux.waitFor("third", text: "Correct answer:")
        try tmux.keys("third", "Enter")
        try tmux.waitFor("third", text: "Your completion code:")
        try tmux.keys("third", "Enter")
        try tmux.waitFor("third", text: "[exit 0]")

        let report = SessionLogVerifier.verify(url: url)
        XCTAssertTrue(report.ok, "\(report.issues)")
        XCTAssertTrue(report.finished)
        let log = SessionLogReader.read(url: url)
        XCTAssertEqual(log.records.map(\.seq), Array(0..<log.records.count), "one writer: no repeated sequence numbers")
        XCTAssertEqual(log.submissions.count, 1, "one answer for the one question")
    }
}
