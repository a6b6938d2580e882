import Foundation
import OversightCore
import XCTest

/// The experimenter's commands on a study folder as `run` and `baseline` leave it: session logs
/// and `baseline-*.jsonl` files side by side.
final class ExperimenterCommandTests: FixtureTestCase {
    /// The scorer's checked-in study: five sound logs and one baseline file.
    static let goldenFolder = StudyFixture.packageRoot.appendingPathComponent("Tests/OversightScoringTests/Fixtures/golden")

    private func goldenFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.goldenFolder.path).sorted()
            .filter { $0.hasSuffix(".jsonl") }
            .map { Self.goldenFolder.appendingPathComponent($0).path }
    }

    /// `verify Sessions/<study>/*.jsonl` (what a shell passes for a study folder) exits 0 on a
    /// sound folder: baseline files are checked as baseline results, not as hash-chained logs.
    func testVerifyChecksBaselineFilesAsBaselines() throws {
        let files = try goldenFiles()
        XCTAssertTrue(files.contains { $0.hasSuffix("baseline-sim.jsonl") }, "the fixture has a baseline file")
        let (status, stdout, stderr) = try fixture.runApp(["verify"] + files)
        XCTAssertEqual(status, 0, stdout + stderr)
        XCTAssertTrue(stdout.contains("baseline-sim.jsonl: OK, baseline file, 16 results"), stdout)
        XCTAssertTrue(stdout.contains("ana.jsonl: OK"), stdout)
        XCTAssertFalse(stdout.contains("prev_hash") || stdout.contains("schema"), stdout)
        // Given the folder, the same files are checked.
        let folder = try fixture.runApp(["verify", Self.goldenFolder.path])
        XCTAssertEqual(folder.status, 0, folder.stdout + folder.stderr)
        XCTAssertEqual(folder.stdout.split(separator: "\n").count, files.count, folder.stdout)
        XCTAssertTrue(folder.stdout.contains("baseline-sim.jsonl: OK, baseline file"), folder.stdout)
    }

    /// `score` fits its text in 100 columns; `--wide` puts each row on one line.
    func testScoreFitsOneHundredColumnsUnlessWide() throws {
        let folder = Self.goldenFolder.path
        let narrow = try fixture.runApp(["score", folder, "--seed", "2024"])
        XCTAssertEqual(narrow.status, 0, narrow.stderr)
        XCTAssertEqual(narrow.stdout.split(separator: "\n").filter { $0.count > 100 }, [])
        XCTAssertTrue(narrow.stdout.contains("human + model (simulated / sim-1)"), narrow.stdout)
        let wide = try fixture.runApp(["score", folder, "--seed", "2024", "--wide"])
        XCTAssertEqual(wide.status, 0, wide.stderr)
        let lines = wide.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("human + model (simulated / sim-1), weighted vote ") && $0.contains("[40.4, 100.0]") },
                      wide.stdout)
        XCTAssertGreaterThan(lines.map(\.count).max() ?? 0, 100)
    }

    /// A damaged baseline file is still reported, with its file and line, and exit status 1.
    func testVerifyReportsADamagedBaselineLine() throws {
        let folder = fixture.dir.appendingPathComponent("study", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = try String(contentsOf: Self.goldenFolder.appendingPathComponent("baseline-sim.jsonl"), encoding: .utf8)
        var lines = good.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        lines.insert("{\"not\": \"a result\"}", at: 2)
        let bad = folder.appendingPathComponent("baseline-edited.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: bad, atomically: true, encoding: .utf8)
        let log = Self.goldenFolder.appendingPathComponent("ana.jsonl").path
        let (status, stdout, stderr) = try fixture.runApp(["verify", log, bad.path])
        XCTAssertEqual(status, 1, stdout + stderr)
        XCTAssertTrue(stdout.contains("\(bad.path):3:"), "names the file and line: \(stdout)")
        XCTAssertTrue(stdout.contains("ana.jsonl: OK"), stdout)
    }
}
