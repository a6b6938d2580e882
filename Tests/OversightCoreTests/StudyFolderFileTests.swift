import XCTest
@testable import OversightCore

/// One rule for what a file in a study folder is, and the participant ids it reserves.
final class StudyFolderFileTests: XCTestCase {
    func testFilesAreToldApartByName() {
        XCTAssertEqual(StudyFolderFile.kind(of: "p01.jsonl"), .sessionLog)
        XCTAssertEqual(StudyFolderFile.kind(of: "sim-001.jsonl"), .sessionLog)
        XCTAssertEqual(StudyFolderFile.kind(of: "baseline-qwen-likelihood.jsonl"), .baselineResults)
        XCTAssertEqual(StudyFolderFile.kind(of: "stance-model-qwen.jsonl"), .stance)
        XCTAssertEqual(StudyFolderFile.kind(of: "assignments.jsonl"), .assignments)
        XCTAssertEqual(StudyFolderFile.kind(of: "p01.jsonl.lock"), .other)
        XCTAssertEqual(StudyFolderFile.kind(of: ".hidden.jsonl"), .other)
        XCTAssertEqual(StudyFolderFile.kind(of: "notes.txt"), .other)
    }

    func testIdsWhoseLogWouldBeAnotherKindOfFileAreReserved() {
        XCTAssertNil(StudyFolderFile.reservedParticipant("p01"))
        XCTAssertNil(StudyFolderFile.reservedParticipant("baseline"))
        XCTAssertNotNil(StudyFolderFile.reservedParticipant("baseline-1"))
        XCTAssertNotNil(StudyFolderFile.reservedParticipant("stance-a"))
        XCTAssertNotNil(StudyFolderFile.reservedParticipant("assignments"))
    }
}
