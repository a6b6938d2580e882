import Foundation
import XCTest
@testable import OversightCore

final class CounterbalanceTests: XCTestCase {
    private func study(_ blocks: [StudyBlock], counterbalance: Bool = true) -> Study {
        var s = Study(id: "cb", seed: 11, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
                      blocks: blocks, assistant: AssistantConfig(), path: "study.toml", hash: "h")
        s.counterbalance = counterbalance
        return s
    }

    private func block(_ condition: Condition, _ n: Int, bank: String = "Tasks/mmlu", line: Int,
                       subjects: [String] = []) -> StudyBlock {
        StudyBlock(condition: condition, bank: bank, bankPath: BankPaths.root + "/" + bank, questions: n,
                   subjects: subjects, line: line)
    }

    /// (question id, condition) pairs a participant meets, and the conditions in order.
    private func seen(_ r: ResolvedStudy) -> (pairs: [String: [Condition]], order: [Condition]) {
        var pairs: [String: [Condition]] = [:]
        for (b, qs) in zip(r.study.blocks, r.blocks) { for q in qs { pairs[q.id, default: []].append(b.condition) } }
        return (pairs, r.study.blocks.map(\.condition))
    }

    func testFourParticipantsOfATwoBlockStudyAreBalanced() throws {
        let s = study([block(.assisted, 4, line: 5), block(.unaided, 4, line: 10)])
        XCTAssertEqual(Counterbalance.groups(s.blocks), [[0, 1]])
        XCTAssertEqual(Counterbalance.armCount(s), 4)
        let base = try StudyResolver.resolve(s)
        let items = Set(base.blocks.flatMap { $0.map(\.id) })
        XCTAssertEqual(items.count, 8)
        var orders: [[Condition]: Int] = [:]
        var counts: [String: [Condition: Int]] = [:]
        for p in 0..<4 {
            let mine = base.arranged(arm: p)
            XCTAssertEqual(mine.study.arm?.index, p)
            XCTAssertEqual(mine.blocks.map(\.count), [4, 4])
            let (pairs, order) = seen(mine)
            orders[order, default: 0] += 1
            XCTAssertEqual(Set(pairs.keys), items, "participant \(p + 1) sees every drawn question once")
            for (id, conditions) in pairs {
                XCTAssertEqual(conditions.count, 1)
                for c in conditions { counts[id, default: [:]][c, default: 0] += 1 }
            }
        }
        XCTAssertEqual(orders, [[.assisted, .unaided]: 2, [.unaided, .assisted]: 2])
        for id in items { XCTAssertEqual(counts[id], [.assisted: 2, .unaided: 2], id) }
        // Arm 1 is the study as written; arm 2 swaps the order but keeps each block's questions.
        XCTAssertEqual(base.arranged(arm: 0).blocks.map { $0.map(\.id) }, base.blocks.map { $0.map(\.id) })
        let second = base.arranged(arm: 1)
        XCTAssertEqual(second.study.blocks.map(\.line), [10, 5])
        XCTAssertEqual(second.blocks.map { $0.map(\.id) }, [base.blocks[1], base.blocks[0]].map { $0.map(\.id) })
        XCTAssertEqual(second.plans.map(\.condition), [.unaided, .assisted])
        // Arm 3 keeps the order and swaps the sets: block 1 (assisted) shows block 2's questions.
        let third = base.arranged(arm: 2)
        XCTAssertEqual(third.study.blocks.map(\.condition), [.assisted, .unaided])
        XCTAssertEqual(third.blocks.map { $0.map(\.id) }, [base.blocks[1], base.blocks[0]].map { $0.map(\.id) })
        XCTAssertEqual(third.study.arm?.presentedSets, [1, 0])
        XCTAssertNotEqual(third.questionsHash, base.questionsHash)
        // Arm numbers wrap around.
        XCTAssertEqual(base.arranged(arm: 5).study.arm, base.arranged(arm: 1).study.arm)
    }

    func testThreeBlocksWithOneGroupOfTwo() throws {
        // Blocks 1 and 3 are interchangeable; block 2 (other size) keeps its questions.
        let s = study([block(.assisted, 3, line: 1), block(.unaided, 2, line: 2), block(.unaided, 3, line: 3)])
        XCTAssertEqual(Counterbalance.groups(s.blocks), [[0, 2]])
        XCTAssertEqual(Counterbalance.armCount(s), 6)
        let base = try StudyResolver.resolve(s)
        var counts: [String: [Condition: Int]] = [:]
        var positions: [Int: [Int: Int]] = [:]
        for p in 0..<6 {
            let mine = base.arranged(arm: p)
            for (pos, fileBlock) in (mine.study.arm?.order ?? []).enumerated() { positions[fileBlock, default: [:]][pos, default: 0] += 1 }
            for (b, qs) in zip(mine.study.blocks, mine.blocks) { for q in qs { counts[q.id, default: [:]][b.condition, default: 0] += 1 } }
        }
        for id in (base.blocks[0] + base.blocks[2]).map(\.id) { XCTAssertEqual(counts[id], [.assisted: 3, .unaided: 3], id) }
        for id in base.blocks[1].map(\.id) { XCTAssertEqual(counts[id], [.unaided: 6], id) }
        for b in 0..<3 { XCTAssertEqual(positions[b], [0: 2, 1: 2, 2: 2], "block \(b + 1) in each position equally often") }
    }

    func testDifferentFiltersAreNotGroupedAndNoKeyChangesNothing() throws {
        let a = block(.assisted, 2, line: 1, subjects: ["college_physics"])
        let u = block(.unaided, 2, line: 2, subjects: ["world_history"])
        XCTAssertEqual(Counterbalance.groups([a, u]), [])
        XCTAssertEqual(Counterbalance.armCount(study([a, u])), 2, "orders still rotate")
        let plain = study([block(.assisted, 2, line: 1), block(.unaided, 2, line: 2)], counterbalance: false)
        XCTAssertEqual(Counterbalance.armCount(plain), 1)
        let base = try StudyResolver.resolve(plain)
        let same = base.arranged(arm: 3)
        XCTAssertNil(same.study.arm)
        XCTAssertEqual(same.study, base.study)
        XCTAssertEqual(same.blocks.map { $0.map(\.id) }, base.blocks.map { $0.map(\.id) })
    }

    func testLoaderReadsTheKey() throws {
        let text = """
            [study]
            id = "x"
            counterbalance = true

            [[blocks]]
            condition = "assisted"
            bank = "Tasks/mmlu"
            questions = 1
            """
        let path = BankPaths.root + "/study.toml"
        XCTAssertTrue(try StudyLoader.parse(text: text, path: path).counterbalance)
        XCTAssertFalse(try StudyLoader.parse(text: text.replacingOccurrences(of: "counterbalance = true\n", with: ""),
                                             path: path).counterbalance)
        XCTAssertThrowsError(try StudyLoader.parse(text: text.replacingOccurrences(of: "= true", with: "= 1"), path: path)) {
            XCTAssertEqual(($0 as? InputErrors)?.errors.first?.description,
                           "\(path):3: \"study.counterbalance\" must be true or false")
        }
    }

    func testSessionStartFieldsAreOptional() throws {
        var start = SessionStart(studyID: "s", studyHash: "a", questionsHash: "b", seed: 1, appVersion: "1",
                                 participant: "p", sessionID: "x", feedback: true, confidence: [50, 100], blocks: [],
                                 assistantProvider: "simulated", assistantModel: nil)
        let plain = String(decoding: try JSONEncoder().encode(start), as: UTF8.self)
        XCTAssertFalse(plain.contains("arm"), plain)
        start.arm = 2
        start.arms = 4
        start.blockOrder = [2, 1]
        start.questionSets = [2, 1]
        let data = try JSONEncoder().encode(start)
        XCTAssertEqual(try JSONDecoder().decode(SessionStart.self, from: data), start)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("\"block_order\":[2,1]"))
    }
}

final class AssignmentsTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("assign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testRoundRobinAndAResumedParticipantKeepsTheirArm() throws {
        let url = Assignments.url(root: dir, studyID: "s")
        let arms = try ["p1", "p2", "p3", "p4", "p5"].map { try Assignments.arm(for: $0, arms: 4, studyHash: "h", url: url) }
        XCTAssertEqual(arms, [1, 2, 3, 4, 1])
        XCTAssertEqual(try Assignments.arm(for: "p2", arms: 4, studyHash: "h", url: url), 2)
        XCTAssertEqual(try Assignments.arm(for: "p6", arms: 4, studyHash: "h", url: url), 2)
        XCTAssertEqual(try Assignments.read(url: url).map(\.participant), ["p1", "p2", "p3", "p4", "p5", "p6"])
        // The study's arms changed: the recorded arm cannot be kept, and says so.
        XCTAssertThrowsError(try Assignments.arm(for: "p2", arms: 6, studyHash: "h2", url: url)) {
            XCTAssertTrue("\($0)".contains("p2 was given arm 2 of 4, but the study now has 6 arms"), "\($0)")
        }
    }

    func testConcurrentArrivalsGetDistinctArms() throws {
        let url = Assignments.url(root: dir, studyID: "s")
        let n = 8
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: n) { i in
            results.add(Result { try Assignments.arm(for: "p\(i)", arms: n, studyHash: "h", url: url) })
        }
        let arms = try results.all.map { try $0.get() }
        XCTAssertEqual(arms.sorted(), Array(1...n), "every arrival got its own arm")
        XCTAssertEqual(try Assignments.read(url: url).count, n)
    }

    func testADamagedLineIsNamed() throws {
        let url = Assignments.url(root: dir, studyID: "s")
        _ = try Assignments.arm(for: "p1", arms: 2, studyHash: "h", url: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"participant\":\"p2\"}\n".utf8))
        try handle.close()
        XCTAssertThrowsError(try Assignments.arm(for: "p3", arms: 2, studyHash: "h", url: url)) {
            XCTAssertEqual(($0 as? InputErrors)?.errors.first?.path, url.path)
            XCTAssertEqual(($0 as? InputErrors)?.errors.first?.line, 2)
        }
    }

    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Result<Int, Error>] = []
        func add(_ r: Result<Int, Error>) { lock.lock(); items.append(r); lock.unlock() }
        var all: [Result<Int, Error>] { lock.lock(); defer { lock.unlock() }; return items }
    }
}
