import XCTest
@testable import OversightCore

/// Completion codes anchor the log's hash chain outside the file; the lock keeps one writer per
/// log; the writer notices a file changed behind its back.
final class CompletionCodeTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-code-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testHMACMatchesRFC4231() {
        // RFC 4231, test cases 2 and 6 (a key longer than the block).
        XCTAssertEqual(SHA256.hexString(CompletionCode.hmacSHA256(key: Array("Jefe".utf8),
                                                                  message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(SHA256.hexString(CompletionCode.hmacSHA256(
            key: [UInt8](repeating: 0xAA, count: 131),
            message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testCodeDependsOnTheFinalHashAndTheSecret() throws {
        let h1 = SHA256.hex("one"), h2 = SHA256.hex("two")
        let secret = try XCTUnwrap(StudySecret("correct horse battery staple"))
        let other = try XCTUnwrap(StudySecret("another secret of some length"))
        let plain = CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: h1, secret: nil)
        XCTAssertEqual(plain.count, CompletionCode.length)
        XCTAssertTrue(plain.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        XCTAssertEqual(plain, CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: h1, secret: nil))
        let codes = [
            plain,
            CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: h2, secret: nil),
            CompletionCode.make(studyID: "pilot", participant: "p02", finalHash: h1, secret: nil),
            CompletionCode.make(studyID: "pilot2", participant: "p01", finalHash: h1, secret: nil),
            CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: h1, secret: secret),
            CompletionCode.make(studyID: "pilot", participant: "p01", finalHash: h1, secret: other),
        ]
        XCTAssertEqual(Set(codes).count, codes.count, "\(codes)")
    }

    func testSecretNeverPrintsAndIsReadFromTheNamedVariable() throws {
        let value = "s3cr3t-value-that-is-long-enough"
        var study = Study(id: "pilot", seed: 1, feedback: true, confidence: Study.defaultConfidence, instructions: nil,
                          blocks: [], assistant: AssistantConfig(), path: "study.toml", hash: "")
        XCTAssertNil(try StudySecret.load(for: study, environment: ["OVERSIGHT_SECRET": value]), "no secret_env: unkeyed")
        study.secretEnv = "OVERSIGHT_SECRET"
        let secret = try XCTUnwrap(try StudySecret.load(for: study, environment: ["OVERSIGHT_SECRET": value]))
        XCTAssertEqual("\(secret)", "<secret>")
        XCTAssertEqual(String(reflecting: secret), "<secret>")
        XCTAssertThrowsError(try StudySecret.load(for: study, environment: [:])) { e in
            XCTAssertEqual("\(e)", "study.toml: [study] secret_env names OVERSIGHT_SECRET, which is not set in the environment")
        }
        XCTAssertThrowsError(try StudySecret.load(for: study, environment: ["OVERSIGHT_SECRET": "short-s3cr3t"])) { e in
            XCTAssertTrue("\(e)".contains("shorter than 16 characters"), "\(e)")
            XCTAssertFalse("\(e)".contains("short-s3cr3t"), "the value never reaches a message")
        }
    }

    func testStudyFileNamesTheSecretVariable() throws {
        let url = dir.appendingPathComponent("study.toml")
        let bank = dir.appendingPathComponent("bank")
        try FileManager.default.createDirectory(at: bank, withIntermediateDirectories: true)
        func load(_ secretLine: String) throws -> Study {
            try "[study]\nid = \"s\"\n\(secretLine)\n\n[[blocks]]\ncondition = \"unaided\"\nbank = \"bank\"\nquestions = 1\n"
                .write(to: url, atomically: true, encoding: .utf8)
            return try StudyLoader.load(path: url.path)
        }
        XCTAssertEqual(try load("secret_env = \"OVERSIGHT_SECRET\"").secretEnv, "OVERSIGHT_SECRET")
        XCTAssertNil(try load("").secretEnv)
        XCTAssertThrowsError(try load("secret_env = \"my secret value\"")) { e in
            XCTAssertEqual("\(e)", "\(url.path):3: \"study.secret_env\" must be the NAME of an environment variable (not the secret itself)")
        }
    }

    func testLockIsExclusiveAndGoesWithItsHolder() throws {
        let log = dir.appendingPathComponent("sub/p01.jsonl")
        let first = try FileLock.acquire(for: log)
        XCTAssertEqual(first.path, log.path + ".lock")
        XCTAssertFalse(FileManager.default.fileExists(atPath: log.path), "the lock never creates the log")
        XCTAssertThrowsError(try FileLock.acquire(for: log)) { e in
            guard let held = e as? FileLockHeld else { return XCTFail("\(e)") }
            XCTAssertEqual(held.holder, FileLock.thisProcess)
            XCTAssertTrue(held.holder?.hasPrefix("host ") == true && held.holder?.hasSuffix("pid \(getpid())") == true)
        }
        first.release()
        let again = try FileLock.acquire(for: log)
        again.release()
    }

    private func start(_ participant: String) -> SessionStart {
        SessionStart(studyID: "pilot", studyHash: "", questionsHash: "", seed: 1, appVersion: "test",
                     participant: participant, sessionID: "s", feedback: true, confidence: Study.defaultConfidence,
                     blocks: [], assistantProvider: "simulated", assistantModel: nil)
    }

    func testWriterNoticesAFileChangedBehindItsBack() throws {
        // Untouched, then appended to by someone else.
        let a = dir.appendingPathComponent("a.jsonl")
        let w = try SessionLogWriter.create(at: a)
        try w.append(.sessionStart(start("p01")), monoMs: 0)
        try w.append(.instructionsShown, monoMs: 5)
        XCTAssertNil(w.changedOnDisk())
        let other = try SessionLogWriter.resume(at: a).0
        try other.append(.heartbeat, monoMs: 6)
        other.close()
        XCTAssertEqual(w.changedOnDisk(), "the file holds 3 records, this session wrote 2")
        w.close()

        // Rewritten with every prev recomputed: sound chain, but not the records written.
        let b = dir.appendingPathComponent("b.jsonl")
        let wb = try SessionLogWriter.create(at: b)
        try wb.append(.sessionStart(start("p01")), monoMs: 0)
        try wb.append(.instructionsShown, monoMs: 5)
        var lines = try String(contentsOf: b, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] = lines[0].replacingOccurrences(of: "\"participant\":\"p01\"", with: "\"participant\":\"p02\"")
        let prev0 = SHA256.hex(lines[0])
        let r = try XCTUnwrap(lines[1].range(of: #""prev":"[0-9a-f]{64}""#, options: .regularExpression))
        lines[1].replaceSubrange(r, with: "\"prev\":\"\(prev0)\"")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: b)
        XCTAssertTrue(SessionLogReader.read(url: b).issues.isEmpty, "the forged file verifies")
        XCTAssertEqual(wb.changedOnDisk(), "the records on disk are not the ones this session wrote (the hash chain was rewritten)")
        wb.close()
    }
}
