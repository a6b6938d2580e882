import CNcursesw
import XCTest
@testable import OversightTUI

final class PaletteTests: XCTestCase {
    /// sRGB of an xterm 256-colour cube index (16...231).
    private func rgb(_ index: Int16) -> (Double, Double, Double) {
        let levels: [Double] = [0, 95, 135, 175, 215, 255]
        let i = Int(index) - 16
        return (levels[i / 36], levels[(i / 6) % 6], levels[i % 6])
    }

    /// WCAG relative luminance.
    private func luminance(_ c: (Double, Double, Double)) -> Double {
        func lin(_ v: Double) -> Double {
            let s = v / 255
            return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
    }

    private func contrast(_ a: Double, _ b: Double) -> Double { (max(a, b) + 0.05) / (min(a, b) + 0.05) }

    func testTextColoursReadOnDarkAndLightBackgrounds() {
        let fg = Palette.foregrounds(colorCount: 256)
        for index in [fg.accent, fg.assistant, fg.success] {
            XCTAssertTrue((16...231).contains(index), "\(index)")
            let l = luminance(rgb(index))
            XCTAssertGreaterThanOrEqual(contrast(l, 0), 4.0, "colour \(index) on black")
            XCTAssertGreaterThanOrEqual(contrast(l, 1), 4.0, "colour \(index) on white")
        }
        XCTAssertEqual(Set([fg.accent, fg.assistant, fg.success]).count, 3)
    }

    func testEightColourTerminalsKeepTheBasicColours() {
        XCTAssertEqual(Palette.foregrounds(colorCount: 8),
                       Palette.Foregrounds(accent: Int16(COLOR_CYAN), assistant: Int16(COLOR_MAGENTA),
                                           success: Int16(COLOR_GREEN)))
    }
}
