import OversightCore
import XCTest

/// The policy file: values read, every problem `FILE:LINE: message`.
final class PolicyTests: XCTestCase {
    func testDefaultsAndValuesRead() throws {
        let p = try SimulationPolicyLoader.parse(text: """
            [unaided]
            mmlu = 0.6
            ability_sd = 0

            [chat]
            ask = 1
            max_messages = 2
            messages = ["Is ({letter}) right?"]
            adopt = 0.25

            [confidence]
            correct = [0, 0, 1, 1, 1]

            [time]
            median_seconds = 30
            chunk_ms = 10
            """, path: "p.toml")
        XCTAssertEqual(p.unaidedAccuracy[.mmlu], 0.6)
        XCTAssertEqual(p.unaidedAccuracy[.quality], 0.49)   // default kept
        XCTAssertEqual(p.abilitySD, 0)
        XCTAssertEqual(p.askProbability, 1)
        XCTAssertEqual(p.maxMessages, 2)
        XCTAssertEqual(p.messages, ["Is ({letter}) right?"])
        XCTAssertEqual(p.adoptProbability, 0.25)
        XCTAssertEqual(p.confidenceCorrect, [0, 0, 1, 1, 1])
        XCTAssertNil(p.confidenceWrong)
        XCTAssertEqual(p.medianSeconds, 30)
        XCTAssertEqual(p.chunkMs, 10)
        XCTAssertEqual(p.lines["confidence.correct"], 12)
        XCTAssertNil(p.problem(withScale: [25, 42, 60, 80, 100]))
        let mismatch = try XCTUnwrap(p.problem(withScale: [50, 100]))
        XCTAssertEqual(mismatch.description,
                       "p.toml:12: confidence.correct has 5 weight(s) but the study's confidence scale has 2 level(s) (50, 100)")
    }

    func testEveryProblemNamesFileAndLine() {
        let text = """
            [unaided]
            mmlu = 1.5
            qualty = 0.5

            [chat]
            ask = "often"
            max_messages = 0
            messages = []

            [confidence]
            wrong = [1, -2, 3]

            [timing]
            median_seconds = 3
            """
        XCTAssertThrowsError(try SimulationPolicyLoader.parse(text: text, path: "bad.toml")) { error in
            let lines = (error as? InputErrors)?.lines() ?? []
            XCTAssertEqual(lines, [
                "bad.toml:2: \"unaided.mmlu\" must be between 0 and 1, not 1.5",
                "bad.toml:3: unknown key \"unaided.qualty\" (did you mean \"quality\"?)",
                "bad.toml:6: \"chat.ask\" must be a number",
                "bad.toml:7: \"chat.max_messages\" must be a whole number between 1 and 20",
                "bad.toml:8: \"chat.messages\" must be a non-empty list of non-empty strings (at most 4000 characters each)",
                "bad.toml:11: \"confidence.wrong\" must hold numbers of 0 or more",
                "bad.toml:13: unknown section \"timing\" (did you mean [time]?); expected [unaided], [chat], [confidence] or [time]",
            ])
        }
    }

    func testInvalidTOMLNamesTheLine() {
        XCTAssertThrowsError(try SimulationPolicyLoader.parse(text: "[chat]\nask = = 1\n", path: "x.toml")) { error in
            let line = (error as? InputErrors)?.lines().first ?? ""
            XCTAssertTrue(line.hasPrefix("x.toml:2: invalid TOML"), line)
        }
    }

    /// The TOML library ends a string at a NUL: a policy template holding one is refused, as in
    /// study files, rather than silently cut.
    func testNulInAStringNamesTheLine() {
        let text = "[chat]\nmessages = [\"Is \\u0000 it?\"]\n"
        XCTAssertThrowsError(try SimulationPolicyLoader.parse(text: text, path: "x.toml")) { error in
            let line = (error as? InputErrors)?.lines().first ?? ""
            XCTAssertTrue(line.hasPrefix("x.toml:2: a string holds a NUL character"), line)
        }
    }

    func testDefaultConfidenceLeansHighWhenRight() {
        let p = SimulationPolicy()
        func mean(_ w: [Double], _ scale: [Double]) -> Double {
            zip(w, scale).reduce(0) { $0 + $1.0 * $1.1 } / w.reduce(0, +)
        }
        let scale: [Double] = [25, 42, 60, 80, 100]
        let right = mean(p.confidenceWeights(correct: true, levels: 5), scale)
        let wrong = mean(p.confidenceWeights(correct: false, levels: 5), scale)
        XCTAssertGreaterThan(right, wrong + 10)
        XCTAssertEqual(right, 70, accuracy: 6)
        XCTAssertEqual(wrong, 50, accuracy: 6)
    }
}
