import XCTest
@testable import OversightCore

final class SHA256Tests: XCTestCase {
    func testStandardVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMillionAs() {
        XCTAssertEqual(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testIncrementalEqualsOneShot() {
        var rng = SeededRandom(seed: 3)
        let bytes = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for split in [0, 1, 55, 56, 63, 64, 65, 500, 999] {
            var s = SHA256()
            s.update(bytes[..<split])
            s.update(bytes[split...])
            XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(), SHA256.hex(bytes), "split \(split)")
        }
    }
}

final class SeededRandomTests: XCTestCase {
    func testSameSeedSameSequence() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        XCTAssertEqual(xs, (0..<5).map { _ in b.next() })
        XCTAssertNotEqual(xs, (0..<5).map { _ in c.next() })
    }

    func testBelowIsInRangeAndRoughlyUniform() {
        var r = SeededRandom(seed: 1)
        var counts = [Int](repeating: 0, count: 4)
        for _ in 0..<40_000 { counts[r.below(4)] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 500) }
        XCTAssertEqual(r.below(1), 0)
        XCTAssertEqual(r.below(0), 0)
    }

    func testLabelsGiveIndependentStreams() {
        var a = SeededRandom(seed: 7, label: "block-1"), b = SeededRandom(seed: 7, label: "block-2")
        XCTAssertNotEqual(a.next(), b.next())
    }

    /// The allocation-free digest the scorer hashes every log line with agrees with the
    /// incremental one at every length around the block boundaries.
    func testLineDigestMatchesIncremental() {
        var rng = SeededRandom(seed: 3)
        for n in [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 1000, 4097, 3, 0] {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var out = [UInt8](repeating: 0, count: 64)
            (bytes + [0]).withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    if let bp = b.baseAddress, let op = o.baseAddress { SHA256.hexDigest(bp, count: n, hexOut: op) }
                }
            }
            XCTAssertEqual(String(decoding: out, as: UTF8.self), SHA256.hex(bytes), "length \(n)")
        }
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Copies of a hasher are independent.
    func testCopiesAreIndependent() {
        var a = SHA256()
        a.update("ab")
        var b = a
        a.update("c")
        b.update("x")
        XCTAssertEqual(SHA256.hexString(a.finalize()), SHA256.hex("abc"))
        XCTAssertEqual(SHA256.hexString(b.finalize()), SHA256.hex("abx"))
        XCTAssertEqual(SHA256.hexString(a.finalize()), SHA256.hex(""), "finalize starts over")
    }
}
