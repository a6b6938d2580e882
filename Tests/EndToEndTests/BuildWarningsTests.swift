import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A clean build prints no SwiftPM warnings (they used to fill the screen before every demo
/// and test run: "prohibited flag(s)" from pkg-config, "found 15 file(s) which are unhandled").
final class BuildWarningsTests: XCTestCase {
    /// SwiftPM plans the targets of a build (the system library's flags, each target's files)
    /// before compiling anything, and warns while planning. A fresh scratch folder makes it a
    /// clean build; the build of a test target (which pulls in every library) is stopped as soon
    /// as compiling starts.
    func testCleanBuildPlanPrintsNoWarnings() throws {
        let swift = ["/opt/swift/usr/bin/swift", "/usr/bin/swift"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map { "\($0)/swift" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let swift else { throw XCTSkip("no swift executable on PATH") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("clean-build-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Twice: SwiftPM names unhandled files only once the dependencies are checked out.
        var outputs: [String] = []
        for _ in 0..<2 {
            outputs.append(try plan(swift: swift, target: "OversightTUITests", scratch: scratch))
        }
        for output in outputs {
            let warnings = output.split(separator: "\n").filter { $0.lowercased().contains("warning:") }
            XCTAssertEqual(warnings, [], output)
        }
    }

    /// The output of `swift build --target T` in `scratch`, up to "Building for".
    private func plan(swift: String, target: String, scratch: URL) throws -> String {
        let log = scratch.deletingLastPathComponent().appendingPathComponent("\(scratch.lastPathComponent)-\(UUID().uuidString.prefix(4)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: swift)
        p.arguments = ["build", "--package-path", StudyFixture.packageRoot.path, "--scratch-path", scratch.path,
                       "--target", target]
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        var output = ""
        let deadline = Date().addingTimeInterval(300)
        while p.isRunning && Date() < deadline {
            output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if output.contains("Building for") { break }
            usleep(100_000)
        }
        if p.isRunning {
            // Planning is done: stop the build (SIGINT lets SwiftPM stop its compilers too).
            kill(p.processIdentifier, SIGINT)
            let stop = Date().addingTimeInterval(60)
            while p.isRunning && Date() < stop { usleep(100_000) }
            if p.isRunning { p.terminate() }
        }
        p.waitUntilExit()
        try handle.close()
        output = try String(contentsOf: log, encoding: .utf8)
        guard output.contains("Building for") else {
            throw XCTSkip("swift build did not get to planning (no package cache offline?): \(output.suffix(500))")
        }
        return output
    }
}
