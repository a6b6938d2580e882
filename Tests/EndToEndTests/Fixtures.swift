import Foundation
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A temporary study folder for end-to-end runs: small MMLU and QuALITY banks, instructions,
/// study files using the simulated assistant, a sessions folder, and the built app.
final class StudyFixture {
    let dir: URL
    let sessions: URL
    let binary: String

    /// The package root, derived from this file's location.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Locates the built `oversight` binary; fails the test with a clear message when absent.
    static func locateBinary(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let candidates = [".build/debug/oversight", ".build/release/oversight"]
            .map { packageRoot.appendingPathComponent($0).path }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            return found
        }
        XCTFail("the oversight binary was not found (looked for \(candidates.joined(separator: ", "))); "
                + "build it first with `swift build`", file: file, line: line)
        throw XCTSkip("no binary")
    }

    /// Runs the app without a terminal (stdin from /dev/null); returns its exit status and
    /// what it wrote to stdout and stderr (through files, so neither stream can block it).
    /// Runs the app (or `binary`, e.g. a copy another account can reach) to its end.
    func runApp(_ args: [String], binary: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let id = UUID().uuidString.prefix(8)
        let outURL = dir.appendingPathComponent("run-\(id).out"), errURL = dir.appendingPathComponent("run-\(id).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary ?? self.binary)
        process.arguments = args
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outURL, encoding: .utf8),
                try String(contentsOf: errURL, encoding: .utf8))
    }

    init(file: StaticString = #filePath, line: UInt = #line) throws {
        binary = try Self.locateBinary(file: file, line: line)
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("oversight-e2e-\(UUID().uuidString.prefix(8))", isDirectory: true)
        sessions = dir.appendingPathComponent("Sessions", isDirectory: true)
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("mmlu"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("quality"), withIntermediateDirectories: true)
        try Self.mmluCSV.write(to: dir.appendingPathComponent("mmlu/astronomy_val.csv"), atomically: true, encoding: .utf8)
        try Self.qualityJSONL().write(to: dir.appendingPathComponent("quality/stories_dev.jsonl"),
                                      atomically: true, encoding: .utf8)
        try "Welcome to the end-to-end study.\nAnswer every question.\n"
            .write(to: dir.appendingPathComponent("instructions.md"), atomically: true, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    /// Writes a study file and returns its path.
    func writeStudy(name: String, id: String, blocks: String, feedback: Bool = true) throws -> String {
        let text = """
            [study]
            id = "\(id)"
            seed = 11
            feedback = \(feedback)
            confidence = [25, 42, 60, 80, 100]
            instructions = "instructions.md"

            \(blocks)

            [assistant]
            provider = "simulated"
            accuracy = 0.6
            word_delay_ms = 2
            """
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The session log of a participant.
    func logURL(study id: String, participant: String) -> URL {
        SessionPaths.logURL(root: sessions, studyID: id, participant: participant)
    }

    /// A shell command line that runs the app with `args`, then prints its exit status and the
    /// terminal modes before and after (to check they were restored), then stays open.
    func command(_ args: [String], tag: String) -> [String] {
        let before = dir.appendingPathComponent("\(tag).stty-before").path
        let after = dir.appendingPathComponent("\(tag).stty-after").path
        let app = ([binary] + args).map(Self.quote).joined(separator: " ")
        let script = "stty -g > \(Self.quote(before)); \(app); code=$?; "
            + "stty -g > \(Self.quote(after)); echo \"[exit $code]\"; exec sleep 600"
        return ["sh", "-c", script]
    }

    /// Terminal modes saved by `command` before and after the app ran.
    func sttyModes(tag: String) throws -> (before: String, after: String) {
        let read = { (suffix: String) in
            try String(contentsOf: self.dir.appendingPathComponent("\(tag).\(suffix)"), encoding: .utf8)
        }
        return (try read("stty-before"), try read("stty-after"))
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Three astronomy questions; the question texts carry a marker the tests wait for.
    static let mmluCSV = """
        MMLU-Q1 Which planet is closest to the Sun?,Mercury,Venus,Earth,Mars,A
        MMLU-Q2 What is the largest planet?,Mars,Jupiter,Saturn,Neptune,B
        "MMLU-Q3 Which star is nearest to Earth, after the Sun?",Sirius,Vega,Proxima Centauri,Betelgeuse,C

        """

    /// One story with three questions.
    static func qualityJSONL() throws -> String {
        let sentences = (1...60).map { "Sentence \($0) of the story tells of the lighthouse keeper and the storm." }
        let article = "THE LIGHTHOUSE\n\n" + sentences.joined(separator: " ")
        func q(_ n: Int, gold: Int) -> [String: Any] {
            ["question": "QUALITY-Q\(n) What does the keeper do in part \(n)?",
             "question_unique_id": "story1_q\(n)",
             "options": ["Keeper option one \(n)", "Keeper option two \(n)", "Keeper option three \(n)",
                         "Keeper option four \(n)"],
             "gold_label": gold, "writer_label": gold, "difficult": 1]
        }
        let record: [String: Any] = [
            "article_id": "story1", "set_unique_id": "story1_set", "title": "The Lighthouse",
            "article": article, "questions": [q(1, gold: 1), q(2, gold: 2), q(3, gold: 3)],
        ]
        let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// Reading session logs in assertions.
extension LogReadResult {
    /// The `type` of every record, in order.
    var types: [String] { records.map(\.event.type) }

    /// Every submission in the log.
    var submissions: [Submission] {
        records.compactMap { if case .submitted(let s) = $0.event { s } else { nil } }
    }
}

extension StudyFixture {
    /// One `[[blocks]]` table of a test study.
    static func block(_ condition: String, bank: String, questions: Int) -> String {
        """
        [[blocks]]
        condition = "\(condition)"
        bank = "\(bank)"
        questions = \(questions)
        """
    }
}

/// A test case with a fresh `StudyFixture` (its own folder, banks and sessions) per test.
class FixtureTestCase: XCTestCase {
    var fixture: StudyFixture!

    override func setUpWithError() throws { fixture = try StudyFixture() }
    override func tearDown() { fixture = nil }
}

extension StudyFixture {
    /// A copy of the binary in the test's folder that a gateway account can run wherever the
    /// project was checked out (a home folder is often mode 700, and the gateways check it first).
    func gatewayBinary() throws -> String {
        let copy = dir.appendingPathComponent("oversight-gateway")
        if !FileManager.default.fileExists(atPath: copy.path) {
            try FileManager.default.copyItem(atPath: binary, toPath: copy.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.path)
        }
        return copy.path
    }
}
