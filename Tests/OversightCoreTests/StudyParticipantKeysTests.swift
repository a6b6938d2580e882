import XCTest
@testable import OversightCore

/// `[study] participant_label` and `participant_pattern`: what the id screen asks for.
extension StudyLoaderTests {
    private func withParticipantKeys(_ extra: String) -> String {
        full.replacingOccurrences(of: "seed = 7\n", with: "seed = 7\n" + extra + "\n")
    }

    func testParticipantLabelAndPatternAreRead() throws {
        let s = try load(withParticipantKeys(#"""
            participant_label = "Prolific ID"
            participant_pattern = "^[0-9a-f]{24}$"
            """#))
        XCTAssertEqual(s.participantLabel, "Prolific ID")
        XCTAssertEqual(s.participantPattern, "^[0-9a-f]{24}$")
    }

    func testParticipantKeysAbsentLeaveTheDefaults() throws {
        let s = try load(full)
        XCTAssertNil(s.participantLabel)
        XCTAssertNil(s.participantPattern)
    }

    func testParticipantPatternBadRegexIsBadInputWithItsLine() {
        let errors = errors(withParticipantKeys(#"participant_pattern = "^[0-9a-f{24"#  + "\""))
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors.first?.hasPrefix("4: \"study.participant_pattern\" is not a valid regular expression") ?? false,
                      "\(errors)")
    }

    func testParticipantLabelEmptyOrMultiLineIsBadInput() {
        XCTAssertEqual(errors(withParticipantKeys(#"participant_label = "   ""#)).first?.hasPrefix("4: \"study.participant_label\"") ?? false,
                       true)
        XCTAssertEqual(errors(withParticipantKeys(#"participant_label = "a\nb""#)).first?.hasPrefix("4: \"study.participant_label\"") ?? false,
                       true)
        XCTAssertEqual(errors(withParticipantKeys(#"participant_label = 3"#)).first, #"4: "study.participant_label" must be a string"#)
    }

    func testParticipantKeyMisspelled() {
        let errors = errors(withParticipantKeys(#"participant_patern = "x""#))
        XCTAssertEqual(errors, [#"4: unknown key "study.participant_patern" (did you mean "participant_pattern"?)"#])
    }
}
