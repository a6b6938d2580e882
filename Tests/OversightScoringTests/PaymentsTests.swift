import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// `score --payments`: who is paid, with which code and bonus, from a hand-built study folder.
final class PaymentsTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("payments-\(UUID().uuidString.prefix(8))")
        try FixtureStudy.write(to: dir)   // ana, ben, cleo, dev, eve finished; a baseline file
        // fay stopped before the end; sim finished but was played by `oversight simulate`.
        let fay = FixtureStudy.scripts[1].1
        try FixtureStudy.writeLog(dir.appendingPathComponent("fay.jsonl"), FixtureStudy.events("fay", steps: fay, end: false))
        var sim = FixtureStudy.events("sim", steps: fay)
        var start = FixtureStudy.start("sim")
        start.simulated = true
        sim[0] = (.sessionStart(start), 0)
        try FixtureStudy.writeLog(dir.appendingPathComponent("sim.jsonl"), sim)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testFinishedRealParticipantsArePaidWithTheirCodeAndBonus() throws {
        let inputs = try DatasetLoader.discover(path: dir.path)
        let result = Payments.collect(logs: inputs.logs, bonusPerCorrect: 0.25)
        XCTAssertEqual(Payments.csv(result.rows), """
            participant,completion_code,answers,correct,bonus
            ana,DONE-ana,10,5,1.25
            ben,DONE-ben,10,6,1.50
            cleo,DONE-cleo,10,5,1.25
            dev,DONE-dev,10,9,2.25
            eve,DONE-eve,10,4,1.00

            """)
        XCTAssertEqual(result.unpaid.map(\.participant), ["fay"])
        XCTAssertTrue(result.unpaid[0].reason.hasPrefix("unfinished (10 answer(s)"), result.unpaid[0].reason)
        XCTAssertEqual(result.simulated, 1)
    }

    /// Without a bonus, rows are still written (bonus 0.00); a copy of a log is paid once, and a
    /// log damaged after the fact is not paid but listed.
    func testNoBonusCopiesAndDamage() throws {
        let ana = dir.appendingPathComponent("ana.jsonl")
        try FileManager.default.copyItem(at: ana, to: dir.appendingPathComponent("ana-copy.jsonl"))
        let benURL = dir.appendingPathComponent("ben.jsonl")
        var ben = try String(contentsOf: benURL, encoding: .utf8)
        ben = ben.replacingOccurrences(of: "\"choice\":1,", with: "\"choice\":2,")
        try ben.write(to: benURL, atomically: true, encoding: .utf8)
        let result = Payments.collect(logs: try DatasetLoader.discover(path: dir.path).logs, bonusPerCorrect: 0)
        XCTAssertEqual(result.rows.map(\.participant), ["ana", "cleo", "dev", "eve"])
        XCTAssertEqual(result.rows.map(\.bonus), [0, 0, 0, 0])
        XCTAssertEqual(result.unpaid.map(\.participant), ["ben", "fay"])
        XCTAssertTrue(result.unpaid[0].reason.contains("damaged log"), result.unpaid[0].reason)
    }

    func testCSVQuotesFieldsWithCommas() {
        let row = Payments.Row(participant: "p1", completionCode: "A,B", answers: 2, correct: 1, bonus: 0.5)
        XCTAssertEqual(Payments.csv([row]), "participant,completion_code,answers,correct,bonus\np1,\"A,B\",2,1,0.50\n")
    }
}
