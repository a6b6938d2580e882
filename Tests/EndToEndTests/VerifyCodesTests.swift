import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `oversight verify --codes`: the completion codes participants reported anchor the logs'
/// hash chains, so a log rewritten with every `prev` recomputed is caught.
final class VerifyCodesTests: FixtureTestCase {
    private let block = StudyFixture.block("unaided", bank: "mmlu", questions: 1)

    /// A finished log as the app writes it: the code derives from the hash of the record
    /// before `session_end` (see SessionEndTests for the app itself). Returns the code.
    @discardableResult
    private func finishedLog(study: String, participant: String, choice: Int, secret: StudySecret? = nil,
                             finished: Bool = true) throws -> String {
        let writer = try SessionLogWriter.create(at: fixture.logURL(study: study, participant: participant))
        defer { writer.close() }
        try writer.append(.sessionStart(SessionStart(
            studyID: study, studyHash: "", questionsHash: "", seed: 11, appVersion: "test", participant: participant,
            sessionID: "session-\(participant)", feedback: false, confidence: Study.defaultConfidence, blocks: [],
            assistantProvider: "simulated", assistantModel: nil)), monoMs: 0)
        try writer.append(.submitted(Submission(block: 0, index: 0, questionID: "mmlu/astronomy/val/1", task: .mmlu,
                                                subject: "astronomy", condition: .unaided, choice: choice, confidence: 60,
                                                gold: 0, correct: choice == 0, timedOut: false, elapsedMs: 4_000)),
                          monoMs: 4_000)
        guard finished else { return "" }
        let code = CompletionCode.make(studyID: study, participant: participant, finalHash: writer.lastHash, secret: secret)
        try writer.append(.sessionEnd(completionCode: code), monoMs: 4_100)
        return code
    }

    private func codesFile(_ rows: [(String, String)]) throws -> String {
        let url = fixture.dir.appendingPathComponent("codes-\(UUID().uuidString.prefix(6)).csv")
        let text = "participant,code,finished_at\n" + rows.map { "\($0.0),\($0.1),2026-12-01" }.joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Recompute every `prev` after an edit, as a careful forger would.
    private func rechain(_ url: URL, edit: (inout [String]) -> Void) throws {
        var lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        edit(&lines)
        var prev = LogRecord.genesis
        for i in lines.indices {
            if let r = lines[i].range(of: #""prev":"[0-9a-f]{64}""#, options: .regularExpression) {
                lines[i].replaceSubrange(r, with: "\"prev\":\"\(prev)\"")
            }
            prev = SHA256.hex(lines[i])
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    func testForgedChainVerifiesButNotAgainstTheReportedCode() throws {
        let c1 = try finishedLog(study: "e2e-codes", participant: "p1", choice: 2)
        let c2 = try finishedLog(study: "e2e-codes", participant: "p2", choice: 0)
        try finishedLog(study: "e2e-codes", participant: "p3", choice: 1, finished: false)
        let folder = fixture.sessions.appendingPathComponent("e2e-codes").path
        let codes = try codesFile([("p1", c1), ("p2", c2.uppercased())])

        let sound = try fixture.runApp(["verify", "--codes", codes, folder])
        XCTAssertEqual(sound.status, 0, sound.stdout + sound.stderr)
        XCTAssertTrue(sound.stdout.contains("every code matches a finished log (2 finished log(s))"), sound.stdout)

        // p1's wrong answer made right, every prev recomputed: the chain alone says OK.
        let p1 = fixture.logURL(study: "e2e-codes", participant: "p1")
        try rechain(p1) { lines in
            for i in lines.indices where lines[i].contains("\"type\":\"submitted\"") {
                lines[i] = lines[i].replacingOccurrences(of: "\"choice\":2", with: "\"choice\":0")
                    .replacingOccurrences(of: "\"correct\":false", with: "\"correct\":true")
            }
        }
        let chainOnly = try fixture.runApp(["verify", folder])
        XCTAssertEqual(chainOnly.status, 0, chainOnly.stdout)
        XCTAssertTrue(chainOnly.stdout.contains("\(p1.path): OK, 3 records, finished"), chainOnly.stdout)

        let checked = try fixture.runApp(["verify", "--codes", codes, folder])
        XCTAssertEqual(checked.status, 1, checked.stdout + checked.stderr)
        XCTAssertTrue(checked.stdout.contains("\(p1.path): the final hash does not match the code participant p1 reported, \(c1) (\(codes):2)"),
                      checked.stdout)
        XCTAssertFalse(checked.stdout.contains("p2.jsonl: the final hash"), checked.stdout)
    }

    func testMissingAndUnknownCodesAreReported() throws {
        let c1 = try finishedLog(study: "e2e-codes", participant: "p1", choice: 0)
        try finishedLog(study: "e2e-codes", participant: "p2", choice: 0)
        try finishedLog(study: "e2e-codes", participant: "p3", choice: 0, finished: false)
        let folder = fixture.sessions.appendingPathComponent("e2e-codes").path
        let codes = try codesFile([("p1", c1), ("p3", "0123456789ab"), ("p9", "ba9876543210")])
        let r = try fixture.runApp(["verify", "--codes", codes, folder])
        XCTAssertEqual(r.status, 1)
        let p2 = fixture.logURL(study: "e2e-codes", participant: "p2").path
        XCTAssertTrue(r.stdout.contains("\(p2): finished, but participant p2 reported no completion code"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\(codes):3: participant p3 reported code 0123456789ab, but has no finished log here"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\(codes):4: participant p9 reported code ba9876543210, but has no finished log here"), r.stdout)
        XCTAssertFalse(r.stdout.contains("p1.jsonl: the final hash"), r.stdout)

        let bad = fixture.dir.appendingPathComponent("bad.csv")
        try "who,code\np1,abc\n".write(to: bad, atomically: true, encoding: .utf8)
        let b = try fixture.runApp(["verify", "--codes", bad.path, folder])
        XCTAssertEqual(b.status, 2)
        XCTAssertEqual(b.stderr, "\(bad.path):1: the header must name the columns participant and code\n")
    }

    func testKeyedCodesAreCheckedWithTheStudySecret() throws {
        let name = "OVERSIGHT_E2E_SECRET_\(getpid())"
        let value = "a-study-secret-for-the-e2e-test"
        let secret = try XCTUnwrap(StudySecret(value))
        let study = try fixture.writeStudy(name: "keyed.toml", id: "e2e-keyed", blocks: block)
        let text = try String(contentsOfFile: study, encoding: .utf8)
            .replacingOccurrences(of: "seed = 11", with: "seed = 11\nsecret_env = \"\(name)\"")
        try text.write(toFile: study, atomically: true, encoding: .utf8)
        let c1 = try finishedLog(study: "e2e-keyed", participant: "p1", choice: 1, secret: secret)
        let folder = fixture.sessions.appendingPathComponent("e2e-keyed").path
        let codes = try codesFile([("p1", c1)])

        setenv(name, value, 1)
        defer { unsetenv(name) }
        let ok = try fixture.runApp(["verify", "--codes", codes, "--study", study, folder])
        XCTAssertEqual(ok.status, 0, ok.stdout + ok.stderr)

        // Whoever lacks the secret can only make unkeyed codes: they do not match.
        let unkeyed = try fixture.runApp(["verify", "--codes", codes, folder])
        XCTAssertEqual(unkeyed.status, 1)
        XCTAssertTrue(unkeyed.stdout.contains("give --study and set the variable it names"), unkeyed.stdout)

        setenv(name, "another-secret-of-enough-length", 1)
        let wrong = try fixture.runApp(["verify", "--codes", codes, "--study", study, folder])
        XCTAssertEqual(wrong.status, 1)

        unsetenv(name)
        let missing = try fixture.runApp(["verify", "--codes", codes, "--study", study, folder])
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "\(study): [study] secret_env names \(name), which is not set in the environment\n")
        for out in [ok, unkeyed, wrong, missing] {
            XCTAssertFalse((out.stdout + out.stderr).contains(value), "the secret never reaches the output")
        }
    }
}
