import Foundation
import TmuxSupport
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `oversight model serve` with the small local model: it starts a real llama.cpp server on
/// the given port, prints the study lines, answers a chat request there, and SIGTERM stops
/// it (exit 0, port free again). Skips when `scripts/setup-model.sh --small` has not been run.
final class ModelServeCommandTests: XCTestCase {
    static let smallModel = "smollm2-135m-instruct-q4_1"

    private func requireModel() throws {
        let root = StudyFixture.packageRoot
        for p in [".venv/bin/python", ".venv/models/\(Self.smallModel).gguf"]
        where !FileManager.default.fileExists(atPath: root.appendingPathComponent(p).path) {
            throw XCTSkip("local model not set up (no \(p)): run scripts/setup-model.sh --small")
        }
    }

    private func waitFor(_ what: String, seconds: Double, _ done: () -> Bool) throws {
        let end = Date().addingTimeInterval(seconds)
        while !done() {
            if Date() > end { throw XCTSkip("gave up waiting for \(what)") }
            usleep(100_000)
        }
    }

    private func request(_ url: String, body: [String: Any]?) -> (status: Int, body: Data)? {
        guard let u = URL(string: url) else { return nil }
        var r = URLRequest(url: u, timeoutInterval: 120)
        if let body {
            r.httpMethod = "POST"
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
            r.httpBody = try? JSONSerialization.data(withJSONObject: body)
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: (Int, Data)?
        URLSession.shared.dataTask(with: r) { data, response, _ in
            if let h = response as? HTTPURLResponse { result = (h.statusCode, data ?? Data()) }
            done.signal()
        }.resume()
        done.wait()
        return result
    }

    func testServeAnswersAChatRequestAndStopsOnSIGTERM() throws {
        try requireModel()
        let binary = try StudyFixture.locateBinary()
        let port = try Loopback.freePort()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["model", "serve", "--port", String(port), "--model", Self.smallModel, "--context-tokens", "2048"]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        func out() -> String { (try? String(contentsOf: outURL, encoding: .utf8)) ?? "" }

        let deadline = Date().addingTimeInterval(240)
        while !out().contains("Ctrl-C stops it.") {
            XCTAssertTrue(p.isRunning, "serve ended early: \((try? String(contentsOf: errURL, encoding: .utf8)) ?? "")")
            if !p.isRunning { return }
            if Date() > deadline { return XCTFail("the server was not ready within 240 s; output: \(out())") }
            usleep(100_000)
        }
        let base = "http://127.0.0.1:\(port)/v1"
        XCTAssertTrue(out().contains("[assistant]\nprovider = \"openai\"\nbase_url = \"\(base)\"\nmodel = \"\(Self.smallModel)\"\ntimeout_seconds = 600"), out())

        let reply = request(base + "/chat/completions", body: [
            "model": Self.smallModel, "max_tokens": 8, "temperature": 0,
            "messages": [["role": "user", "content": "Say hello."]],
        ])
        XCTAssertEqual(reply?.status, 200)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: reply?.body ?? Data()) as? [String: Any])
        let choices = try XCTUnwrap(json["choices"] as? [[String: Any]])
        let content = (choices.first?["message"] as? [String: Any])?["content"] as? String
        XCTAssertFalse((content ?? "").isEmpty, "empty reply: \(json)")

        kill(p.processIdentifier, SIGTERM)
        try waitFor("serve to exit after SIGTERM", seconds: 30) { !p.isRunning }
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(out().hasSuffix("Stopped.\n"), out())
        // The server went with it: nothing answers on the port any more.
        XCTAssertNil(request(base + "/models", body: nil))
    }

    func testPortInUseIsOneClearLine() throws {
        try requireModel()
        let binary = try StudyFixture.locateBinary()
        // Hold a port open.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        listen(fd, 1)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["model", "serve", "--port", String(port), "--model", Self.smallModel]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 2)
        XCTAssertTrue(text.contains("oversight model serve: port \(port) on 127.0.0.1 is in use"), text)
    }
}
