import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

/// An OpenAI-compatible server on this machine (`oversight model serve`) is asked to read the
/// passage ahead; a remote API is not.
final class PreReadTests: XCTestCase {
    let passage = [ChatMessage(role: .user, content: String(repeating: "A long article. ", count: 200))]

    func testLoopbackServerReadsThePassageAheadWithOneToken() async throws {
        let server = try FaultServer([.sse(Fixtures.openAIStream)])
        defer { server.stop() }
        let a = try OpenAIAssistant(config: Fixtures.config(server.baseURL, timeout: 5), environment: Fixtures.env, retry: .none)
        XCTAssertTrue(a.isLoopback)
        await a.prepare(AssistantRequest(id: 0, messages: passage, question: nil))
        XCTAssertEqual(server.requests.count, 1)
        let body = try XCTUnwrap(server.requests.first?.body)
        XCTAssertTrue(body.contains(#""max_tokens":1"#), body)
        XCTAssertTrue(body.contains("A long article."), body)
    }

    /// The rule `prepare` reads ahead by (the same one that sends a request over the plain
    /// client): servers on this machine only, a remote API never.
    func testOnlyServersOnThisMachineCountAsLoopback() throws {
        let a = try OpenAIAssistant(config: Fixtures.config("https://api.example.com/v1", timeout: 5),
                                    environment: Fixtures.env, retry: .none)
        XCTAssertFalse(a.isLoopback)
        for host in ["http://localhost:8765/v1", "http://127.0.0.1:8765/v1", "http://127.0.0.2:8765/v1"] {
            XCTAssertTrue(try OpenAIAssistant(config: Fixtures.config(host, timeout: 5), environment: Fixtures.env,
                                              retry: .none).isLoopback, host)
        }
    }
}
