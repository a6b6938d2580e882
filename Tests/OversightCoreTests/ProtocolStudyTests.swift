import XCTest
@testable import OversightCore

/// Study-file keys of the consultancy and debate blocks and the `[roles]` table.
final class ProtocolStudyTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-protocol-study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bank"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func load(_ text: String) throws -> Study {
        let url = dir.appendingPathComponent("study.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try StudyLoader.load(path: url.path)
    }

    func errors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try load(text)
            XCTFail("expected the study to be rejected", file: file, line: line)
            return []
        } catch let e as InputErrors {
            let prefix = dir.appendingPathComponent("study.toml").path + ":"
            return e.errors.map { String($0.description.dropFirst(prefix.count)) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    func study(_ blocks: String, extra: String = "") -> String {
        "[study]\nid = \"s\"\nseed = 3\n\n" + blocks + "\n" + extra
    }

    func testProtocolBlocksGetTheirDefaultsAndTheirKeys() throws {
        let s = try load(study("""
            [[blocks]]
            condition = "consultancy"
            bank = "bank"
            questions = 4

            [[blocks]]
            condition = "debate"
            bank = "bank"
            questions = 4
            show_passage = false
            max_rounds = 5
            min_rounds = 2
            max_chars = 600
            max_quote_chars = 120
            show_score = true

            [[blocks]]
            condition = "consultancy"
            bank = "bank"
            questions = 2
            options = 2

            [[blocks]]
            condition = "unaided"
            bank = "bank"
            questions = 2
            """))
        XCTAssertEqual(s.blocks.map(\.condition), [.consultancy, .debate, .consultancy, .unaided])
        XCTAssertEqual(s.blocks[0].protocolSettings, ProtocolSettings(options: 4, maxChars: 1500))
        XCTAssertEqual(s.blocks[1].protocolSettings,
                       ProtocolSettings(options: 2, showPassage: false, maxRounds: 5, minRounds: 2, maxChars: 600,
                                        maxQuoteChars: 120, showScore: true))
        XCTAssertEqual(s.blocks[2].protocolSettings?.options, 2)
        XCTAssertNil(s.blocks[3].protocolSettings)
        XCTAssertEqual(s.roleInstructions, RoleInstructions())
        // What `oversight study check` prints per protocol block.
        XCTAssertEqual(s.blocks[1].protocolSettings?.summary,
                       "2 options shown, passage hidden, rounds 2-5, speeches up to 600 characters with up to 120 quoted, score shown")
    }

    func testEachBadProtocolKeyIsOneLineNamingLineAndKey() {
        let e = errors(study("""
            [[blocks]]
            condition = "assisted"
            bank = "bank"
            questions = 4
            max_rounds = 2

            [[blocks]]
            condition = "debate"
            bank = "bank"
            questions = 4
            options = 4
            min_rounds = 4

            [[blocks]]
            condition = "consultancy"
            bank = "bank"
            questions = 4
            options = 3
            max_chars = 10
            show_passage = "no"

            [[blocks]]
            condition = "judging"
            bank = "bank"
            questions = 1
            """))
        XCTAssertEqual(e.count, 7, e.joined(separator: "\n"))
        XCTAssertEqual(Set(e), [
            "9: \"blocks[1].max_rounds\" applies only to consultancy and debate blocks, not to a \"assisted\" block",
            "15: \"blocks[2].options\" must be 2 in a debate block (the gold and one distractor), not 4",
            "16: \"blocks[2].min_rounds\" (4) must not exceed max_rounds (3)",
            "22: \"blocks[3].options\" must be 2 or 4, not 3",
            "24: \"blocks[3].show_passage\" must be true or false",
            "23: \"blocks[3].max_chars\" must be between 100 and 20000, not 10",
            "27: \"blocks[4].condition\" must be \"assisted\", \"unaided\", \"consultancy\" or \"debate\", not \"judging\"",
        ])
    }

    func testRolesTableReplacesTheDefaultTexts() throws {
        let block = """
            [[blocks]]
            condition = "debate"
            bank = "bank"
            questions = 1
            """
        let s = try load(study(block, extra: "[roles]\ndebater = \"  Argue well.  \"\n"))
        XCTAssertEqual(s.roleInstructions.debater, "Argue well.")
        XCTAssertEqual(s.roleInstructions.consultant, RoleInstructions.defaultConsultant)
        XCTAssertEqual(errors(study(block, extra: "[roles]\njudge = \" \"\nconsultnt = \"x\"\n")), [
            "11: unknown key \"roles.consultnt\" (did you mean \"consultant\"?)",
            "10: \"roles.judge\" must not be empty (leave it out for the default)",
        ])
    }
}
