import Foundation
import XCTest

/// A clean build prints no SwiftPM warnings (they used to fill the screen before every demo).
final class BuildWarningsTests: XCTestCase {
    /// SwiftPM plans the whole package (every target, the system library's flags, each
    /// target's files) before building anything, and warns while planning. A fresh scratch
    /// folder makes it a clean build; the cheapest target keeps it short.
    func testCleanBuildPlanPrintsNoWarnings() throws {
        let swift = ["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map { "\($0)/swift" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let swift else { throw XCTSkip("no swift executable on PATH") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("clean-build-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let log = scratch.appendingPathExtension("log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: swift)
        // The system-library target has nothing to compile: planning is all that runs.
        p.arguments = ["build", "--package-path", StudyFixture.packageRoot.path, "--scratch-path", scratch.path,
                       "--target", "CNcursesw"]
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try handle.close()
        let output = try String(contentsOf: log, encoding: .utf8)
        guard output.contains("Building for") || output.contains("Compiling") || output.contains("Build complete") else {
            throw XCTSkip("swift build did not get to planning (no package cache offline?): \(output.suffix(500))")
        }
        let warnings = output.split(separator: "\n").filter { $0.lowercased().contains("warning:") }
        XCTAssertEqual(warnings, [], output)
    }
}
