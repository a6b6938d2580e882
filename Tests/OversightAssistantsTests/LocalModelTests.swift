import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// End-to-end tests against a real llama.cpp server with the small model. They run when
/// `scripts/setup-model.sh --small` has been run (`.venv` and the model exist) and skip
/// otherwise.
final class LocalModelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let smallModel = "smollm2-135m-instruct-q4_1"

    private func requireModel() throws {
        if let problem = LocalModelServer.checkSetup(root: Self.root, model: Self.smallModel) {
            throw XCTSkip("local model not set up: \(problem.message)")
        }
    }

    func testMissingSetupNamesTheCommand() {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-venv-\(UUID().uuidString)")
        let e = LocalModelServer.checkSetup(root: empty, model: nil)
        XCTAssertTrue(e?.message.contains("scripts/setup-model.sh") ?? false, e?.message ?? "no error")
        let small = LocalModelServer.checkSetup(root: empty, model: Self.smallModel)
        XCTAssertTrue(small?.message.contains("scripts/setup-model.sh --small") ?? false, small?.message ?? "no error")
        XCTAssertEqual(LocalModelServer.modelFile(nil, root: URL(fileURLWithPath: "/p")).path,
                       "/p/.venv/models/\(LocalModelServer.defaultModel).gguf")
        XCTAssertEqual(LocalModelServer.modelFile("/abs/m.gguf", root: URL(fileURLWithPath: "/p")).path, "/abs/m.gguf")
    }

    func testStreamedReplyFromRealServer() async throws {
        try requireModel()
        var c = AssistantConfig()
        c.provider = .local
        c.model = Self.smallModel
        c.maxTokens = 16
        c.temperature = 0
        let handle = try await AssistantFactory.make(c, projectRoot: Self.root, seed: 1)
        defer { handle.shutdown() }
        let server = try XCTUnwrap(handle.server)
        XCTAssertTrue(server.isRunning)
        let passage = Passage(id: "p", title: "T", text: String(repeating: "The red planet is Mars. ", count: 120))
        let q = Fixtures.question(passage: passage)
        var conv = Conversation(question: q, systemPrompt: "Answer briefly.", sendQuestion: false)
        if let local = handle.assistant as? LocalAssistant {
            let seen = Locked<[String]>([])
            await local.warm(AssistantRequest(id: 0, messages: conv.messages, question: q)) { p in
                seen.with { $0.append(p) }
            }
        }
        conv.appendUser("Which planet is red?")
        let started = Date()
        let o = await collect(handle.assistant, conv.messages, question: q)
        XCTAssertNil(o.error, o.error?.message ?? "")
        XCTAssertFalse(o.text.isEmpty)
        XCTAssertGreaterThan(o.usage?.completionTokens ?? 0, 0)
        XCTAssertEqual(handle.assistant.provider, "local")
        XCTAssertEqual(handle.assistant.model, Self.smallModel)
        print("local reply in \(String(format: "%.2f", Date().timeIntervalSince(started))) s: \(o.text.prefix(80))")
        handle.shutdown()
        let deadline = Date().addingTimeInterval(10)
        while server.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        XCTAssertFalse(server.isRunning, "shutdown stops the server")
    }

    /// Two requests at once (two debaters, or two participants on one server): each reply is
    /// the whole reply it gets alone; the one that waits does not cut off the one streaming.
    func testConcurrentRequestsDoNotCutEachOtherOff() async throws {
        try requireModel()
        var c = AssistantConfig()
        c.provider = .local
        c.model = Self.smallModel
        c.maxTokens = 48
        c.temperature = 0
        let handle = try await AssistantFactory.make(c, projectRoot: Self.root, seed: 1)
        defer { handle.shutdown() }
        let first = [ChatMessage(role: .user, content: "Count from 1 to 30, separated by commas.")]
        let second = [ChatMessage(role: .user, content: "Name three colours.")]
        let alone = await collect(handle.assistant, first, question: nil)
        XCTAssertNil(alone.error)
        XCTAssertGreaterThan(alone.usage?.completionTokens ?? 0, 10)
        // The second request is sent once the first has begun to stream.
        let streaming = Locked(false)
        let assistant = handle.assistant
        async let a: String = {
            var text = ""
            do {
                for try await chunk in assistant.stream(AssistantRequest(id: 2, messages: first, question: nil)) {
                    if case .text(let t) = chunk {
                        text += t
                        streaming.with { $0 = true }
                    }
                }
            } catch {
                text += " [failed: \(error)]"
            }
            return text
        }()
        let deadline = Date().addingTimeInterval(120)
        while !streaming.with({ $0 }) && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
        let b = await collect(handle.assistant, second, question: nil)
        let together = await a
        XCTAssertEqual(together, alone.text, "the first reply was cut off by the second request")
        XCTAssertFalse(b.text.isEmpty)
    }

    /// The app is killed with SIGKILL: the server must go too (no orphan).
    func testServerDiesWithKilledOwner() async throws {
        try requireModel()
        let port = try LocalModelServer.freePort()
        let model = LocalModelServer.modelFile(Self.smallModel, root: Self.root).path
        // A stand-in for the app: it starts the wrapper with a pipe on stdin, as the app does,
        // then waits forever.
        let owner = Process()
        owner.executableURL = Self.root.appendingPathComponent(".venv/bin/python")
        owner.arguments = ["-c", """
            import subprocess, sys, time
            subprocess.Popen([sys.executable, sys.argv[1], "--", "--model", sys.argv[2], "--host", "127.0.0.1",
                              "--port", sys.argv[3], "--n_ctx", "512"], stdin=subprocess.PIPE)
            time.sleep(600)
            """, Self.root.appendingPathComponent("scripts/serve_model.py").path, model, String(port)]
        owner.standardOutput = FileHandle.nullDevice
        owner.standardError = FileHandle.nullDevice
        try owner.run()
        defer { if owner.isRunning { kill(owner.processIdentifier, SIGKILL) } }
        let probe = try OpenAIAssistant(config: Fixtures.config("http://127.0.0.1:\(port)/v1", timeout: 2),
                                        environment: Fixtures.env, retry: .none)
        var up = false
        let deadline = Date().addingTimeInterval(120)
        while !up && Date() < deadline {
            up = await modelsAnswer(port)
            if !up { try await Task.sleep(nanoseconds: 200_000_000) }
        }
        XCTAssertTrue(up, "server came up")
        _ = probe
        kill(owner.processIdentifier, SIGKILL)
        let gone = Date().addingTimeInterval(15)
        var stillUp = true
        while stillUp && Date() < gone {
            stillUp = await modelsAnswer(port)
            if stillUp { try await Task.sleep(nanoseconds: 200_000_000) }
        }
        XCTAssertFalse(stillUp, "the server stopped after its owner was killed")
    }

    /// Quitting with the local model gives the prompt back at once: `stop()` does not wait for
    /// the server (which takes about 5 s to leave after SIGTERM), yet the server still goes.
    func testStopReturnsAtOnceAndTheServerGoesSoonAfter() async throws {
        try requireModel()
        var c = AssistantConfig()
        c.provider = .local
        c.model = Self.smallModel
        let handle = try await AssistantFactory.make(c, projectRoot: Self.root, seed: 1)
        let server = try XCTUnwrap(handle.server)
        // A reply first, as in a session (the server has served a request before it stops).
        let o = await collect(handle.assistant, [ChatMessage(role: .user, content: "Say hi.")])
        XCTAssertNil(o.error, o.error?.message ?? "")
        let answering = await modelsAnswer(server.port)
        XCTAssertTrue(answering)
        let started = Date()
        handle.shutdown()
        let took = Date().timeIntervalSince(started)
        XCTAssertLessThan(took, 0.5, "stop() waited \(took) s for the server")
        let deadline = Date().addingTimeInterval(15)
        var up = true
        while up && Date() < deadline {
            up = await modelsAnswer(server.port)
            if up { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        XCTAssertFalse(up, "the server stopped after stop() returned")
        let gone = Date().timeIntervalSince(started)
        XCTAssertLessThan(gone, 5, "the wrapper ends the server within about a second, not 5 s (took \(gone) s)")
    }

    private func modelsAnswer(_ port: Int) async -> Bool {
        guard let url = URL(string: "http://127.0.0.1:\(port)/v1/models") else { return false }
        do {
            _ = try await ChatHTTP.fetch(URLRequest(url: url), idleTimeout: 2, secrets: [])
            return true
        } catch {
            return false
        }
    }

    /// `oversight baseline --limit 20` on the MMLU validation split, both conventions.
    func testBaselineCommandOnMMLU() throws {
        try requireModel()
        let data = BaselineAgreementTests.sharedFolder().appendingPathComponent("data/mmlu/val")
        guard FileManager.default.fileExists(atPath: data.path) else { throw XCTSkip("no MMLU data at \(data.path)") }
        let binary = Self.root.appendingPathComponent(".build/debug/oversight")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("build the oversight product first (swift build --product oversight)")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-e2e-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["baseline", "--bank", data.path, "--limit", "20", "--model", Self.smallModel,
                       "--convention", "both", "--out", out.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print(output)
        XCTAssertEqual(p.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("likelihood (0-shot, \(Self.smallModel)): "), output)
        XCTAssertTrue(output.contains("generate (0-shot, \(Self.smallModel)): "), output)
        XCTAssertTrue(output.contains("/20 correct"), output)
        let results = try BaselineFile.load(out)
        XCTAssertEqual(results.count, 40)
        XCTAssertEqual(Set(results.map(\.convention)), ["likelihood", "generate"])
        XCTAssertTrue(results.filter { $0.convention == "likelihood" }.allSatisfy { $0.letterProbabilities?.count == 4 })
    }
}

final class FactoryTests: XCTestCase {
    func testSimulatedFromFactoryIsSeeded() async throws {
        var c = AssistantConfig()
        c.provider = .simulated
        c.accuracy = 1
        c.wordDelayMs = 0
        let h = try await AssistantFactory.make(c, projectRoot: nil, seed: 42)
        defer { h.shutdown() }
        XCTAssertEqual(h.assistant.provider, "simulated")
        XCTAssertNil(h.server)
        let q = Fixtures.question(gold: 2)
        let o = await collect(h.assistant, [ChatMessage(role: .user, content: "Which option is right?")], question: q)
        XCTAssertNil(o.error)
        XCTAssertFalse(o.text.isEmpty)
    }

    func testRemoteProvidersFromFactory() async throws {
        var c = Fixtures.config("http://127.0.0.1:9/v1")
        let h = try await AssistantFactory.make(c, seed: 0, environment: Fixtures.env)
        XCTAssertEqual(h.assistant.provider, "openai")
        c = Fixtures.config("http://127.0.0.1:9", provider: .anthropic)
        let a = try await AssistantFactory.make(c, seed: 0, environment: Fixtures.env)
        XCTAssertEqual(a.assistant.provider, "anthropic")
        c.apiKeyEnv = "UNSET_VARIABLE_FOR_TEST"
        do {
            _ = try await AssistantFactory.make(c, seed: 0, environment: Fixtures.env)
            XCTFail("expected a configuration error")
        } catch let e as AssistantError {
            XCTAssertTrue(e.message.contains("UNSET_VARIABLE_FOR_TEST"))
        }
    }
}
