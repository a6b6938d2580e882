import Foundation
import OversightCore
@testable import OversightScoring
import XCTest

/// Doctored logs: an edited record and everything after it are not scored (unless
/// --keep-damaged, which the report then says on its first line), and one session copied under
/// two names is scored once.
final class DamagedLogTests: XCTestCase {
    func study() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("score-damaged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        for (p, _) in FixtureStudy.scripts {
            try FileManager.default.copyItem(at: GoldenTests.logs.appendingPathComponent("\(p).jsonl"),
                                             to: dir.appendingPathComponent("\(p).jsonl"))
        }
        return dir
    }

    func load(_ dir: URL) throws -> (Dataset, ScoreReport) {
        let inputs = try DatasetLoader.discover(path: dir.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: 2)
        return (d, Scorer.score(d, options: ScoreOptions()))
    }

    func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n").filter { !$0.isEmpty }
    }

    func write(_ lines: [String], _ url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    func unaidedMMLU(_ r: ScoreReport) -> ConditionRow? {
        r.tasks.first { $0.task == .mmlu }?.rows.first { $0.condition == "unaided" }
    }
    /// Recompute every `prev` so the chain is sound again, as a careful forger would.
    static func rechain(_ lines: [String]) -> [String] {
        var out: [String] = []
        var prev = LogRecord.genesis
        for line in lines {
            guard let r = line.range(of: #""prev":"[0-9a-f]{64}""#, options: .regularExpression) else {
                out.append(line)
                continue
            }
            let fixed = line.replacingCharacters(in: r, with: "\"prev\":\"\(prev)\"")
            out.append(fixed)
            prev = SHA256.hex(fixed)
        }
        return out
    }

    /// cleo's wrong unaided econometrics answer (choice C, gold A) turned into a right one.
    private func doctorCleo(_ dir: URL) throws -> (url: URL, line: Int, total: Int) {
        let url = dir.appendingPathComponent("cleo.jsonl")
        var l = try lines(url)
        guard let k = l.firstIndex(where: { $0.contains("\"type\":\"submitted\"") && $0.contains("mmlu/econometrics/val/5") }) else {
            throw XCTSkip("fixture changed: no econometrics answer")
        }
        let edited = l[k].replacingOccurrences(of: "\"choice\":2,", with: "\"choice\":0,")
            .replacingOccurrences(of: "\"correct\":false", with: "\"correct\":true")
        XCTAssertNotEqual(edited, l[k])
        l[k] = edited
        try write(l, url)
        return (url, k + 1, l.count)
    }

    private func cleoAnswers(_ d: Dataset) -> [Answer] {
        guard let p = d.participants.firstIndex(of: "cleo") else { return [] }
        return d.answers.filter { $0.participant == Int32(p) }
    }

    func testEditedAnswerAndEverythingAfterItAreNotScored() throws {
        let dir = try study()
        let sound = try load(dir)
        let before = cleoAnswers(sound.0)
        let (url, line, total) = try doctorCleo(dir)

        let (d, r) = try load(dir)
        let answers = cleoAnswers(d)
        // Answers on lines before the edited one stay; the edited one and all after it go.
        XCTAssertEqual(answers.map(\.line), before.map(\.line).filter { $0 < Int32(line) })
        XCTAssertLessThan(answers.count, before.count)
        guard let w = r.warnings.first(where: { $0.kind == .chain && $0.path == url.path }) else {
            return XCTFail("no warning: \(r.warnings)")
        }
        XCTAssertEqual(w.line, line + 1, "the first broken link is the line after the edited one")
        XCTAssertTrue(w.message.contains("line \(line) and everything after it are not scored"), w.message)
        XCTAssertTrue(w.message.contains("\(total - line + 1) record(s) dropped"), w.message)
        XCTAssertTrue(w.message.contains("\(before.count - answers.count) answer(s) among them"), w.message)
        XCTAssertFalse(TextRenderer.render(r).hasPrefix("DAMAGED"), "nothing kept, nothing to announce")
        // The doctored answer does not move the table: unaided MMLU accuracy is what it was
        // over the answers that remain (the sound log's row minus cleo's dropped answers).
        let unaided = d.answers.filter { $0.task == .mmlu && $0.condition == .unaided }
        XCTAssertEqual(unaidedMMLU(r)?.answers, unaided.count)
        XCTAssertFalse(unaided.contains { $0.line == Int32(line) && $0.participant == Int32(d.participants.firstIndex(of: "cleo") ?? -1) })
    }

    func testKeepDamagedScoresThemAndSaysSoFirst() throws {
        let dir = try study()
        let (url, line, _) = try doctorCleo(dir)
        let inputs = try DatasetLoader.discover(path: dir.path)
        let d = DatasetLoader.load(logs: inputs.logs, baselines: [], jobs: 2, keepDamaged: true)
        let r = Scorer.score(d, options: ScoreOptions())
        let doctored = cleoAnswers(d).first { $0.line == Int32(line) }
        XCTAssertEqual(doctored?.correct, true, "kept as edited")
        XCTAssertEqual(d.keptDamaged, [url.path])
        let text = TextRenderer.render(r)
        XCTAssertTrue(text.hasPrefix("DAMAGED LOGS KEPT (--keep-damaged): 1 log(s)"), String(text.prefix(200)))
        let json = JSONRenderer.render(r)
        let firstKey = json.split(separator: "\n").dropFirst().first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        XCTAssertTrue(firstKey.hasPrefix("\"damaged_logs_kept\":") && firstKey.contains(url.path), String(json.prefix(300)))
        XCTAssertTrue(r.warnings.contains { $0.kind == .chain && $0.line == line + 1 && $0.message.contains("record kept") })
    }

    func testBreakRightAfterTheStartDropsTheWholeLog() throws {
        let dir = try study()
        let url = dir.appendingPathComponent("dev.jsonl")
        var l = try lines(url)
        l[0] = l[0].replacingOccurrences(of: "\"participant\":\"dev\"", with: "\"participant\":\"zoe\"")
        try write(l, url)
        let (d, r) = try load(dir)
        XCTAssertFalse(d.participants.contains("dev") || d.participants.contains("zoe"), "\(d.participants)")
        XCTAssertTrue(r.warnings.contains { $0.kind == .chain && $0.path == url.path && $0.message.contains("line 1 and everything") })
    }

    func testOneSessionUnderTwoNamesIsScoredOnce() throws {
        let dir = try study()
        // ana's log copied as zed's: participant changed and every prev recomputed, so the copy
        // verifies; only the session id gives it away.
        let l = try lines(dir.appendingPathComponent("ana.jsonl"))
        var copy = l
        copy[0] = copy[0].replacingOccurrences(of: "\"participant\":\"ana\"", with: "\"participant\":\"zed\"")
        XCTAssertNotEqual(copy[0], l[0])
        let zed = dir.appendingPathComponent("zed.jsonl")
        try write(Self.rechain(copy), zed)
        XCTAssertTrue(SessionLogVerifier.verify(url: zed).ok, "the forged copy has a sound chain")

        let (d, r) = try load(dir)
        XCTAssertEqual(d.participants, ["ana", "ben", "cleo", "dev", "eve"], "the copy is not a new participant")
        XCTAssertEqual(d.sessions.count, 5)
        let ana = dir.appendingPathComponent("ana.jsonl").path
        guard let w = r.warnings.first(where: { $0.kind == .duplicateSession }) else {
            return XCTFail("no warning: \(r.warnings)")
        }
        XCTAssertEqual(w.path, zed.path)
        XCTAssertTrue(w.message.contains(ana) && w.message.contains("participant zed") && w.message.contains("participant ana"),
                      w.message)
        XCTAssertTrue(w.message.contains("scored once"), w.message)
    }
}
