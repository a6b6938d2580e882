import XCTest
import CNcursesw
#if canImport(Glibc)
import Glibc
#endif
@testable import OversightTUI

/// The width table must agree with the C library's `wcwidth` (what ncurses and the terminal
/// use to place characters), or wide characters would misalign the panes.
final class WcwidthAgreementTests: XCTestCase {
    func mismatches(_ ranges: [ClosedRange<UInt32>]) throws -> [String] {
        guard setlocale(LC_ALL, "C.UTF-8") != nil else { throw XCTSkip("no C.UTF-8 locale") }
        var out: [String] = []
        for r in ranges {
            for v in r {
                guard let s = Unicode.Scalar(v) else { continue }
                let c = Int(oversight_wcwidth(wchar_t(bitPattern: v)))
                if c < 0 { continue }     // unassigned or non-printable for the C library
                let mine = DisplayWidth.scalarWidth(s)
                if mine != c { out.append(String(format: "U+%04X mine %d libc %d", v, mine, c)) }
            }
        }
        return out
    }

    func testAgreesOnLatinCJKHangulKanaFullwidthAndCombining() throws {
        let m = try mismatches([0x20...0x7E, 0xA0...0x24F, 0x300...0x36F, 0x2000...0x2BFF, 0x3000...0x30FF,
                                0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF])
        XCTAssertTrue(m.isEmpty, "\(m.count) mismatches: \(m.prefix(40))")
    }

    func testAgreesOnEmoji() throws {
        let m = try mismatches([0x1F300...0x1F6FF, 0x1F900...0x1FAFF])
        XCTAssertTrue(m.isEmpty, "\(m.count) mismatches: \(m.prefix(40))")
    }

    /// Every assigned code point up to plane 3 (measured against glibc 2.36 here: 0 mismatches).
    func testAgreesOnEveryAssignedCodePoint() throws {
        let m = try mismatches([0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x3FFFD])
        XCTAssertTrue(m.isEmpty, "\(m.count) mismatches: \(m.prefix(40))")
    }
}
