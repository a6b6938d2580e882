import XCTest
@testable import OversightCore
#if canImport(Glibc)
import Glibc
#endif

/// Messages about bad input: plain key names, no NUL smuggled through, no raw control
/// characters, a bounded number of lines, and files that are not regular files.
final class InputMessageTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bank"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func study(id: String = "\"pilot\"", extra: String = "") -> String {
        """
        \(extra)
        [study]
        id = \(id)
        seed = 1

        [[blocks]]
        condition = "unaided"
        bank = "bank"
        questions = 1
        """
    }

    func problems(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        let url = dir.appendingPathComponent("s.toml")
        do {
            try text.write(to: url, atomically: true, encoding: .utf8)
            _ = try StudyLoader.load(path: url.path)
            XCTFail("accepted:\n\(text)", file: file, line: line)
        } catch let e as InputErrors {
            return e.errors.map(\.description)
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        return []
    }

    func testUnknownTopLevelKeyIsNamedWithoutADot() {
        let p = problems(study(extra: "foo = 1"))
        XCTAssertEqual(p.count, 1)
        XCTAssertTrue(p[0].hasSuffix(":1: unknown key \"foo\""), p[0])
    }

    func testNulInAStringIsRefusedWithItsLine() {
        let p = problems(study(id: #""ab\u0000cd""#))
        XCTAssertEqual(p.count, 1, "\(p)")
        XCTAssertTrue(p.first?.contains("s.toml:3: a string holds a NUL character") ?? false, "\(p)")
        XCTAssertFalse(problems(study(id: #""ab\U00000000""#)).isEmpty)
        // Not a NUL: an escaped backslash, a literal string, a comment.
        let url = dir.appendingPathComponent("ok.toml")
        for fine in [#""a\\u0000b""#, #"'a\u0000b'"#, "\"ab\" # \\u0000"] {
            XCTAssertEqual(TOMLNulScanner.linesWithNul(study(id: fine)), [], fine)
        }
        XCTAssertEqual(TOMLNulScanner.linesWithNul("x = \"\"\"\nline \\\n  \\u0000\"\"\"\n"), [3], "multi-line strings")
        _ = url
    }

    func testControlCharactersInIdsAreEscaped() {
        let p = problems(study(id: #""red\u001B[31mX\tY""#))
        XCTAssertEqual(p.count, 1, "\(p)")
        XCTAssertTrue(p[0].contains(#"not "red\u{1B}[31mX\tY""#), p[0])
        XCTAssertFalse(p[0].unicodeScalars.contains { $0.properties.generalCategory == .control }, p[0])
        XCTAssertEqual(Printable.escaped("a\u{0}b\nc\u{7F}\u{9B}é"), #"a\0b\nc\u{7F}\u{9B}é"#)
    }

    func testAtMostTwentyProblemsPerFile() {
        let many = (1...25).map { InputError(path: "a.csv", line: $0, "bad row") }
        let few = (1...3).map { InputError(path: "b.csv", line: $0, "bad row") }
        let lines = InputErrors(many + few).lines()
        XCTAssertEqual(lines.count, 20 + 3 + 1)
        XCTAssertEqual(lines[19], "a.csv:20: bad row")
        XCTAssertEqual(lines[20], "b.csv:1: bad row")
        XCTAssertEqual(lines.last, "a.csv: … and 5 more problems")
        XCTAssertEqual(InputErrors(few).lines().count, 3)
    }

    func testBrokenTaskFileListsEveryProblemButPrintsTwenty() throws {
        let url = dir.appendingPathComponent("bank/broken_val.csv")
        try String(repeating: "only,two\n", count: 5_000).write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try TaskBank.load(path: url.path)
            XCTFail("accepted")
        } catch let e as InputErrors {
            XCTAssertGreaterThan(e.errors.count, 1_000)
            let lines = e.lines()
            XCTAssertEqual(lines.count, 21)
            XCTAssertEqual(lines.last, "\(url.path): … and \(e.errors.count - 20) more problems")
        }
    }

    func testFIFOAndDeviceAreNotRegularFiles() throws {
        let fifo = dir.appendingPathComponent("bank.csv").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let (files, errors) = TaskBank.dataFiles(at: fifo)
        XCTAssertEqual(files, [], "a FIFO is never opened (that would block)")
        XCTAssertEqual(errors.map(\.description), ["\(fifo): not a regular file (a FIFO (named pipe))"])
        // One inside a folder is reported too.
        try FileManager.default.moveItem(atPath: fifo, toPath: dir.appendingPathComponent("bank/pipe.csv").path)
        let inFolder = TaskBank.dataFiles(at: dir.appendingPathComponent("bank").path)
        XCTAssertEqual(inFolder.errors.first?.message, "not a regular file (a FIFO (named pipe))")
        do {
            _ = try TaskBank.load(path: "/dev/null")
            XCTFail("accepted /dev/null")
        } catch let e as InputErrors {
            XCTAssertEqual(e.errors.map(\.description), ["/dev/null: not a regular file (a character device)"])
        }
        let p = problems(study(id: "\"pilot\"\ninstructions = \"/dev/null\""))
        XCTAssertTrue(p.first?.hasSuffix("\"study.instructions\": /dev/null: not a regular file (a character device)") ?? false, "\(p)")
        XCTAssertThrowsError(try StudyLoader.load(path: "/dev/null")) { error in
            XCTAssertEqual((error as? InputErrors)?.errors.first?.message, "not a regular file (a character device)")
        }
    }
}
