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

    private func run(_ args: [String]) throws -> Run {
        let p = Process()
        p.executableURL = try binary()
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
        let t = Thread { errData.with { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let deadline = Date().addingTimeInterval(5)
        while t.isExecuting && Date() < deadline { usleep(10_000) }
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
}
