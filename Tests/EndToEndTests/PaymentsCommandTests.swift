import Foundation
import OversightCore
import XCTest

/// `oversight score DIR --payments FILE --study FILE` on a study folder with finished and
/// unfinished sessions: the exact CSV, and who is not paid on stderr.
final class PaymentsCommandTests: FixtureTestCase {
    func testPaymentsCSV() throws {
        let golden = ExperimenterCommandTests.goldenFolder
        let folder = fixture.dir.appendingPathComponent("golden", isDirectory: true)
        try FileManager.default.copyItem(at: golden, to: folder)
        // eve stopped before the end: her session_end line is gone.
        let eve = folder.appendingPathComponent("eve.jsonl")
        let lines = try String(contentsOf: eve, encoding: .utf8).split(separator: "\n").dropLast()
        try (lines.joined(separator: "\n") + "\n").write(to: eve, atomically: true, encoding: .utf8)
        let study = fixture.dir.appendingPathComponent("pay.toml")
        try """
            [study]
            id = "golden"
            bonus_per_correct = 0.5

            [[blocks]]
            condition = "unaided"
            bank = "mmlu"
            questions = 1
            """.write(to: study, atomically: true, encoding: .utf8)
        let csv = fixture.dir.appendingPathComponent("payments.csv")
        let r = try fixture.runApp(["score", folder.path, "--payments", csv.path, "--study", study.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try String(contentsOf: csv, encoding: .utf8), """
            participant,completion_code,answers,correct,bonus
            ana,DONE-ana,10,5,2.50
            ben,DONE-ben,10,6,3.00
            cleo,DONE-cleo,10,5,2.50
            dev,DONE-dev,10,9,4.50

            """)
        XCTAssertTrue(r.stderr.contains("oversight score: \(csv.path): 4 finished participant(s) to pay\n"), r.stderr)
        XCTAssertTrue(r.stderr.contains("oversight score: not paid: eve (\(eve.path)): unfinished (10 answer(s), no session_end)\n"),
                      r.stderr)
        XCTAssertTrue(r.stderr.contains("(check the bonus): ana, ben, cleo, dev"), r.stderr)

        // Without --study: bonus 0, said on stderr. A bad bonus is one line naming file and line.
        let noStudy = try fixture.runApp(["score", folder.path, "--payments", csv.path])
        XCTAssertEqual(noStudy.status, 0, noStudy.stderr)
        XCTAssertTrue(noStudy.stderr.contains("no --study given: bonus 0"), noStudy.stderr)
        XCTAssertTrue(try String(contentsOf: csv, encoding: .utf8).contains("\nana,DONE-ana,10,5,0.00\n"))
        try String(contentsOf: study, encoding: .utf8).replacingOccurrences(of: "= 0.5", with: "= \"lots\"")
            .write(to: study, atomically: true, encoding: .utf8)
        let bad = try fixture.runApp(["score", folder.path, "--payments", csv.path, "--study", study.path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "oversight score: \(study.path):3: \"study.bonus_per_correct\" must be a number\n")
    }
}
