import Foundation
@testable import OversightAssistants
import OversightCore
@testable import OversightTUI
import XCTest

/// A debate round through the real runtime, a real session log and the OpenAI-compatible client
/// pointed at a loopback server: both debaters' requests are in flight at once, and a speech that
/// is complete stays hidden until the other one is too.
final class ParallelSpeechTests: XCTestCase {
    static let size = Size(cols: 250, rows: 40)

    /// Counts the requests that have arrived and holds debater A's answer until released.
    final class Gate: @unchecked Sendable {
        private let lock = NSCondition()
        private var arrived = 0
        private var releasedA = false
        private(set) var maxInFlight = 0
        private var inFlight = 0

        /// Called on the server's thread for each request: waits (up to 10 s) until `count`
        /// requests are in, so it returns only when they were open together.
        func arrive(waitingFor count: Int) {
            lock.lock()
            arrived += 1
            inFlight += 1
            maxInFlight = max(maxInFlight, inFlight)
            lock.broadcast()
            let deadline = Date().addingTimeInterval(10)
            while arrived < count, lock.wait(until: deadline) {}
            lock.unlock()
        }

        func leave() {
            lock.lock()
            inFlight -= 1
            lock.unlock()
        }

        func waitForRelease() {
            lock.lock()
            let deadline = Date().addingTimeInterval(10)
            while !releasedA, lock.wait(until: deadline) {}
            lock.unlock()
        }

        func releaseA() {
            lock.lock()
            releasedA = true
            lock.broadcast()
            lock.unlock()
        }

        var peak: Int { lock.lock(); defer { lock.unlock() }; return maxInFlight }
    }

    static func stream(_ text: String) -> String {
        let escaped = text.replacingOccurrences(of: "\"", with: "\\\"")
        return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(escaped)\"},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: [DONE]\n\n"
    }

    func testBothSpeechesAreInFlightTogetherAndShownTogether() throws {
        let passage = Passage(id: "p", title: "Mars notes", text: "Mars looks red because of iron oxide dust. Venus is covered in clouds.")
        let question = Fixtures.question(id: "quality/mars/1", passage: passage)
        let gate = Gate()
        let speechA = "Mars it is: <quote>Mars looks red because of iron oxide dust</quote>"
        let speechB = "Not so: <quote>Venus is the red one</quote>"
        let server = try FaultServer([.echo { req in
            gate.arrive(waitingFor: 2)
            defer { gate.leave() }
            if req.body.contains("You are Debater A") {
                gate.waitForRelease()
                return .sse(ParallelSpeechTests.stream(speechA))
            }
            return .sse(ParallelSpeechTests.stream(speechB))
        }])
        defer { server.stop() }
        let config = Fixtures.config(server.baseURL, timeout: 20)
        var block = StudyBlock(condition: .debate, bank: "q", bankPath: "q", questions: 1, line: 2)
        block.protocolSettings = ProtocolSettings(options: 2, maxChars: 750)
        let study = Study(id: "parallel", seed: 5, feedback: false, confidence: Study.defaultConfidence, instructions: nil,
                          blocks: [block], assistant: config, path: "parallel.toml", hash: String(repeating: "d", count: 64))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parallel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let logURL = dir.appendingPathComponent("p01.jsonl")
        let writer = try SessionLogWriter.create(at: logURL)
        defer { writer.close() }
        let clock = ManualClock(startMs: 1_000)
        let assistant = try OpenAIAssistant(config: config, environment: Fixtures.env, retry: .none)
        let runtime = try SessionRuntime(study: ResolvedStudy(study: study, blocks: [[question]]), participant: "p01",
                                         assistant: assistant, log: writer, size: Self.size, clock: clock.clock,
                                         sessionID: "s-parallel", assistantMode: .live)
        defer { runtime.shutdown() }
        let backend = HeadlessBackend(runtime: runtime, clock: clock, size: Self.size)

        backend.run([.key(.enter)])   // the prior (50/50): round 1 starts
        // B's speech comes back while A's request is still held open by the server.
        XCTAssertTrue(backend.waitUntil(timeout: 15) { s in
            s.protocolQuestion?.rounds.last?.replies.values.contains { $0.role == .debaterB } == true
        }, "debater B's reply arrives")
        XCTAssertEqual(gate.peak, 2, "both requests were open at the same time")
        XCTAssertEqual(runtime.state.protocolQuestion?.stage, .speaking)
        var screen = backend.lastFrame.plainLines().joined(separator: "\n")
        XCTAssertFalse(screen.contains("Venus is the red one"), "B's speech waits for A's: \(screen)")
        XCTAssertTrue(screen.contains("Both speeches appear together"), screen)
        // B's reply is already on disk.
        let logged = SessionLogReader.read(url: logURL).records.compactMap { r -> AssistantReply? in
            if case .assistantReply(let a) = r.event { a } else { nil }
        }
        XCTAssertEqual(logged.map(\.role), [.debaterB])
        XCTAssertEqual(logged.first?.quotes?.map(\.verified), [false])

        gate.releaseA()
        XCTAssertTrue(backend.waitUntil(timeout: 15) { $0.protocolQuestion?.stage == .judging }, "A's reply arrives")
        screen = backend.lastFrame.plainLines().joined(separator: "\n")
        XCTAssertTrue(screen.contains("✓“Mars looks red because of iron oxide dust”"), screen)
        XCTAssertTrue(screen.contains("✗[Venus is the red one]"), screen)
        XCTAssertEqual(server.requests.count, 2)
    }
}
