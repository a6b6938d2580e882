import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

/// Every spelling of the key, decoded independently of the code under test.
enum KeyCheck {
    static let key = Fixtures.secret

    /// `text` with percent-encoding, HTML character references and JSON `\u` escapes decoded
    /// (repeatedly, so nested encodings are undone too), lower-cased.
    static func decoded(_ text: String) -> String {
        var t = text
        for _ in 0..<3 {
            t = replace(t, #"&#[xX]([0-9a-fA-F]+);?"#) { UInt32($0, radix: 16) }
            t = replace(t, #"&#([0-9]+);?"#) { UInt32($0, radix: 10) }
            t = replace(t, #"\\u([0-9a-fA-F]{4})"#) { UInt32($0, radix: 16) }
            t = replace(t, #"%([0-9a-fA-F]{2})"#) { UInt32($0, radix: 16) }
            for (name, c) in [("amp", "&"), ("lt", "<"), ("gt", ">"), ("quot", "\""), ("hyphen", "-"), ("dash", "-")] {
                t = t.replacingOccurrences(of: "&\(name);", with: c, options: .caseInsensitive)
            }
        }
        return t.lowercased()
    }

    private static func replace(_ text: String, _ pattern: String, _ value: (String) -> UInt32?) -> String {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return text }
        var out = ""
        var last = text.startIndex
        for m in re.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            guard let r = Range(m.range, in: text), let g = Range(m.range(at: 1), in: text) else { continue }
            out += text[last..<r.lowerBound]
            if let v = value(String(text[g])), let s = Unicode.Scalar(v) { out.unicodeScalars.append(s) } else { out += text[r] }
            last = r.upperBound
        }
        return out + text[last...]
    }

    /// True when no spelling of the key (nor a long piece of it) is in `text`.
    static func isClean(_ text: String) -> Bool {
        let d = decoded(text)
        return !d.contains(key.lowercased()) && !d.contains("secret-0123") && !d.contains("0123456789abcdef")
    }
}

final class SecretRedactorTests: XCTestCase {
    let key = Fixtures.secret
    lazy var r = SecretRedactor(secrets: [key])

    func testEveryEncodingIsRedacted() {
        let percentAll = key.utf8.map { String(format: "%%%02X", $0) }.joined()
        let percentLower = key.utf8.map { String(format: "%%%02x", $0) }.joined()
        let htmlDec = key.unicodeScalars.map { "&#\($0.value);" }.joined()
        let htmlHex = key.unicodeScalars.map { "&#x\(String($0.value, radix: 16));" }.joined()
        let htmlMixed = key.unicodeScalars.enumerated().map { i, c in
            c == "-" ? "&hyphen;" : (i % 2 == 0 ? "&#X\(String(c.value, radix: 16, uppercase: true));" : String(c))
        }.joined()
        // Decimal references without the `;`, as browsers accept them, where no digit follows.
        let htmlBare = key.unicodeScalars.map { "&#\($0.value)" + ($0.properties.numericType == nil ? "" : ";") }.joined()
        let json = key.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let forms = [key, key.uppercased(), key.lowercased(), "Bearer \(key)", percentAll, percentLower,
                     key.replacingOccurrences(of: "-", with: "%2D"), htmlDec, htmlHex, htmlMixed, htmlBare, json]
        for form in forms {
            let out = r.redact("echo: <\(form)> end")
            XCTAssertTrue(KeyCheck.isClean(out), "\(form) → \(out)")
            XCTAssertTrue(out.hasPrefix("echo: <") && out.hasSuffix("> end"), "text around the key is kept: \(out)")
            XCTAssertTrue(out.contains(SecretRedactor.mask), out)
        }
    }

    func testOrdinaryTextIsUntouched() {
        let texts = ["The answer is (C) Mars.", "sk-test without the rest", "100% sure & certain &#65;",
                     "émigré 日本 \\u0041", ""]
        for t in texts { XCTAssertEqual(r.redact(t), t) }
        XCTAssertEqual(SecretRedactor(secrets: ["abc"]).redact("abc"), "abc", "too short to be a key")
        XCTAssertEqual(SecretRedactor(secrets: []).redact(key), key)
    }

    /// A key split between any two pieces of a stream, in any encoding, is still redacted, and
    /// the text around it arrives whole and in order.
    func testKeySplitAtEveryPointOfAStream() {
        let htmlHex = key.unicodeScalars.map { "&#x\(String($0.value, radix: 16));" }.joined()
        for form in [key, key.uppercased(), htmlHex] {
            let text = "Your header was Bearer \(form), thanks."
            let scalars = Array(text.unicodeScalars)
            for cut in 1..<scalars.count {
                for cut2 in [cut, min(scalars.count, cut + 7)] {
                    var s = r.stream()
                    var out = ""
                    out += s.feed(String(String.UnicodeScalarView(scalars[0..<cut])))
                    out += s.feed(String(String.UnicodeScalarView(scalars[cut..<cut2])))
                    out += s.feed(String(String.UnicodeScalarView(scalars[cut2...])))
                    out += s.finish()
                    XCTAssertEqual(out, "Your header was Bearer [redacted], thanks.", "cut at \(cut), \(cut2)")
                }
            }
        }
    }

    func testStreamReleasesTextThatIsNotAKeyAtOnce() {
        var s = r.stream()
        XCTAssertEqual(s.feed("Hello, wor"), "Hello, wor")
        XCTAssertEqual(s.feed("ld. sk-te"), "ld. ", "a possible key start is held back")
        XCTAssertEqual(s.feed("a time"), "sk-tea time", "released when it turns out not to be one")
        XCTAssertEqual(s.feed(" sk-test-SECR"), " ")
        XCTAssertEqual(s.finish(), "[redacted]", "a key cut off by the end of the stream is still hidden")
        var t = r.stream()
        XCTAssertEqual(t.feed("ends with s"), "ends with ")
        XCTAssertEqual(t.finish(), "s", "a short tail that merely could start a key is released")
    }

    func testErrorsAreRedacted() {
        let e = r.redact(AssistantError.http(status: 401, message: "bad key \(key.uppercased())", retryAfterSeconds: 3))
        XCTAssertEqual(e, .http(status: 401, message: "bad key [redacted]", retryAfterSeconds: 3))
        XCTAssertEqual(r.redact(AssistantError.malformed("x \(key)")), .malformed("x [redacted]"))
        XCTAssertEqual(r.redact(AssistantError.timeout(seconds: 2)), .timeout(seconds: 2))
    }

    func testErrorBodyIsRedactedBeforeItIsShortened() {
        let body = String(repeating: "x", count: 290) + " " + key
        let m = ChatHTTP.errorMessage(from: Data(body.utf8), secrets: [key])
        XCTAssertTrue(KeyCheck.isClean(m), m)
        XCTAssertFalse(m.contains("sk-test-SE"), "no prefix of the key survives the cut: \(m)")
    }
}

/// A real loopback server that echoes the request's key back in every way it can.
final class EchoedKeyTests: XCTestCase {
    let key = Fixtures.secret

    func openAI(_ server: FaultServer) throws -> OpenAIAssistant {
        try OpenAIAssistant(config: Fixtures.config(server.baseURL), environment: Fixtures.env, retry: .none)
    }

    static func delta(_ text: String, model: String = "m") -> String {
        let data = try? JSONSerialization.data(withJSONObject: ["model": model, "choices": [["delta": ["content": text]]]])
        return "data: " + String(decoding: data ?? Data(), as: UTF8.self) + "\n\n"
    }

    func assertClean(_ o: Outcome, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for s in [o.text, o.error?.message ?? "", String(describing: o.error)] + o.progress {
            XCTAssertTrue(KeyCheck.isClean(s), "\(what): key leaked in \(s)", file: file, line: line)
        }
    }

    /// 200 reply echoing the Authorization header, the key split across two SSE events sent
    /// in separate writes (and the served model name echoing it too).
    func testEchoIn200StreamSplitAcrossEvents() async throws {
        let server = try FaultServer([.echo { req in
            let auth = req.header("Authorization") ?? ""
            let cut = auth.index(auth.startIndex, offsetBy: 15)
            return .sseChunks([EchoedKeyTests.delta("You sent: " + auth[..<cut], model: auth),
                               EchoedKeyTests.delta(String(auth[cut...]) + " (ok)", model: auth), "data: [DONE]\n\n"])
        }])
        defer { server.stop() }
        let a = try openAI(server)
        let o = await collect(a)
        XCTAssertNil(o.error)
        XCTAssertEqual(o.text, "You sent: Bearer [redacted] (ok)")
        assertClean(o, "split 200")
        XCTAssertTrue(KeyCheck.isClean(a.model ?? ""), "served model name: \(a.model ?? "")")
    }

    func testUpperCasedKeyIn401Body() async throws {
        let server = try FaultServer([.echo { req in
            .respond(status: 401, body: #"{"error":{"message":"INVALID AUTHORIZATION HEADER: "# + (req.header("Authorization") ?? "").uppercased() + #""}}"#)
        }])
        defer { server.stop() }
        let o = await collect(try openAI(server))
        guard case .http(401, let message, _) = o.error else { return XCTFail("\(String(describing: o.error))") }
        XCTAssertTrue(message.contains("INVALID AUTHORIZATION HEADER: BEARER [redacted]"), message)
        assertClean(o, "401")
    }

    func testHTMLEntityAndPercentEncodedKeyIn200Reply() async throws {
        let server = try FaultServer([.echo { req in
            let auth = req.header("Authorization") ?? ""
            let html = auth.unicodeScalars.map { "&#\($0.value);" }.joined()
            let pct = auth.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return .sse(EchoedKeyTests.delta("<p>" + html + "</p> and ?k=" + pct) + "data: [DONE]\n\n")
        }])
        defer { server.stop() }
        let o = await collect(try openAI(server))
        XCTAssertNil(o.error)
        assertClean(o, "html/percent")
        XCTAssertTrue(o.text.hasPrefix("<p>") && o.text.contains("[redacted]"), o.text)
    }

    func testKeyInAnErrorEventInsideTheStream() async throws {
        let server = try FaultServer([.echo { req in
            .sse(EchoedKeyTests.delta("partial ") + "data: {\"error\":{\"message\":\"rejected \(req.header("Authorization") ?? "")\"}}\n\n")
        }])
        defer { server.stop() }
        let o = await collect(try openAI(server))
        XCTAssertNotNil(o.error)
        XCTAssertEqual(o.text, "partial ")
        assertClean(o, "in-stream error")
    }

    func testAnthropicEchoOfXAPIKeySplitAcrossEvents() async throws {
        let server = try FaultServer([.echo { req in
            let k = req.header("x-api-key") ?? ""
            func ev(_ t: String) -> String {
                let d = try? JSONSerialization.data(withJSONObject: ["type": "content_block_delta", "index": 0,
                                                                     "delta": ["type": "text_delta", "text": t]])
                return "event: content_block_delta\ndata: " + String(decoding: d ?? Data(), as: UTF8.self) + "\n\n"
            }
            return .sseChunks([ev("key=" + k.prefix(9)), ev(String(k.dropFirst(9)).lowercased()),
                               "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"])
        }])
        defer { server.stop() }
        let a = try AnthropicAssistant(config: Fixtures.config("http://127.0.0.1:\(server.port)", provider: .anthropic),
                                       environment: Fixtures.env, retry: .none)
        let o = await collect(a)
        XCTAssertNil(o.error)
        XCTAssertEqual(o.text, "key=[redacted]")
    }

    /// Baseline results files never hold the key either (generate replies and errors).
    func testBaselineResultsFileHasNoKey() async throws {
        let server = try FaultServer([.echo { req in
            .sseChunks([EchoedKeyTests.delta("B, says " + (req.header("Authorization") ?? "").prefix(20)),
                        EchoedKeyTests.delta(String((req.header("Authorization") ?? "").dropFirst(20))), "data: [DONE]\n\n"])
        }])
        defer { server.stop() }
        let a = try openAI(server)
        let runner = BaselineRunner(provider: "openai", model: "test-model", assistant: a, scorer: a, retry: .none)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("echo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("baseline.jsonl")
        let report = try await BaselineEngine.run(jobs: [BaselineJob(question: Fixtures.question(), shots: [], convention: .generate)],
                                                  runner: runner, outputs: [.generate: out], concurrency: 1, showProgress: false)
        XCTAssertEqual(report.tallies[.generate]?.total, 1)
        let written = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(written.contains("[redacted]"), written)
        XCTAssertTrue(KeyCheck.isClean(written), written)
    }
}
