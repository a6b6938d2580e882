import Foundation
import XCTest
@testable import OversightCore

/// Paths used by the bank tests, derived from this file's location.
enum BankPaths {
    /// The package root (three levels above this file).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let fixtures = root + "/Tests/OversightCoreTests/Fixtures/banks"
    static let shared = (root as NSString).deletingLastPathComponent + "/shared"
    static let tasks = root + "/Tasks"

    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    /// A folder under /tmp for one test, removed by the caller.
    static func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "oversight-banks-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Load and return the error lines, failing the test when the load succeeds.
func loadErrors(_ paths: [String], file: StaticString = #filePath, line: UInt = #line) -> [String] {
    do {
        let qs = try TaskBank.load(paths: paths)
        XCTFail("expected input errors, loaded \(qs.count) questions", file: file, line: line)
        return []
    } catch let e as InputErrors {
        return e.errors.map(\.description)
    } catch {
        XCTFail("unexpected error type \(error)", file: file, line: line)
        return []
    }
}
