import Foundation
import XCTest
@testable import OversightCore

/// Every broken fixture must fail the whole load with exact `PATH:LINE: message` lines, even
/// when the file also holds good records.
final class BankMalformedInputTests: XCTestCase {
    /// Assert the exact error lines for one fixture (paths relative to the fixture folder).
    private func assertErrors(_ name: String, _ expected: [String],
                              file: StaticString = #filePath, line: UInt = #line) {
        let path = BankPaths.fixture(name)
        let got = loadErrors([path], file: file, line: line)
        let want = expected.map { path + $0 }
        XCTAssertEqual(got, want, file: file, line: line)
    }

    func testAnswerNotAToD() {
        assertErrors("bad_answer_val.csv", [
            ":2: answer must be one of A, B, C, D (found \"E\")",
            ":4: answer must be one of A, B, C, D (found \"a\")",
        ])
    }

    func testWrongColumnCount() {
        assertErrors("wrong_columns_val.csv", [
            ":2: expected 6 fields (question,A,B,C,D,answer), found 5",
            ":4: expected 6 fields (question,A,B,C,D,answer), found 7",
        ])
    }

    func testEmptyQuestionCSV() {
        assertErrors("empty_question_val.csv", [":2: empty question"])
    }

    func testEmptyOption() {
        assertErrors("empty_option_val.csv", [":2: empty option B"])
    }

    func testUnterminatedQuote() {
        assertErrors("unterminated_quote_val.csv", [":3: unterminated quoted field"])
    }

    func testNotUTF8CSV() {
        assertErrors("not_utf8_val.csv", [":2: not valid UTF-8 text"])
    }

    func testEmptyFile() {
        assertErrors("empty_val.csv", [": empty file: no questions"])
    }

    func testBlankOnlyFile() {
        assertErrors("blank_only_val.csv", [": empty file: no questions"])
    }

    func testTextAfterClosingQuote() {
        assertErrors("stray_quote_val.csv", [
            ":2: unexpected text after a closing quote (a quote inside a quoted field must be doubled)",
        ])
    }

    func testMultilineRecordReportsItsStartLine() {
        // Record 1 spans lines 1-2, record 3 spans lines 4-5 and is bad.
        assertErrors("multiline_val.csv", [":4: answer must be one of A, B, C, D (found \"Z\")"])
    }

    func testCRLFLineNumbers() {
        assertErrors("crlf_val.csv", [":3: answer must be one of A, B, C, D (found \"\")"])
    }

    func testInvalidJSON() {
        let got = loadErrors([BankPaths.fixture("invalid_json.jsonl")])
        XCTAssertEqual(got.count, 1)
        XCTAssertTrue(got.first?.hasPrefix(BankPaths.fixture("invalid_json.jsonl") + ":2: invalid JSON") ?? false,
                      "\(got)")
    }

    func testMissingField() {
        assertErrors("missing_field.jsonl", [":2: missing field article"])
    }

    func testWrongType() {
        assertErrors("wrong_type.jsonl", [":1: questions[1].gold_label: expected an integer, found \"2\""])
    }

    func testNonIntegerLabels() {
        assertErrors("non_integer_labels.jsonl", [
            ":1: questions[0].gold_label: expected an integer, found 2.5",
            ":1: questions[1].gold_label: expected an integer, found a boolean",
            ":1: questions[2].difficult: expected 0 or 1, found a boolean",
        ])
    }

    func testGoldLabelOutOfRange() {
        assertErrors("gold_range.jsonl", [
            ":1: questions[0].gold_label: must be 1 to 4, found 5",
            ":1: questions[2].gold_label: must be 1 to 4, found 0",
        ])
    }

    func testNotFourOptions() {
        assertErrors("three_options.jsonl", [":1: questions[1].options: expected 4 options, found 3"])
    }

    func testEmptyQuestionJSON() {
        assertErrors("empty_question.jsonl", [":1: questions[0].question: empty question"])
    }

    func testNotUTF8JSON() {
        assertErrors("not_utf8.jsonl", [":2: not valid UTF-8 text"])
    }

    func testConflictingArticleText() {
        let path = BankPaths.fixture("conflicting_article.jsonl")
        assertErrors("conflicting_article.jsonl", [":2: article_id 100: title or text differs from \(path):1"])
    }

    func testDuplicateQuestionIDs() {
        let path = BankPaths.fixture("duplicate_ids.jsonl")
        assertErrors("duplicate_ids.jsonl", [":2: duplicate question id 100_W1_2 (also at \(path):1)"])
    }

    func testJSONArrayIsRejected() {
        assertErrors("json_array.json", [
            ":1: a JSON array is not a task bank: expected one JSON object per line (QuALITY) or CSV rows (MMLU)",
        ])
    }

    func testPrettyPrintedJSONDocument() {
        assertErrors("pretty.json", [
            ":1: one JSON document over several lines: expected one question set per line (JSON lines)",
        ])
    }

    func testDifficultFlagMustBeZeroOrOne() {
        assertErrors("bad_difficult.jsonl", [":1: questions[1].difficult: expected 0 or 1, found 3"])
    }

    func testQuestionsWrongShape() {
        assertErrors("not_object_questions.jsonl", [
            ":1: questions: expected a list, found a string",
            ":2: questions[1]: expected an object, found a number",
        ])
    }

    func testMissingPath() {
        let path = BankPaths.fixture("does-not-exist")
        XCTAssertEqual(loadErrors([path]), ["\(path): no such file or folder"])
    }

    func testUnreadableFile() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/locked_val.csv"
        try "Q,a,b,c,d,A\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
        if FileManager.default.isReadableFile(atPath: path) {
            throw XCTSkip("running with privileges that read any file")
        }
        let got = loadErrors([path])
        XCTAssertEqual(got.count, 1)
        XCTAssertTrue(got.first?.hasPrefix("\(path): cannot read file") ?? false, "\(got)")
    }

    func testFolderWithoutDataFiles() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "notes".write(toFile: dir + "/README.md", atomically: true, encoding: .utf8)
        XCTAssertEqual(loadErrors([dir]), ["\(dir): folder holds no .csv, .jsonl or .json files"])
    }

    /// Every bad fixture together: each one's problems are all listed, none is dropped, and
    /// the good records in those files do not come back.
    func testAllBrokenFixturesReportEveryFile() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: BankPaths.fixtures)
            .filter { !$0.hasPrefix(".") && $0 != "good" }.sorted()
        XCTAssertGreaterThanOrEqual(names.count, 15)
        let paths = names.map(BankPaths.fixture)
        let got = loadErrors(paths)
        for p in paths {
            XCTAssertTrue(got.contains { $0.hasPrefix(p + ":") }, "no error reported for \(p)")
        }
    }

    /// The same bad file through the folder loader: still fails (good records are not returned).
    func testFolderWithOneBadFileFailsAsAWhole() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "Good one?,a,b,c,d,A\n".write(toFile: dir + "/a_val.csv", atomically: true, encoding: .utf8)
        try "Bad one?,a,b,c,d,F\nFine?,a,b,c,d,B\n".write(toFile: dir + "/b_val.csv", atomically: true, encoding: .utf8)
        XCTAssertEqual(loadErrors([dir]), ["\(dir)/b_val.csv:1: answer must be one of A, B, C, D (found \"F\")"])
    }
}
