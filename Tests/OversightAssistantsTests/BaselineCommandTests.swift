import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

/// `oversight baseline` as a user runs it, against the fault-injecting server. Needs the built
/// binary (`swift build --product oversight`, as scripts/test.sh does); skips without it.
final class BaselineCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func binary() throws -> URL {
        let b = Self.root.appendingPathComponent(".build/debug/oversight")
        guard FileManager.default.isExecutableFile(atPath: b.path) else {
            throw XCTSkip("build the oversight product first (swift build --product oversight)")
        }
        return b
    }

    private func bank() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bank-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let csv = """
            What is 2+2?,3,4,5,6,B
            "Which planet is red, mostly?",Venus,Jupiter,Mars,Saturn,C

            """
        try Data(csv.utf8).write(to: dir.appendingPathComponent("arith_val.csv"))
        return dir
    }

    private func run(_ args: [String], in folder: URL? = nil) throws -> Run {
        let p = Process()
        p.executableURL = try binary()
        if let folder { p.currentDirectoryURL = folder }
        p.arguments = ["baseline"] + args
        var env = ProcessInfo.processInfo.environment
        env["TEST_API_KEY"] = Fixtures.secret
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes fully before waiting (large output must not block the child).
        let errData = Locked(Data())
        let errDone = DispatchSemaphore(value: 0)
        let t = Thread {
            errData.with { $0 = err.fileHandleForReading.readDataToEndOfFile() }
            errDone.signal()
        }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        // Wait for the reader itself (on a loaded machine it may not even have started yet).
        _ = errDone.wait(timeout: .now() + 60)
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                   stderr: String(decoding: errData.with { $0 }, as: UTF8.self))
    }

    private func logprobBody(_ letter: String) -> String {
        BaselineTests.logprobStream([(letter, -0.1)])
    }

    func testBaselineAgainstServerResumesAndReports() throws {
        _ = try binary()
        let bank = try bank()
        defer { try? FileManager.default.removeItem(at: bank) }
        let out = bank.deletingLastPathComponent().appendingPathComponent("\(bank.lastPathComponent)-out.jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        // Questions run in id order: arith/val/1 (gold B) then arith/val/2 (gold C).
        let server = try FaultServer([.sse(logprobBody("B")), .sse(logprobBody("A"))])
        defer { server.stop() }
        let r = try run(["--bank", bank.path, "--provider", "openai", "--base-url", server.baseURL, "--model", "m",
                         "--api-key-env", "TEST_API_KEY", "--convention", "likelihood", "--concurrency", "1", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("likelihood (0-shot, m): 1/2 correct, 50.0%"), r.stdout)
        XCTAssertEqual(try BaselineFile.load(out).count, 2)
        for req in server.requests { XCTAssertFalse(req.body.contains("Answer: B") || req.body.contains("Answer: C"), req.body) }
        // Rerun: nothing asked again.
        let again = try run(["--bank", bank.path, "--provider", "openai", "--base-url", server.baseURL, "--model", "m",
                             "--api-key-env", "TEST_API_KEY", "--convention", "likelihood", "--out", out.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(server.requests.count, 2)
        XCTAssertTrue(again.stdout.contains("reused from earlier runs: 2"), again.stdout)
        XCTAssertTrue(again.stdout.contains("1/2 correct"), again.stdout)
    }

    /// Without --out, results go to Sessions/<study>/ under the current folder, where `run`
    /// writes logs and `score` reads them (not under the folder the binary was built in);
    /// --sessions moves both.
    func testDefaultOutputIsTheCurrentFoldersSessions() throws {
        _ = try binary()
        let bank = try bank()
        defer { try? FileManager.default.removeItem(at: bank) }
        let study = FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: study, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: study) }
        let server = try FaultServer([.sse(logprobBody("B")), .sse(logprobBody("A")), .sse(logprobBody("B")), .sse(logprobBody("A"))])
        defer { server.stop() }
        let common = ["--bank", bank.path, "--provider", "openai", "--base-url", server.baseURL, "--model", "m-\(UUID().uuidString.prefix(8))",
                      "--api-key-env", "TEST_API_KEY", "--convention", "likelihood", "--concurrency", "1"]
        let model = common[7]
        let r = try run(common, in: study)
        XCTAssertEqual(r.status, 0, r.stderr)
        let expected = study.appendingPathComponent("Sessions/baseline/baseline-\(model)-likelihood.jsonl")
        XCTAssertEqual(try BaselineFile.load(expected).count, 2, "results belong under the current folder: \(r.stdout)")
        XCTAssertTrue(r.stdout.contains(expected.path), r.stdout)
        let projectCopy = Self.root.appendingPathComponent("Sessions/baseline/baseline-\(model)-likelihood.jsonl")
        XCTAssertFalse(FileManager.default.fileExists(atPath: projectCopy.path), "nothing written into the project folder")
        try? FileManager.default.removeItem(at: projectCopy)

        let other = study.appendingPathComponent("elsewhere")
        let moved = try run(common + ["--sessions", other.path], in: study)
        XCTAssertEqual(moved.status, 0, moved.stderr)
        XCTAssertEqual(try BaselineFile.load(other.appendingPathComponent("baseline/baseline-\(model)-likelihood.jsonl")).count, 2)
    }

    func testBaselineFaultsExitNonZeroWithoutTheKey() throws {
        _ = try binary()
        let bank = try bank()
        defer { try? FileManager.default.removeItem(at: bank) }
        let refusedPort = try LocalModelServer.freePort()
        let cases: [(FaultServer.Behavior?, String, String)] = [
            (nil, "http://127.0.0.1:\(refusedPort)/v1", "unreachable"),
            (nil, "http://baseline-test.invalid/v1", "cannot resolve"),
            (.respond(status: 401, body: #"{"error":{"message":"Incorrect API key provided: \#(Fixtures.secret)"}}"#), "", "401"),
            (.respond(status: 404, body: #"{"detail":"Not Found"}"#), "", "404"),
            (.respond(status: 429, headers: ["Retry-After": "9999"], body: "{}"), "", "429"),
            (.respond(status: 500, body: "{}"), "", "500"),
            (.sse("data: {broken\n\n"), "", "could not be read"),
            (.truncated(declared: 9000, body: "data: {\"choices\":[{\"delta\":{\"content\":\"B\"}}]}\n\n"), "", "dropped"),
            (.stall(""), "", "sent nothing"),
        ]
        for (behavior, url, expected) in cases {
            let server = try behavior.map { try FaultServer([$0]) }
            defer { server?.stop() }
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString).jsonl")
            defer { try? FileManager.default.removeItem(at: out) }
            let r = try run(["--bank", bank.path, "--provider", "openai", "--base-url", server?.baseURL ?? url,
                             "--model", "m", "--api-key-env", "TEST_API_KEY", "--convention", "generate",
                             "--timeout", "1", "--attempts", "1", "--out", out.path])
            XCTAssertEqual(r.status, 1, "\(expected): \(r.stdout) \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("2 failed"), "\(expected): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains(expected), "\(expected): \(r.stderr)")
            XCTAssertFalse((r.stdout + r.stderr).contains(Fixtures.secret), r.stderr)
            XCTAssertEqual(try BaselineFile.load(out).count, 0, "failures are not recorded as answers")
        }
    }

    func testSecondRunOnOneResultsFileIsRefused() throws {
        let binary = try binary()
        let bank = try bank()
        defer { try? FileManager.default.removeItem(at: bank) }
        let out = bank.deletingLastPathComponent().appendingPathComponent("\(bank.lastPathComponent)-out.jsonl")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(atPath: out.path + ".lock")
        }
        // The first run waits on a server that never answers, holding its results file.
        let server = try FaultServer([.stall("")])
        defer { server.stop() }
        let args = ["baseline", "--bank", bank.path, "--provider", "openai", "--base-url", server.baseURL, "--model", "m",
                    "--api-key-env", "TEST_API_KEY", "--convention", "generate", "--timeout", "120", "--attempts", "1",
                    "--concurrency", "1", "--out", out.path]
        let first = Process()
        first.executableURL = binary
        first.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["TEST_API_KEY"] = Fixtures.secret
        first.environment = env
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer { if first.isRunning { first.terminate() }; first.waitUntilExit() }
        let deadline = Date().addingTimeInterval(30)
        while server.requests.isEmpty && first.isRunning && Date() < deadline { usleep(20_000) }
        XCTAssertFalse(server.requests.isEmpty, "the first run reached the server")
        let before = try Data(contentsOf: out)

        let started = Date()
        let second = try run(Array(args.dropFirst()))
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertTrue(second.stderr.contains("\(out.path) is being written by another baseline run"), second.stderr)
        XCTAssertTrue(second.stderr.contains("pid \(first.processIdentifier)"), second.stderr)
        XCTAssertEqual(server.requests.count, 1, "the refused run asks the model nothing")
        XCTAssertEqual(try Data(contentsOf: out), before, "the refused run leaves the results file alone")
        XCTAssertTrue(first.isRunning, "the first run goes on")
    }

    func testBadInputExitsTwo() throws {
        _ = try binary()
        let r = try run(["--bank", "/nonexistent/bank", "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1"])
        XCTAssertEqual(r.status, 2, r.stderr)
        let missingKey = try bank()
        defer { try? FileManager.default.removeItem(at: missingKey) }
        let k = try run(["--bank", missingKey.path, "--provider", "openai", "--base-url", "http://127.0.0.1:9/v1",
                         "--api-key-env", "NO_SUCH_VARIABLE_SET", "--out", missingKey.appendingPathComponent("o.jsonl").path])
        XCTAssertEqual(k.status, 2, k.stderr)
        XCTAssertTrue(k.stderr.contains("NO_SUCH_VARIABLE_SET"), k.stderr)
        let conflict = try run(["--study", "x.toml", "--bank", "y"])
        XCTAssertNotEqual(conflict.status, 0)
    }

    /// `--judge debate` with a study: its seed and block settings, the model debating and
    /// judging against the loopback server, results resumable; bad flags are refused.
    func testJudgeDebateWithAStudy() throws {
        _ = try binary()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("judge-study-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let meeting = BaselineJudgeTests.Meeting()
        let server = try BaselineJudgeTests.server(meeting)
        defer { server.stop() }
        let record: [String: Any] = [
            "article_id": "p", "title": "The Ship", "article": BaselineJudgeTests.passage.text,
            "questions": [["question": "Why did the crew mutiny?", "question_unique_id": "q-ship",
                           "options": ["They were bored", "They wanted gold", "The water ran out", "The captain left"],
                           "gold_label": 3, "difficult": 1]],
        ]
        try JSONSerialization.data(withJSONObject: record).write(to: dir.appendingPathComponent("ship.dev.jsonl"))
        try """
            [study]
            id = "judged"
            seed = 11

            [[blocks]]
            condition = "debate"
            bank = "ship.dev.jsonl"
            questions = 1
            max_chars = 400

            [assistant]
            provider = "openai"
            base_url = "\(server.baseURL)"
            model = "test-model"
            api_key_env = "TEST_API_KEY"
            """.write(to: dir.appendingPathComponent("study.toml"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("judge.jsonl")
        let args = ["--study", dir.appendingPathComponent("study.toml").path, "--judge", "debate", "--rounds", "2",
                    "--out", out.path]
        let r = try run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("judge-debate (0-shot, test-model): "), r.stdout)
        let saved = try BaselineFile.load(out)
        XCTAssertEqual(saved.count, 1)
        XCTAssertEqual(saved.first?.rounds, 2)
        XCTAssertEqual(saved.first?.optionsShown?.count, 2)
        XCTAssertTrue(saved.first?.optionsShown?.contains(2) ?? false, "the gold is shown")
        XCTAssertEqual(server.requests.count, 5)
        XCTAssertEqual(meeting.together, 4)
        XCTAssertTrue(server.requests.contains { $0.body.contains("cut after 400 characters") }, "the block's max_chars")
        let again = try run(args)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(server.requests.count, 5, "a rerun asks nothing again")
        for bad in [["--judge", "jury"], ["--rounds", "2"], ["--judge", "debate", "--shots", "1"]] {
            let b = try run(["--study", dir.appendingPathComponent("study.toml").path] + bad)
            XCTAssertNotEqual(b.status, 0, bad.joined(separator: " "))
        }
    }
}
