import Foundation
import XCTest
@testable import OversightCore

/// Random bytes and random damage to valid files must never crash a loader: they either load or
/// report input errors naming the file.
final class BankFuzzTests: XCTestCase {
    /// Every tenth case goes through a real file; the rest through the same parser in memory.
    private func loadNoCrash(_ bytes: [UInt8], name: String, in dir: String, viaFile: Bool) throws {
        let path = dir + "/" + name
        var questions: [Question] = []
        var errors: [InputError] = []
        if viaFile {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                questions = try TaskBank.load(path: path)
            } catch let e as InputErrors {
                errors = e.errors
                XCTAssertFalse(errors.isEmpty)
            }
        } else {
            (questions, errors) = TaskBank.parse(bytes: bytes, path: path, passages: QualityLoader.PassageTable())
        }
        for q in questions {
            XCTAssertEqual(q.options.count, 4)
            XCTAssertTrue((0..<4).contains(q.gold))
            XCTAssertFalse(q.text.isEmpty)
        }
        for err in errors { XCTAssertEqual(err.path, path) }
    }

    func testRandomBytesAndTruncations() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seeds: [[UInt8]] = try [
            "good/alpha_dev.csv", "good/gull.jsonl", "multiline_val.csv", "gold_range.jsonl",
        ].map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: BankPaths.fixture($0)))) }
        var rng = SeededRandom(seed: 2024)
        let alphabet: [UInt8] = Array("\",\n\r{}[]:ABCD01 \\".utf8) + [0xC3, 0xA9, 0xFF, 0x00]
        for k in 0..<300 {
            var bytes: [UInt8]
            switch k % 3 {
            case 0:
                // Random bytes, biased towards characters the parsers care about.
                bytes = (0..<rng.below(200)).map { _ in
                    rng.below(2) == 0 ? alphabet[rng.below(alphabet.count)] : UInt8(rng.below(256))
                }
            case 1:
                // A valid file cut short.
                let base = seeds[rng.below(seeds.count)]
                bytes = Array(base.prefix(rng.below(base.count + 1)))
            default:
                // A valid file with a few bytes replaced.
                bytes = seeds[rng.below(seeds.count)]
                for _ in 0..<(1 + rng.below(4)) where !bytes.isEmpty {
                    bytes[rng.below(bytes.count)] = alphabet[rng.below(alphabet.count)]
                }
            }
            let name = k % 2 == 0 ? "fuzz\(k)_val.csv" : "fuzz\(k).jsonl"
            try loadNoCrash(bytes, name: name, in: dir, viaFile: k % 10 == 0)
        }
    }
}
