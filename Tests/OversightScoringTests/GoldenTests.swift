import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// The checked-in fixture study (Fixtures/golden/) scored to the exact terminal table, JSON and
/// CSV in Fixtures/expected/. Re-record with `OVERSIGHT_RECORD_GOLDEN=1 swift test --filter
/// GoldenTests` (the test then fails, so a recording is never mistaken for a pass).
final class GoldenTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)
    static let logs = fixtures.appendingPathComponent("golden", isDirectory: true)
    static let expected = fixtures.appendingPathComponent("expected", isDirectory: true)
    var recording: Bool { ProcessInfo.processInfo.environment["OVERSIGHT_RECORD_GOLDEN"] == "1" }

    func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("score-golden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: d) }
        return d
    }

    /// The checked-in logs are exactly what the real writer produces from the script.
    func testFixtureLogsAreTheWritersOutput() throws {
        let dir = try tempDir()
        try FixtureStudy.write(to: dir)
        if recording {
            try? FileManager.default.removeItem(at: Self.logs)
            try FileManager.default.copyItem(at: dir, to: Self.logs)
            XCTFail("recorded fixture logs to \(Self.logs.path); run again without OVERSIGHT_RECORD_GOLDEN")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.logs.path).sorted(), names)
        for n in names {
            let fresh = try Data(contentsOf: dir.appendingPathComponent(n))
            let stored = try Data(contentsOf: Self.logs.appendingPathComponent(n))
            XCTAssertEqual(fresh, stored, "\(n) differs from what SessionLogWriter writes")
            if n.hasPrefix("baseline-") { continue }
            let read = SessionLogReader.read(url: Self.logs.appendingPathComponent(n))
            XCTAssertEqual(read.issues, [], "\(n) must be a sound log")
        }
    }

    func score(exclude: [String] = []) throws -> (Dataset, ScoreReport) {
        let inputs = try DatasetLoader.discover(path: Self.logs.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, exclude: exclude, jobs: 2)
        var o = ScoreOptions()
        o.seed = 2024
        o.jobs = 2
        return (d, Scorer.score(d, options: o))
    }

    /// Paths in the output are machine-specific; the goldens hold `<fixtures>` instead.
    func portable(_ s: String) -> String {
        s.replacingOccurrences(of: Self.logs.path, with: "<fixtures>")
    }

    func check(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = Self.expected.appendingPathComponent(name)
        if recording {
            try FileManager.default.createDirectory(at: Self.expected, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: url)
            XCTFail("recorded \(url.path); run again without OVERSIGHT_RECORD_GOLDEN", file: file, line: line)
            return
        }
        let want = try String(contentsOf: url, encoding: .utf8)
        if want != actual {
            let a = actual.components(separatedBy: "\n"), w = want.components(separatedBy: "\n")
            let first = zip(a, w).enumerated().first { $0.element.0 != $0.element.1 }
            XCTFail("\(name) differs from the golden file; first difference at line \((first?.offset ?? min(a.count, w.count)) + 1):\n"
                + "got:  \(first?.element.0 ?? "<end>")\nwant: \(first?.element.1 ?? "<end>")", file: file, line: line)
        }
    }

    func testGoldenText() throws {
        let (_, r) = try score()
        try check(portable(TextRenderer.render(r)), "score.txt")
    }

    func testGoldenJSON() throws {
        let (_, r) = try score()
        let text = portable(JSONRenderer.render(r))
        try check(text, "score.json")
        // The required shape.
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        XCTAssertEqual(obj?["study"] as? String, "golden")
        let tasks = obj?["tasks"] as? [[String: Any]] ?? []
        XCTAssertEqual(tasks.map { $0["task"] as? String }, ["mmlu", "quality"])
        let rows = tasks.first?["rows"] as? [[String: Any]] ?? []
        XCTAssertEqual(rows.compactMap { $0["condition"] as? String },
                       ["unaided", "assisted", "unaided_vote", "assisted_vote", "model", "model"])
        for row in rows {
            for key in ["answers", "participants", "accuracy", "ci95", "calibration_error", "brier", "mean_confidence"] {
                XCTAssertNotNil(row[key], "row field \(key)")
            }
            let acc = row["accuracy"] as? Double ?? -1
            XCTAssertTrue((0...1).contains(acc))
        }
        XCTAssertFalse((obj?["participants"] as? [Any] ?? []).isEmpty)
        XCTAssertNotNil(obj?["warnings"] as? [Any])
    }

    func testGoldenCSV() throws {
        let (d, _) = try score()
        let csv = CSVWriter.render(d)
        try check(csv, "answers.csv")
        let rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(rows.count, 1 + 5 * 10)
        XCTAssertEqual(rows.first, CSVWriter.header.joined(separator: ","))
    }

    /// Numbers in the golden output checked by hand against the script.
    func testHandCheckedNumbers() throws {
        let (d, r) = try score()
        XCTAssertEqual(d.participants, ["ana", "ben", "cleo", "dev", "eve"])
        guard let mmlu = r.tasks.first(where: { $0.task == .mmlu }) else { return XCTFail("no mmlu") }
        let unaided = mmlu.rows.first { $0.condition == "unaided" }
        // Unaided MMLU: ana 1/3, ben 1/3, cleo 1/3, dev 3/3, eve 1/3 -> 7/15.
        XCTAssertEqual(unaided?.accuracy ?? -1, 7.0 / 15, accuracy: 1e-12)
        XCTAssertEqual(unaided?.answers, 15)
        XCTAssertEqual(unaided?.participants, 5)
        // dev stands far above the others (1.0 vs all 1/3) and is flagged, not excluded.
        XCTAssertTrue(r.participantRows.contains { $0.id == "dev" && $0.task == .mmlu && $0.flagged })
        XCTAssertFalse(r.participantRows.contains { $0.id != "dev" && $0.flagged && $0.task == .mmlu })
        // Model zero-shot: items 0, 3 of the six MMLU items are wrong (n % 3 == 0) -> 4/6.
        let model = mmlu.rows.first { $0.condition == "model" && $0.model?.convention == "likelihood" }
        XCTAssertEqual(model?.accuracy ?? -1, 4.0 / 6, accuracy: 1e-12)
        // The generate run has one unparseable reply, counted wrong: 5/6.
        let generate = mmlu.rows.first { $0.model?.convention == "generate" }
        XCTAssertEqual(generate?.accuracy ?? -1, 5.0 / 6, accuracy: 1e-12)
        for row in mmlu.rows {
            if let ci = row.ci95 {
                XCTAssertLessThanOrEqual(ci.0, row.accuracy + 1e-9, row.label)
                XCTAssertGreaterThanOrEqual(ci.1, row.accuracy - 1e-9, row.label)
            }
        }
        // Excluding dev: unaided MMLU becomes 4/12.
        let (_, r2) = try score(exclude: ["dev"])
        XCTAssertEqual(r2.excluded, ["dev"])
        XCTAssertEqual(r2.tasks.first?.rows.first?.accuracy ?? -1, 4.0 / 12, accuracy: 1e-12)
        XCTAssertTrue(TextRenderer.render(r2).contains("Excluded: dev"))
    }

    /// A model run on other items leaves the human rows and their intervals exactly as they were.
    func testModelOnlyItemsDoNotMoveHumanRows() throws {
        let inputs = try DatasetLoader.discover(path: Self.logs.path)
        let dir = try tempDir()
        let extra = dir.appendingPathComponent("other.jsonl")
        let encoder = JSONEncoder()
        let lines = try (0..<20).map { n -> String in
            let r = BaselineResult(convention: "generate", shots: 0, provider: "p", model: "m", questionID: "mmlu/x/val/\(n)",
                                   task: .mmlu, subject: "x", gold: n % 4, predicted: n % 3 == 0 ? nil : n % 4,
                                   letterProbabilities: nil, correct: n % 3 != 0, latencyMs: 1, reply: nil)
            return String(decoding: try encoder.encode(r), as: UTF8.self)
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: extra)
        var o = ScoreOptions()
        o.seed = 9
        let base = Scorer.score(DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines), options: o)
        let more = Scorer.score(DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines + [extra.path]), options: o)
        for (t0, t1) in zip(base.tasks, more.tasks) {
            for row in t0.rows where row.condition != "model" {
                let other = t1.rows.first { $0.condition == row.condition }
                XCTAssertEqual(other?.accuracy, row.accuracy)
                XCTAssertEqual(other?.ci95?.0, row.ci95?.0, "\(t0.task) \(row.label)")
                XCTAssertEqual(other?.ci95?.1, row.ci95?.1, "\(t0.task) \(row.label)")
            }
        }
        let added = more.tasks.first?.rows.first { $0.model?.path == extra.path }
        XCTAssertEqual(added?.accuracy ?? -1, 13.0 / 20, accuracy: 1e-12)
        XCTAssertEqual(added?.model?.coversHumanItems, 0)
    }

    func testCSVParsesWithPython() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("python3 not installed") }
        let (d, _) = try score()
        let dir = try tempDir()
        let csv = dir.appendingPathComponent("answers.csv")
        try CSVWriter.write(d, to: csv.path)
        let script = """
            import csv, sys
            with open(sys.argv[1], newline='') as f:
                rows = list(csv.DictReader(f))
            assert len(rows) == 50, len(rows)
            assert rows[0]['participant'] == 'ana'
            assert any(r['subject'] == 'The Desert, a "Story"' for r in rows)
            assert all(r['correct'] in ('true', 'false') for r in rows)
            try:
                import pandas
            except ImportError:
                pandas = None
            if pandas is not None:
                df = pandas.read_csv(sys.argv[1])
                assert df.shape == (50, 17), df.shape
                assert df['correct'].dtype == bool and df['timed_out'].dtype == bool
                assert df['confidence'].isna().sum() == 1
            print('ok', len(rows))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, csv.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.hasPrefix("ok 50"), out)
    }
}
