import Foundation
import XCTest
import OversightCore
@testable import OversightTUI

/// The screen on the real QuALITY sample from ../shared (skipped when it is absent).
final class RealDataTests: XCTestCase {
    static var packageRoot: URL {
        URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func loadSample() throws -> [Question] {
        // Beside the checkout, or one level up (a worktree in a folder of worktrees).
        let candidates = [Self.packageRoot.deletingLastPathComponent(),
                          Self.packageRoot.deletingLastPathComponent().deletingLastPathComponent()]
            .map { $0.appendingPathComponent("shared/data/quality/quality_sample.htmlstripped.jsonl") }
        let url = candidates.first { FileManager.default.fileExists(atPath: $0.path) } ?? candidates[0]
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw XCTSkip("QuALITY sample not found at \(url.path)")
        }
        guard let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first,
              let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let article = obj["article"] as? String, let title = obj["title"] as? String,
              let qs = obj["questions"] as? [[String: Any]] else {
            XCTFail("cannot read the QuALITY sample")
            return []
        }
        let passage = Passage(id: "52845", title: title, text: article)
        return qs.enumerated().compactMap { i, q in
            guard let text = q["question"] as? String, let options = q["options"] as? [String],
                  let gold = q["gold_label"] as? Int, let id = q["question_unique_id"] as? String else { return nil }
            return Question(id: id, task: .quality, subject: title, text: text, options: options, gold: gold - 1,
                            passage: passage, metadata: QuestionMetadata(difficult: true, source: url.path, line: 1))
        }
    }

    func testRealArticleRendersWithinBoundsAtBothSizes() throws {
        let questions = try loadSample()
        XCTAssertEqual(questions.count, 5)
        var assistant = AssistantConfig()
        assistant.provider = .simulated
        let study = Study(id: "real", seed: 1, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
                          blocks: [StudyBlock(condition: .assisted, bank: "q", bankPath: "q", questions: 5, timeLimitSeconds: 300, line: 1)],
                          assistant: assistant, path: "real.toml", hash: String(repeating: "c", count: 64))
        for size in [Size(cols: 80, rows: 24), Size(cols: 160, rows: 48)] {
            let h = try Harness(study: ResolvedStudy(study: study, blocks: [questions]), size: size)
            h.run(.key(.function(2)), .key(.end))
            var frame = h.backend.lastFrame
            // The position is on the passage's bottom border.
            let bottom = (AppCore.screenLayout(h.state)?.passage.maxRow ?? 2) - 1
            XCTAssertTrue(frame.plainLines()[bottom].contains("100%"), frame.plainLines()[bottom])
            h.run(.key(.home), .key(.char("/")), .type("chocoletto"), .key(.enter))
            frame = h.backend.lastFrame
            XCTAssertGreaterThan(h.state.passage.matches.count, 1)
            for row in 0..<size.rows {
                var width = 0
                for col in 0..<size.cols {
                    let cell = frame[col, row]
                    // A character N cells wide is followed by N-1 continuation cells.
                    if !cell.continuation { width += max(1, DisplayWidth.of(cell.text)) }
                }
                XCTAssertEqual(width, size.cols, "row \(row) does not fill the width exactly")
            }
            assertSnapshot(frame, named: "quality-real-search-\(size.cols)x\(size.rows)")
            let text = frame.plainLines().joined(separator: "\n")
            XCTAssertTrue(text.contains("Q: Why does Deirdre get so upset"), text)
            XCTAssertFalse(text.contains("(•)"), "nothing chosen yet")
        }
    }
}
