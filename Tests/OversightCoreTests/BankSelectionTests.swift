import Foundation
import XCTest
@testable import OversightCore

final class BankSelectionTests: XCTestCase {
    /// A synthetic bank: 3 MMLU subjects x 2 splits x 10, plus 4 QuALITY articles x 5 questions.
    private func bank() -> [Question] {
        var qs: [Question] = []
        for subject in ["algebra", "botany", "chemistry"] {
            for split in ["dev", "val"] {
                for n in 1...10 {
                    qs.append(Question(id: "mmlu/\(subject)/\(split)/\(n)", task: .mmlu, subject: subject,
                                       text: "Q\(n)", options: ["a", "b", "c", "d"], gold: n % 4, passage: nil,
                                       metadata: QuestionMetadata(source: "\(subject)_\(split).csv", line: n, split: split)))
                }
            }
        }
        for a in 1...4 {
            let p = Passage(id: "art\(a)", title: "Article \(a)", text: "Text \(a).")
            for k in 1...5 {
                qs.append(Question(id: "art\(a)_\(k)", task: .quality, subject: p.title, text: "Q\(k)",
                                   options: ["a", "b", "c", "d"], gold: k % 4, passage: p,
                                   metadata: QuestionMetadata(difficult: k % 2 == 0, source: "q.jsonl", line: a, split: "dev")))
            }
        }
        return qs
    }

    func testFilter() {
        let qs = bank()
        XCTAssertEqual(Selection.filter(qs, subjects: [], split: nil, hardOnly: false).count, 80)
        XCTAssertEqual(Selection.filter(qs, subjects: ["botany"], split: nil, hardOnly: false).count, 20)
        XCTAssertEqual(Selection.filter(qs, subjects: ["botany", "algebra"], split: "val", hardOnly: false).count, 20)
        let hard = Selection.filter(qs, subjects: [], split: nil, hardOnly: true)
        XCTAssertEqual(hard.count, 8)
        XCTAssertTrue(hard.allSatisfy { $0.task == .quality && $0.metadata.difficult == true })
        XCTAssertEqual(Selection.unknownSubjects(["botany", "bottany"], in: qs), ["bottany"])
    }

    func testSampleIsDeterministicAndIndependentOfInputOrder() throws {
        let qs = Selection.filter(bank(), subjects: [], split: nil, hardOnly: false).filter { $0.task == .mmlu }
        let a = try Selection.sample(qs, count: 12, seed: 42, label: "block-1")
        let b = try Selection.sample(qs.reversed(), count: 12, seed: 42, label: "block-1")
        var shuffled = qs
        var rng = SeededRandom(seed: 7)
        rng.shuffle(&shuffled)
        let c = try Selection.sample(shuffled, count: 12, seed: 42, label: "block-1")
        XCTAssertEqual(a.map(\.id), b.map(\.id))
        XCTAssertEqual(a.map(\.id), c.map(\.id))
        XCTAssertEqual(Set(a.map(\.id)).count, 12)
        // Another seed or label gives another draw.
        let d = try Selection.sample(qs, count: 12, seed: 43, label: "block-1")
        let e = try Selection.sample(qs, count: 12, seed: 42, label: "block-2")
        XCTAssertNotEqual(a.map(\.id), d.map(\.id))
        XCTAssertNotEqual(a.map(\.id), e.map(\.id))
    }

    func testSampleExcludingAndNotEnough() throws {
        let qs = bank().filter { $0.subject == "algebra" }
        let first = try Selection.sample(qs, count: 15, seed: 1, label: "x")
        let rest = try Selection.sample(qs, count: 5, seed: 1, label: "y", excluding: Set(first.map(\.id)))
        XCTAssertTrue(Set(first.map(\.id)).isDisjoint(with: rest.map(\.id)))
        XCTAssertThrowsError(try Selection.sample(qs, count: 6, seed: 1, label: "y", excluding: Set(first.map(\.id)))) { error in
            XCTAssertEqual(error as? SelectionError, .notEnoughQuestions(requested: 6, available: 5))
        }
        XCTAssertThrowsError(try Selection.sample(qs, count: -1, seed: 1, label: "z"))
        XCTAssertEqual(try Selection.sample(qs, count: 0, seed: 1, label: "z").count, 0)
    }

    func testSampleDisjointBlocks() throws {
        let qs = bank()
        let blocks = try Selection.sampleDisjoint(qs, blocks: [(30, "assisted"), (30, "unaided"), (20, "third")], seed: 9)
        XCTAssertEqual(blocks.map(\.count), [30, 30, 20])
        let all = blocks.flatMap { $0.map(\.id) }
        XCTAssertEqual(Set(all).count, 80)
        let again = try Selection.sampleDisjoint(qs.reversed(), blocks: [(30, "assisted"), (30, "unaided"), (20, "third")], seed: 9)
        XCTAssertEqual(blocks.map { $0.map(\.id) }, again.map { $0.map(\.id) })
        XCTAssertThrowsError(try Selection.sampleDisjoint(qs, blocks: [(50, "a"), (31, "b")], seed: 9))
    }

    func testDisjointPassagesKeepsArticlesApart() throws {
        let quality = bank().filter { $0.task == .quality }
        let blocks = try Selection.sampleDisjoint(quality, blocks: [(3, "a"), (3, "b")], seed: 5, disjointPassages: true)
        let first = Set(blocks[0].compactMap { $0.passage?.id })
        let second = Set(blocks[1].compactMap { $0.passage?.id })
        XCTAssertTrue(first.isDisjoint(with: second))
    }

    func testQuestionsOfOnePassageStayTogether() throws {
        let quality = bank().filter { $0.task == .quality }
        let drawn = try Selection.sample(quality, count: 12, seed: 3, label: "q")
        var seen: [String] = []
        for q in drawn {
            let id = q.passage?.id ?? ""
            if seen.last != id {
                XCTAssertFalse(seen.contains(id), "passage \(id) split apart: \(drawn.map(\.id))")
                seen.append(id)
            }
        }
    }

    func testSummaryCounts() {
        let s = BankSummary(questions: bank())
        XCTAssertEqual(s.total, 80)
        XCTAssertEqual(s.tasks.map(\.task), [.mmlu, .quality])
        XCTAssertEqual(s.tasks[0].questions, 60)
        XCTAssertEqual(s.tasks[0].subjects, 3)
        XCTAssertEqual(s.tasks[0].splits, ["dev": 30, "val": 30])
        XCTAssertEqual(s.tasks[1].questions, 20)
        XCTAssertEqual(s.tasks[1].hard, 8)
        XCTAssertEqual(s.tasks[1].articles, 4)
        XCTAssertEqual(s.rows.count, 10)
        XCTAssertEqual(s.rows.first, .init(task: .mmlu, subject: "algebra", split: "dev", questions: 10, hard: 0))
        let text = s.render()
        XCTAssertTrue(text.contains("mmlu: 60 questions, 3 subjects"), text)
        XCTAssertTrue(text.contains("quality: 20 questions (8 hard), 4 articles"), text)
        XCTAssertTrue(text.hasSuffix("total: 80 questions"), text)
    }

    // MARK: Drawing a study's blocks

    private func study(_ blocks: [StudyBlock], seed: UInt64 = 11) -> Study {
        Study(id: "t", seed: seed, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
              blocks: blocks, assistant: AssistantConfig(), path: "study.toml", hash: "")
    }

    private func block(_ bank: String, _ n: Int, line: Int, subjects: [String] = [], hardOnly: Bool = false,
                       condition: Condition = .assisted) -> StudyBlock {
        StudyBlock(condition: condition, bank: bank, bankPath: BankPaths.root + "/" + bank, questions: n,
                   hardOnly: hardOnly, subjects: subjects, line: line)
    }

    func testDrawBlocksFromTheDemoBankIsDisjointAndDeterministic() throws {
        let s = study([block("Tasks/mmlu", 8, line: 5), block("Tasks", 8, line: 12, subjects: ["college_physics",
                       "high_school_chemistry", "college_computer_science", "world_history"], condition: .unaided),
                       block("Tasks/quality", 4, line: 20), block("Tasks/quality", 4, line: 27, condition: .unaided)])
        let blocks = try Selection.drawBlocks(of: s)
        XCTAssertEqual(blocks.map(\.count), [8, 8, 4, 4])
        let ids = blocks.flatMap { $0.map(\.id) }
        XCTAssertEqual(Set(ids).count, ids.count, "a question appears in two blocks")
        XCTAssertTrue(blocks[1].allSatisfy { $0.task == .mmlu })
        XCTAssertEqual(try Selection.drawBlocks(of: s).map { $0.map(\.id) }, blocks.map { $0.map(\.id) })
        XCTAssertNotEqual(try Selection.drawBlocks(of: study(s.blocks, seed: 12)).map { $0.map(\.id) },
                          blocks.map { $0.map(\.id) })
    }

    func testDrawBlocksKeepsArticlesApartWhenPossible() throws {
        // Three articles with two questions each: after block 1 takes one question, block 2's
        // four questions must come from the two other articles; block 3 then has to fall back to
        // the remaining question of the first article.
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lines: [String] = []
        for a in 1...3 {
            let qs = (1...2).map { k in
                ["question": "Q\(k)?", "question_unique_id": "a\(a)_\(k)", "options": ["w", "x", "y", "z"],
                 "gold_label": k, "difficult": 0] as [String: Any]
            }
            let record: [String: Any] = ["article_id": "a\(a)", "title": "Article \(a)",
                                         "article": "Text of article \(a).", "questions": qs]
            let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            lines.append(String(decoding: data, as: UTF8.self))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/three.jsonl", atomically: true, encoding: .utf8)
        func b(_ n: Int, _ line: Int) -> StudyBlock {
            StudyBlock(condition: .assisted, bank: "three.jsonl", bankPath: dir + "/three.jsonl", questions: n, line: line)
        }
        for seed in UInt64(1)...UInt64(20) {
            let blocks = try Selection.drawBlocks(of: study([b(1, 1), b(4, 2), b(1, 3)], seed: seed))
            let first = Set(blocks[0].compactMap { $0.passage?.id })
            let second = Set(blocks[1].compactMap { $0.passage?.id })
            XCTAssertEqual(first.count, 1)
            XCTAssertEqual(second.count, 2)
            XCTAssertTrue(first.isDisjoint(with: second), "seed \(seed)")
            XCTAssertEqual(blocks[2].compactMap { $0.passage?.id }, Array(first), "seed \(seed)")
            let ids = blocks.flatMap { $0.map(\.id) }
            XCTAssertEqual(Set(ids).count, 6)
        }
    }

    func testDrawBlocksReportsEveryProblemAgainstTheStudy() {
        let s = study([block("Tasks/mmlu", 15, line: 4), block("Tasks/mmlu", 10, line: 9),
                       block("Tasks/mmlu", 1, line: 14, subjects: ["astrology"]),
                       block("Tasks/quality", 5, line: 19, hardOnly: true),
                       block("Tasks/quality", 5, line: 24, hardOnly: true)])
        XCTAssertThrowsError(try Selection.drawBlocks(of: s)) { error in
            let lines = (error as? InputErrors)?.errors.map(\.description) ?? []
            XCTAssertEqual(lines, [
                "study.toml:9: block 2 asks for 10 questions but only 5 are available"
                    + " (after the subject, split and hard filters and the questions of earlier blocks)",
                "study.toml:14: block 3: no questions of subject \"astrology\" in Tasks/mmlu",
                "study.toml:24: block 5 asks for 5 questions but only 2 are available"
                    + " (after the subject, split and hard filters and the questions of earlier blocks)",
            ])
        }
    }
}
