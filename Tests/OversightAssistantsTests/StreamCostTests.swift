import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A streamed reply must cost the client little more than handling its chunks: the client sleeps
/// until the next bytes arrive (it used to keep a core busy for the whole reply).
final class StreamCostTests: XCTestCase {
    /// CPU seconds (user + system) this process has used.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func testStreamingAReplySleepsBetweenChunks() async throws {
        // 100 events 20 ms apart (a model writing 50 tokens a second): about 2 s of streaming.
        let events = (0..<100).map { #"data: {"choices":[{"delta":{"content":"word\#($0) "}}]}"# + "\n\n" }
            + ["data: [DONE]\n\n"]
        let server = try FaultServer([.drip(events, intervalMs: 20)])
        defer { server.stop() }
        let assistant = try OpenAIAssistant(config: Fixtures.config(server.baseURL, timeout: 10),
                                            environment: Fixtures.env, retry: .none)
        let cpuBefore = Self.cpuSeconds()
        let started = Date()
        let o = await collect(assistant)
        let wall = Date().timeIntervalSince(started)
        let cpu = Self.cpuSeconds() - cpuBefore
        XCTAssertNil(o.error, o.error?.message ?? "")
        XCTAssertEqual(o.text, (0..<100).map { "word\($0) " }.joined())
        XCTAssertGreaterThan(wall, 1.5)
        print(String(format: "streamed %.2f s of reply for %.3f CPU s (%.3f CPU s per s)", wall, cpu, cpu / wall))
        // Parsing 100 small events costs a few milliseconds; a client that polls instead of
        // sleeping spends most of a core.
        XCTAssertLessThan(cpu / wall, 0.2, "the client used \(cpu) CPU s while \(wall) s of reply streamed")
    }
}
