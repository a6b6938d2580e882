import Foundation
import OversightCore
import XCTest

/// The one reader of baseline results files: decoded lines, reasons for bad ones, blank lines
/// skipped, and a cut-off last line told apart from a bad line in the middle.
final class BaselineResultReaderTests: XCTestCase {
    private func line(_ id: String, predicted: Int?) throws -> String {
        let r = BaselineResult(convention: "generate", shots: 0, provider: "p", model: "m", questionID: id, task: .mmlu,
                               subject: "s", gold: 1, predicted: predicted, letterProbabilities: nil,
                               correct: predicted == 1, latencyMs: 5, reply: "B")
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(r), as: UTF8.self)
    }

    func testLinesNumbersReasonsAndTornTail() throws {
        let good1 = try line("q1", predicted: 1), good2 = try line("q2", predicted: nil)
        let text = good1 + "\n\n  \t\n" + #"{"convention":"generate"}"# + "\nnot json\n" + good2 + "\n" + good1.prefix(20)
        let lines = BaselineResultReader.lines(of: Data(text.utf8))
        XCTAssertEqual(lines.map(\.number), [1, 4, 5, 6, 7])
        XCTAssertEqual(try lines[0].result.get().questionID, "q1")
        XCTAssertEqual(try lines[3].result.get().predicted, nil)
        guard case .failure(let missing) = lines[1].result, case .failure(let garbage) = lines[2].result,
              case .failure = lines[4].result else {
            return XCTFail("lines 4, 5 and 7 are not results")
        }
        XCTAssertEqual(missing.reason, "missing field \"shots\"")
        XCTAssertEqual(garbage.reason, "invalid JSON")
        XCTAssertEqual(lines.map(\.terminated), [true, true, true, true, false])
    }

    func testMissingFileIsNil() {
        XCTAssertNil(BaselineResultReader.lines(path: "/nonexistent/baseline-x.jsonl"))
        XCTAssertEqual(BaselineResultReader.lines(of: Data()).count, 0)
    }
}
