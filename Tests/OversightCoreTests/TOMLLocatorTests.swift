import XCTest
@testable import OversightCore

/// The key-line finder behind `FILE:LINE` in study errors is a heuristic over the text; these
/// are the multi-line layouts it must not be misled by.
final class TOMLLocatorTests: XCTestCase {
    func testMultiLineStringsHideHeadersAndKeys() {
        let text = #"""
            [study]
            id = "x"
            note = """
            [assistant]
            provider = "in a string"
            a \""" quote = and an escaped delimiter
            """
            seed = 1
            other = '''
            [[blocks]]
            questions = 9'''
            feedback = true

            [assistant]
            provider = "magic"
            """#
        let t = TOMLLocator(text: text)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "seed"), 8)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "feedback"), 12)
        // Not keys: looked up, they give the table's header line.
        XCTAssertEqual(t.line(section: "study", index: nil, key: "a \\"), 1)
        XCTAssertEqual(t.line(section: "assistant", index: nil, key: nil), 14)
        XCTAssertEqual(t.line(section: "assistant", index: nil, key: "provider"), 15)
        XCTAssertNil(t.line(section: "blocks", index: 0, key: "questions"))
    }

    func testMultiLineArraysHideBracketLines() {
        let text = """
            [study]
            confidence = [
              25, # low = unsure
              [50],
              "]", 60,
            ]
            seed = 3
            [[blocks]]
            subjects = ["a",
              "b = c"]
            questions = 1
            """
        let t = TOMLLocator(text: text)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "confidence"), 2)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "seed"), 7)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "25, # low"), 1, "not a key: the header")
        XCTAssertNil(t.line(section: "50", index: nil, key: nil))
        XCTAssertEqual(t.line(section: "blocks", index: 0, key: "questions"), 11)
        XCTAssertEqual(t.line(section: "blocks", index: 0, key: "\"b"), 8, "not a key: the header")
    }

    func testInlineTablesCommentsAndRepeatedKeys() {
        let text = """
            # seed = 99 (a comment with an equals sign)
            [study] # the study
            id = "x" # id = "y"
            # seed = 98
            seed = -1
            assistant = { provider = "magic", model = "a, b = c", "quoted key" = 1 }

            [[blocks]]
            questions = 1
            [[blocks]]
            # questions = 3
            questions = 2
            [other]
            id = "z"
            """
        let t = TOMLLocator(text: text)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "id"), 3)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "seed"), 5)
        XCTAssertEqual(t.line(section: "study.assistant", index: nil, key: "provider"), 6)
        XCTAssertEqual(t.line(section: "study.assistant", index: nil, key: "quoted key"), 6)
        XCTAssertEqual(t.line(section: "study", index: nil, key: "provider"), 2, "inside the inline table only")
        XCTAssertEqual(t.line(section: "blocks", index: 0, key: "questions"), 9)
        XCTAssertEqual(t.line(section: "blocks", index: 1, key: "questions"), 12)
        XCTAssertEqual(t.line(section: "other", index: nil, key: "id"), 14)
    }

    /// Through the loader: errors name the real lines of a study written with these layouts.
    func testStudyErrorsNameTheRightLines() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toml-lines-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bank"), withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("study.toml")
        try #"""
            # seed = 5
            assistant = { provider = "magic" }
            [study]
            id = "pilot"
            secret_note = """
            [assistant]
            provider = "not this one"
            """
            confidence = [
              25,
              [42],
            ]

            [[blocks]]
            condition = "unaided"
            bank = "bank"
            questions = 1

            [[blocks]]
            condition = "helped"
            bank = "bank"
            questions = 1
            """#.write(to: url, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try StudyLoader.load(path: url.path)) { error in
            let errors = (error as? InputErrors)?.errors ?? []
            let expected = ["study.secret_note": 5, "study.confidence": 9, "blocks[2].condition": 20,
                            "assistant.provider": 2]
            XCTAssertEqual(errors.count, expected.count, "\(errors)")
            for (key, line) in expected {
                let e = errors.first { $0.message.contains("\"\(key)\"") }
                XCTAssertEqual(e?.line, line, "\(key): \(errors)")
            }
        }
    }
}
