import CNcursesw
import XCTest
@testable import OversightTUI

final class NcursesKeysTests: XCTestCase {
    private func key(_ c: UInt32) -> Key? { NcursesKeys.key(for: .character(c)) }
    private func code(_ c: Int32) -> Key? { NcursesKeys.key(for: .keyCode(c)) }

    func testPlainAndWideCharacters() {
        XCTAssertEqual(key(0x61), .char("a"))
        XCTAssertEqual(key(0x20), .char(" "))
        XCTAssertEqual(key(0xE9), .char("é"))
        XCTAssertEqual(key(0x65E5), .char("日"))
        XCTAssertEqual(key(0x1F600), .char("😀"))
    }

    func testControlCharacters() {
        XCTAssertEqual(key(13), .enter)
        XCTAssertEqual(key(10), .enter)
        XCTAssertEqual(key(9), .tab)
        XCTAssertEqual(key(27), .escape)
        XCTAssertEqual(key(127), .backspace)
        XCTAssertEqual(key(8), .backspace)
        XCTAssertEqual(key(3), .ctrl("c"))
        XCTAssertEqual(key(18), .ctrl("r"))
        XCTAssertEqual(key(1), .ctrl("a"))
        XCTAssertEqual(key(26), .ctrl("z"))
        XCTAssertNil(key(0))
        XCTAssertNil(key(0x1C))
        XCTAssertNil(key(0x85))
        XCTAssertNil(key(0xD800), "a lone surrogate is not a character")
    }

    func testKeyCodes() {
        XCTAssertEqual(code(Int32(KEY_UP)), .up)
        XCTAssertEqual(code(Int32(KEY_DOWN)), .down)
        XCTAssertEqual(code(Int32(KEY_LEFT)), .left)
        XCTAssertEqual(code(Int32(KEY_RIGHT)), .right)
        XCTAssertEqual(code(Int32(KEY_PPAGE)), .pageUp)
        XCTAssertEqual(code(Int32(KEY_NPAGE)), .pageDown)
        XCTAssertEqual(code(Int32(KEY_HOME)), .home)
        XCTAssertEqual(code(Int32(KEY_END)), .end)
        XCTAssertEqual(code(Int32(KEY_BACKSPACE)), .backspace)
        XCTAssertEqual(code(Int32(KEY_DC)), .delete)
        XCTAssertEqual(code(Int32(KEY_ENTER)), .enter)
        XCTAssertEqual(code(Int32(KEY_BTAB)), .backTab)
        XCTAssertEqual(code(oversight_key_f(1)), .function(1))
        XCTAssertEqual(code(oversight_key_f(4)), .function(4))
        XCTAssertEqual(code(oversight_key_f(12)), .function(12))
        XCTAssertNil(code(oversight_key_f(13)))
        XCTAssertNil(code(Int32(KEY_MOUSE)))
    }

    func testResizeIsReportedSeparately() {
        XCTAssertTrue(NcursesKeys.isResize(.keyCode(Int32(KEY_RESIZE))))
        XCTAssertNil(code(Int32(KEY_RESIZE)))
        XCTAssertFalse(NcursesKeys.isResize(.character(0x61)))
    }

    func testAttributeOnlyPaletteKeepsRolesDistinguishable() {
        let palette = Palette(colors: false)
        let normal = palette.attributes(for: Style(.normal))
        XCTAssertEqual(normal.pair, 0)
        XCTAssertEqual(normal.attr, oversight_a_normal())
        for role in [StyleRole.selected, .highlight, .currentMatch, .danger, .statusBar, .title, .focusBorder] {
            let a = palette.attributes(for: Style(role))
            XCTAssertEqual(a.pair, 0, "\(role) must not use colour under NO_COLOR")
            XCTAssertNotEqual(a.attr, normal.attr, "\(role) must look different from plain text")
        }
        XCTAssertNotEqual(palette.attributes(for: Style(.highlight)).attr,
                          palette.attributes(for: Style(.currentMatch)).attr)
        let boldUnderlined = palette.attributes(for: Style(.normal, bold: true, underline: true))
        XCTAssertEqual(boldUnderlined.attr, oversight_a_bold() | oversight_a_underline())
    }

    func testNoColorEnvironment() {
        XCTAssertTrue(NcursesTerminal.colorDisabled(environment: ["NO_COLOR": "1"]))
        XCTAssertFalse(NcursesTerminal.colorDisabled(environment: ["NO_COLOR": ""]))
        XCTAssertFalse(NcursesTerminal.colorDisabled(environment: [:]))
    }
}
