import XCTest
@testable import OversightCore

final class StudyLoaderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bank"), withIntermediateDirectories: true)
        try "Read carefully.\n".write(to: dir.appendingPathComponent("instructions.md"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func load(_ text: String) throws -> Study {
        let url = dir.appendingPathComponent("study.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try StudyLoader.load(path: url.path)
    }

    /// The error lines for a study text, without the path prefix.
    func errors(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try load(text)
            XCTFail("expected the study to be rejected", file: file, line: line)
            return []
        } catch let e as InputErrors {
            let prefix = dir.appendingPathComponent("study.toml").path + ":"
            for err in e.errors { XCTAssertTrue(err.description.hasPrefix(prefix), err.description, file: file, line: line) }
            return e.errors.map { String($0.description.dropFirst(prefix.count)) }
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return []
        }
    }

    let full = """
        [study]
        id = "pilot-1"
        seed = 7
        feedback = false
        confidence = [25, 42, 60, 80, 100]
        instructions = "instructions.md"

        [[blocks]]
        condition = "assisted"
        bank = "bank"
        questions = 10
        time_limit_seconds = 300
        hard_only = true

        [[blocks]]
        condition = "unaided"
        bank = "bank"
        questions = 5
        subjects = ["astronomy", "virology"]
        split = "val"

        [assistant]
        provider = "openai"
        model = "qwen"
        base_url = "http://127.0.0.1:8080"
        api_key_env = "MY_KEY"
        temperature = 0.2
        max_tokens = 512
        system_prompt = "Be brief."
        timeout_seconds = 30
        send_question = true
        """

    func testFullStudy() throws {
        let s = try load(full)
        XCTAssertEqual(s.id, "pilot-1")
        XCTAssertEqual(s.seed, 7)
        XCTAssertFalse(s.feedback)
        XCTAssertEqual(s.confidence, [25, 42, 60, 80, 100])
        XCTAssertEqual(s.instructions, "Read carefully.\n")
        XCTAssertEqual(s.blocks.count, 2)
        XCTAssertEqual(s.blocks[0].condition, .assisted)
        XCTAssertEqual(s.blocks[0].timeLimitSeconds, 300)
        XCTAssertTrue(s.blocks[0].hardOnly)
        XCTAssertEqual(s.blocks[0].line, 8)
        XCTAssertEqual(s.blocks[0].bankPath, dir.appendingPathComponent("bank").standardizedFileURL.path)
        XCTAssertEqual(s.blocks[1].subjects, ["astronomy", "virology"])
        XCTAssertEqual(s.blocks[1].split, "val")
        XCTAssertNil(s.blocks[1].timeLimitSeconds)
        XCTAssertEqual(s.assistant.provider, .openai)
        XCTAssertEqual(s.assistant.apiKeyEnv, "MY_KEY")
        XCTAssertEqual(s.assistant.temperature, 0.2)
        XCTAssertEqual(s.assistant.maxTokens, 512)
        XCTAssertEqual(s.assistant.timeoutSeconds, 30)
        XCTAssertTrue(s.assistant.sendQuestion)
        XCTAssertEqual(s.hash, SHA256.hex(full))
    }

    func testDefaults() throws {
        let s = try load("""
            [study]
            id = "x"
            [[blocks]]
            condition = "unaided"
            bank = "bank"
            questions = 1
            """)
        XCTAssertEqual(s.confidence, Study.defaultConfidence)
        XCTAssertTrue(s.feedback)
        XCTAssertEqual(s.seed, 0)
        XCTAssertNil(s.instructions)
        XCTAssertEqual(s.assistant.provider, .local)
    }

    func testErrorsNameKeyAndLine() {
        XCTAssertEqual(errors("""
            [study]
            id = "bad id!"
            seed = -1
            confidence = [50, 25]

            [[blocks]]
            condition = "helped"
            bank = "missing-folder"
            questions = 0
            time_limit_second = 300

            [assistant]
            provider = "magic"
            api_key_env = "sk-123 secret"
            """), [
                #"2: "study.id" must be 1-64 characters of A-Z, a-z, 0-9, _ or -, not "bad id!""#,
                #"3: "study.seed" must be between 0 and 9223372036854775807, not -1"#,
                #"4: "study.confidence" values must increase"#,
                #"10: unknown key "blocks[1].time_limit_second" (did you mean "time_limit_seconds"?)"#,
                #"7: "blocks[1].condition" must be "assisted", "unaided", "consultancy" or "debate", not "helped""#,
                "8: \"blocks[1].bank\": no file or folder at \(dir.appendingPathComponent("missing-folder").path)",
                #"9: "blocks[1].questions" must be between 1 and 100000, not 0"#,
                #"13: "assistant.provider" must be one of local, simulated, openai, anthropic, not "magic""#,
                #"14: "assistant.api_key_env" must be the NAME of an environment variable (not the key itself)"#,
            ])
    }

    func testMissingPieces() {
        XCTAssertEqual(errors("[[blocks]]\ncondition = \"unaided\"\nbank = \"bank\"\nquestions = 1\n"),
                       errorsNoLine("missing the [study] table"))
        XCTAssertEqual(errors("[study]\nid = \"x\"\n"), errorsNoLine("the study has no [[blocks]]"))
        XCTAssertEqual(errors("[study]\nid = \"x\"\n[[blocks]]\nbank = \"bank\"\n"), [
            #"3: missing required key "blocks[1].condition""#,
            #"3: missing required key "blocks[1].questions""#,
        ])
        XCTAssertEqual(errors("[study]\nid = 3\n[[blocks]]\ncondition = \"unaided\"\nbank = \"bank\"\nquestions = \"ten\"\n"), [
            #"2: "study.id" must be a string"#,
            #"6: "blocks[1].questions" must be a whole number"#,
        ])
    }

    func testInitialAnswerOnlyWithAnAssistant() throws {
        let two = "[study]\nid = \"x\"\n[[blocks]]\ncondition = \"assisted\"\nbank = \"bank\"\nquestions = 1\ninitial_answer = true\n"
        XCTAssertEqual(try load(two).blocks.map(\.initialAnswer), [true])
        XCTAssertEqual(try load(two.replacingOccurrences(of: "initial_answer = true\n", with: "")).blocks.map(\.initialAnswer), [false])
        XCTAssertEqual(errors("[study]\nid = \"x\"\n[[blocks]]\ncondition = \"unaided\"\nbank = \"bank\"\nquestions = 1\ninitial_answer = true\n"), [
            #"7: "blocks[1].initial_answer" needs an assisted block, not "unaided""#,
        ])
        XCTAssertEqual(errors(two.replacingOccurrences(of: "= true", with: "= \"yes\"")), [
            #"7: "blocks[1].initial_answer" must be true or false"#,
        ])
    }

    /// Whole-file errors print as `PATH: message`, so the prefix check leaves a leading space.
    func errorsNoLine(_ message: String) -> [String] { [" " + message] }

    func testInvalidTOMLNamesTheLine() {
        let errs = errors("[study]\nid = \"x\"\nseed = = 3\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertTrue(errs[0].hasPrefix("3: invalid TOML"), errs[0])
    }

    func testUnreadableInstructions() {
        let errs = errors("[study]\nid = \"x\"\ninstructions = \"nope.md\"\n[[blocks]]\ncondition = \"unaided\"\nbank = \"bank\"\nquestions = 1\n")
        XCTAssertEqual(errs.count, 1)
        XCTAssertTrue(errs[0].hasPrefix("3: \"study.instructions\": cannot read"), errs[0])
    }

    func testNotUTF8() throws {
        let url = dir.appendingPathComponent("study.toml")
        try Data([0x5B, 0xFF, 0xFE, 0x5D]).write(to: url)
        XCTAssertThrowsError(try StudyLoader.load(path: url.path)) { e in
            XCTAssertEqual((e as? InputErrors)?.description, "\(url.path): the study file is not UTF-8 text")
        }
    }
}

/// `[study] bonus_per_correct`: a plain number, 0 when absent, errors naming the line.
final class StudyBonusTests: XCTestCase {
    private func load(_ bonusLine: String) throws -> Study {
        try StudyLoader.parse(text: """
            [study]
            id = "x"
            \(bonusLine)
            [[blocks]]
            condition = "unaided"
            bank = "."
            questions = 1
            """, path: "/tmp/bonus-study.toml")
    }

    func testBonusPerCorrect() throws {
        XCTAssertEqual(try load("").bonusPerCorrect, 0)
        XCTAssertEqual(try load("bonus_per_correct = 0.25").bonusPerCorrect, 0.25)
        XCTAssertEqual(try load("bonus_per_correct = 2").bonusPerCorrect, 2)
        for (line, message) in [("bonus_per_correct = \"0.25\"", "3: \"study.bonus_per_correct\" must be a number"),
                                ("bonus_per_correct = -1", "3: \"study.bonus_per_correct\" must be between 0.0 and 1000000.0, not -1.0"),
                                ("bonus_per_corect = 1", "3: unknown key \"study.bonus_per_corect\" (did you mean \"bonus_per_correct\"?)")] {
            XCTAssertThrowsError(try load(line)) { error in
                let lines = (error as? InputErrors)?.errors.map(\.description) ?? []
                XCTAssertEqual(lines, ["/tmp/bonus-study.toml:" + message], line)
            }
        }
    }
}
