import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// The fixture study with its participants split between two assistants: ana, ben and cleo
/// worked with the simulated assistant, dev and eve with a local model with a long name, which
/// also has a baseline run. Shared by the row, width and HTML tests.
enum MixedStudy {
    static let localModel = "qwen2.5-coder-1.5b-instruct-q4_k_m-long-model-name"
    static let localParticipants: Set<String> = ["dev", "eve"]

    static func write(to dir: URL) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (p, steps) in FixtureStudy.scripts {
            var events = FixtureStudy.events(p, steps: steps)
            if localParticipants.contains(p), case .sessionStart(var start) = events[0].0 {
                start.assistantProvider = "local"
                start.assistantModel = localModel
                events[0].0 = .sessionStart(start)
            }
            try FixtureStudy.writeLog(dir.appendingPathComponent("\(p).jsonl"), events)
        }
        try FixtureStudy.baselineText().write(to: dir.appendingPathComponent("baseline-sim.jsonl"), atomically: true,
                                              encoding: .utf8)
        let local = try FixtureStudy.baselineText()
            .replacingOccurrences(of: "\"provider\":\"simulated\"", with: "\"provider\":\"local\"")
            .replacingOccurrences(of: "\"model\":\"sim-1\"", with: "\"model\":\"\(localModel)\"")
        try local.write(to: dir.appendingPathComponent("baseline-local.jsonl"), atomically: true, encoding: .utf8)
    }

    /// Score a folder written by `write` (fixed seed).
    static func score(_ dir: URL) throws -> ScoreReport {
        let inputs = try DatasetLoader.discover(path: dir.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2)
        var o = ScoreOptions()
        o.seed = 2024
        o.jobs = 2
        return Scorer.score(d, options: o)
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("score-mixed-\(UUID().uuidString)")
        try write(to: d)
        return d
    }
}

/// Rows name the assistant; sessions with different assistants are never pooled.
final class AssistantRowsTests: XCTestCase {
    func testDifferentAssistantsGetSeparateRowsAndAWarning() throws {
        let dir = try MixedStudy.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try MixedStudy.score(dir)
        let mmlu = try XCTUnwrap(r.tasks.first { $0.task == .mmlu })
        let sim = try XCTUnwrap(mmlu.rows.first { $0.label == "human + model (simulated / sim-1)" })
        let local = try XCTUnwrap(mmlu.rows.first { $0.label == "human + model (local / \(MixedStudy.localModel))" })
        // Fixture scripts, MMLU assisted: ana, ben, cleo 2 of 3 right each; dev 3 of 3, eve 1 of 3.
        XCTAssertEqual(sim.answers, 9)
        XCTAssertEqual(sim.participants, 3)
        XCTAssertEqual(sim.accuracy, 6.0 / 9, accuracy: 1e-12)
        XCTAssertEqual(local.answers, 6)
        XCTAssertEqual(local.participants, 2)
        XCTAssertEqual(local.accuracy, 4.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(sim.assistant, AssistantName(provider: "simulated", model: "sim-1"))
        XCTAssertFalse(mmlu.rows.contains { $0.label == "human + model" }, "no pooled row")
        XCTAssertEqual(mmlu.rows.filter { $0.condition == "assisted_vote" }.count, 2)
        XCTAssertNotNil(sim.ci95)
        // The unaided row is every participant's.
        XCTAssertEqual(mmlu.rows.first { $0.condition == "unaided" }?.answers, 15)
        XCTAssertTrue(mmlu.differences.contains { $0.name == "assisted (simulated / sim-1) - unaided" })
        XCTAssertTrue(mmlu.differences.contains { $0.name == "assisted (local / \(MixedStudy.localModel)) - unaided" })
        let mixed = r.warnings.filter { $0.kind == .mixedAssistants }
        XCTAssertEqual(mixed.count, 1, "\(r.warnings)")
        XCTAssertTrue(mixed.first?.message.contains("simulated / sim-1: 3 participant(s)") ?? false, "\(mixed)")
        XCTAssertTrue(mixed.first?.message.contains("local / \(MixedStudy.localModel): 2 participant(s)") ?? false)
        // Blocks: the assisted MMLU block has a row per assistant, the unaided one a single row.
        let first = r.blocks.filter { $0.block == 0 }
        XCTAssertEqual(first.map(\.answers), [6, 9])
        XCTAssertEqual(first.map(\.participants), [2, 3])
        XCTAssertEqual(first.map { $0.assistant?.provider }, ["local", "simulated"])
        XCTAssertEqual(r.blocks.filter { $0.block == 1 }.map(\.answers), [15])
        XCTAssertTrue(TextRenderer.render(r).contains("assisted (simulated /"))
        // The CSV names each assisted answer's assistant.
        let inputs = try DatasetLoader.discover(path: dir.path)
        let csv = CSVWriter.render(DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2))
        let rows = csv.components(separatedBy: "\r\n")
        XCTAssertTrue(rows[0].contains(",assistant_provider,assistant_model,"))
        let none = String(repeating: ",", count: 12)  // the consultancy, debate and reliance columns
        XCTAssertEqual(rows.filter { $0.contains(",dev,") && $0.contains(",assisted,") && $0.hasSuffix(",local,\(MixedStudy.localModel)" + none) }.count, 5)
        XCTAssertEqual(rows.filter { $0.contains(",ana,") && $0.contains(",assisted,") && $0.hasSuffix(",simulated,sim-1" + none) }.count, 5)
        XCTAssertEqual(rows.filter { $0.contains(",unaided,") && !$0.hasSuffix(",," + none) }, [])
        // JSON names the assistant of each assisted row.
        let json = JSONRenderer.render(r)
        XCTAssertTrue(json.contains("\"provider\": \"local\"") || json.contains("\"provider\":\"local\""), json)
        XCTAssertTrue(json.contains("mixed_assistants"))
    }

    func testOneAssistantIsNamedAndNotWarnedAbout() throws {
        let inputs = try DatasetLoader.discover(path: GoldenTests.logs.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2)
        let r = Scorer.score(d)
        let rows = r.tasks.flatMap(\.rows)
        XCTAssertTrue(rows.contains { $0.label == "human + model (simulated / sim-1)" })
        XCTAssertTrue(rows.contains { $0.label == "model likelihood 0-shot (simulated / sim-1)" })
        XCTAssertFalse(r.warnings.contains { $0.kind == .mixedAssistants })
        XCTAssertTrue(r.tasks[0].differences.contains { $0.name == "assisted - unaided" })
    }

    /// Splitting the assisted answers by assistant leaves the unaided and model statistics
    /// (and their intervals) exactly as they were.
    func testSplittingLeavesOtherRowsAlone() throws {
        let dir = try MixedStudy.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mixed = try MixedStudy.score(dir)
        let inputs = try DatasetLoader.discover(path: GoldenTests.logs.path)
        var o = ScoreOptions()
        o.seed = 2024
        o.jobs = 2
        let single = Scorer.score(DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2), options: o)
        for (a, b) in zip(mixed.tasks, single.tasks) {
            for label in ["unaided human", "unaided, weighted vote", "model likelihood 0-shot (simulated / sim-1)"] {
                let x = try XCTUnwrap(a.rows.first { $0.label == label }), y = try XCTUnwrap(b.rows.first { $0.label == label })
                XCTAssertEqual(x.accuracy, y.accuracy)
                XCTAssertEqual(x.ci95?.0, y.ci95?.0)
                XCTAssertEqual(x.ci95?.1, y.ci95?.1)
            }
        }
    }
}

/// `score`'s text fits 100 columns by default, and `--wide` keeps each row on one line.
final class TextWidthTests: XCTestCase {
    func testReportFitsOneHundredColumns() throws {
        let dir = try MixedStudy.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try MixedStudy.score(dir)
        let text = TextRenderer.render(r)
        let long = text.split(separator: "\n").filter { $0.count > 100 }
        XCTAssertEqual(long, [], "lines over 100 columns")
        // Nothing is dropped: every row's interval is still there, and every label starts a line.
        let lines = text.split(separator: "\n").map(String.init)
        for t in r.tasks {
            for row in t.rows {
                XCTAssertTrue(text.contains(TextRenderer.ci(row.ci95)), row.label)
                XCTAssertTrue(lines.contains { $0.hasPrefix(String(row.label.prefix(20))) }, row.label)
            }
        }
    }

    /// A cell too wide for the table wraps inside its column (continuation lines indented,
    /// long names broken after a hyphen); the other columns stay aligned.
    func testGridWrapsTheLabelColumn() {
        let rows = [["condition", "acc", "95% CI"],
                    ["human + model (local / qwen2.5-coder-1.5b-instruct), weighted vote", "100.0", "[40.4, 100.0]"],
                    ["unaided human", "46.7", "[20.0, 80.0]"]]
        let text = TextRenderer.grid(rows, width: 40)
        XCTAssertEqual(text, """
            condition             acc         95% CI
            human + model       100.0  [40.4, 100.0]
              (local /
              qwen2.5-coder-
              1.5b-instruct),
              weighted vote
            unaided human        46.7   [20.0, 80.0]
            """)
        XCTAssertEqual(TextRenderer.grid(rows, width: nil).split(separator: "\n").count, 3)
    }

    func testWideKeepsEachRowOnOneLine() throws {
        let dir = try MixedStudy.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try MixedStudy.score(dir)
        let text = TextRenderer.render(r, width: nil)
        let lines = text.split(separator: "\n").map(String.init)
        let mmlu = try XCTUnwrap(r.tasks.first { $0.task == .mmlu })
        for row in mmlu.rows {
            XCTAssertTrue(lines.contains { $0.hasPrefix(row.label + " ") && $0.contains(TextRenderer.ci(row.ci95)) },
                          "one line holds \(row.label) and its numbers")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("block  task") && $0.hasSuffix("median TTFT ms") })
    }

    func testWrapBreaksAtSpacesAndCutsOverlongWords() {
        XCTAssertEqual(TextRenderer.wrap("aa bb cc", width: 5), ["aa bb", "cc"])
        XCTAssertEqual(TextRenderer.wrap("abcdefgh ij", width: 3), ["abc", "def", "gh", "ij"])
        XCTAssertEqual(TextRenderer.wrap("qwen-coder-1.5b", width: 12), ["qwen-coder-", "1.5b"])
        XCTAssertEqual(TextRenderer.wrap("(local / qwen-coder-1.5b-instruct)", width: 16),
                       ["(local / qwen-", "coder-1.5b-", "instruct)"])
        XCTAssertEqual(TextRenderer.wrap("aa bb cc", width: 5, indent: 1, hanging: 2), [" aa", "   bb", "   cc"])
        XCTAssertEqual(TextRenderer.wrap("a long line", width: nil), ["a long line"])
    }
}
