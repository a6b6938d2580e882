import Foundation
import OversightCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The JSON body of an Anthropic Messages API request.
public struct AnthropicRequest: Encodable, Sendable, Equatable {
    public struct Message: Encodable, Sendable, Equatable {
        public var role: String
        public var content: String
    }

    public var model: String
    public var maxTokens: Int
    public var system: String?
    public var messages: [Message]
    public var stream: Bool
    public var temperature: Double?

    enum CodingKeys: String, CodingKey {
        case model, maxTokens = "max_tokens", system, messages, stream, temperature
    }

    /// JSON bytes with sorted keys (stable, testable).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A Claude model through Anthropic's Messages API, streamed over server-sent events.
public struct AnthropicAssistant: Assistant {
    public let provider = "anthropic"
    private let configuredModel: String
    /// The messages endpoint.
    public let endpoint: URL
    private let apiKey: String
    private let temperature: Double?
    private let maxTokens: Int
    private let timeoutSeconds: Double
    private let retry: RetryPolicy
    private let reportedModel = Locked<String?>(nil)

    /// The model the server reported (its key redacted, should it echo one), else the
    /// configured one.
    public var model: String? {
        reportedModel.with { $0 }.map { SecretRedactor(secrets: [apiKey]).redact($0) } ?? configuredModel
    }

    public static let defaultBaseURL = "https://api.anthropic.com"
    public static let apiVersion = "2023-06-01"
    /// Reply length cap when the study sets none (the API requires one).
    public static let defaultMaxTokens = 1024

    /// Build from the study's settings; the key comes from `api_key_env` (default
    /// `ANTHROPIC_API_KEY`).
    public init(config: AssistantConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                retry: RetryPolicy = RetryPolicy()) throws {
        let base = config.baseURL ?? AnthropicAssistant.defaultBaseURL
        guard var comps = URLComponents(string: base), let scheme = comps.scheme?.lowercased(),
              scheme == "http" || scheme == "https", comps.host?.isEmpty == false else {
            throw AssistantError.configuration("base_url is not an http(s) URL: \(base)")
        }
        var path = comps.path
        while path.hasSuffix("/") { path.removeLast() }
        if !path.hasSuffix("/v1") { path += "/v1" }
        comps.path = path + "/messages"
        guard let url = comps.url else { throw AssistantError.configuration("base_url is not usable: \(base)") }
        let keyName = config.apiKeyEnv ?? "ANTHROPIC_API_KEY"
        guard let key = environment[keyName], !key.isEmpty else {
            throw AssistantError.configuration("environment variable \(keyName) (api_key_env) is not set")
        }
        guard let model = config.model, !model.isEmpty else {
            throw AssistantError.configuration("model is required for provider anthropic")
        }
        configuredModel = model
        endpoint = url
        apiKey = key
        temperature = config.temperature
        maxTokens = config.maxTokens ?? AnthropicAssistant.defaultMaxTokens
        timeoutSeconds = config.timeoutSeconds
        self.retry = retry
    }

    /// The request body (pure): system messages become the top-level `system`; consecutive
    /// turns of one role are merged, as the API wants alternating roles.
    public func requestBody(_ messages: [ChatMessage]) -> AnthropicRequest {
        let system = messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var turns: [AnthropicRequest.Message] = []
        for m in messages where m.role != .system {
            if let last = turns.last, last.role == m.role.rawValue {
                turns[turns.count - 1].content += "\n\n" + m.content
            } else {
                turns.append(.init(role: m.role.rawValue, content: m.content))
            }
        }
        return AnthropicRequest(model: configuredModel, maxTokens: maxTokens, system: system.isEmpty ? nil : system,
                                messages: turns, stream: true, temperature: temperature)
    }

    /// The HTTP request for `body` with the API headers.
    public func urlRequest(_ body: Data) -> URLRequest {
        ChatHTTP.post(url: endpoint, headers: [("x-api-key", apiKey), ("anthropic-version", AnthropicAssistant.apiVersion),
                                               ("Accept", "text/event-stream")], body: body)
    }

    public func stream(_ request: AssistantRequest) -> AsyncThrowingStream<AssistantChunk, Error> {
        let me = self
        let messages = request.messages
        return ReplyDriver(retry: retry, waitingLabel: "thinking", redactor: SecretRedactor(secrets: [apiKey])).run { emit in
            try await me.send(messages, emit: emit)
        }
    }

    private func send(_ messages: [ChatMessage], emit: @escaping @Sendable (String) -> Void) async throws -> AssistantUsage {
        let body: Data
        do { body = try requestBody(messages).encoded() } catch {
            throw AssistantError.configuration("could not encode the request")
        }
        var decoder = AnthropicStreamDecoder()
        try await ChatHTTP.streamEvents(urlRequest(body), idleTimeout: timeoutSeconds, secrets: [apiKey]) { event in
            let step = try decoder.decode(event)
            if let text = step.text { emit(text) }
            if let m = step.model { reportedModel.with { $0 = m } }
            return step.done
        }
        return decoder.usage
    }
}

/// Turns the events of a Messages API stream into text, usage and completion.
public struct AnthropicStreamDecoder: Sendable {
    public struct Step: Sendable, Equatable {
        public var text: String?
        public var model: String?
        public var done = false
    }

    /// Token counts gathered so far (`message_start` input, `message_delta` output).
    public private(set) var usage = AssistantUsage()

    public init() {}

    public mutating func decode(_ event: SSEEvent) throws -> Step {
        var step = Step()
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] else {
            throw AssistantError.malformed("an event is not JSON: \(String(event.data.prefix(80)))")
        }
        let type = obj["type"] as? String ?? event.event
        switch type {
        case "message_start":
            if let message = obj["message"] as? [String: Any] {
                step.model = message["model"] as? String
                if let u = message["usage"] as? [String: Any] {
                    usage.promptTokens = u["input_tokens"] as? Int
                    if let out = u["output_tokens"] as? Int { usage.completionTokens = out }
                }
            }
        case "content_block_delta":
            guard let delta = obj["delta"] as? [String: Any] else {
                throw AssistantError.malformed("content_block_delta without delta")
            }
            if delta["type"] as? String == "text_delta", let text = delta["text"] as? String, !text.isEmpty {
                step.text = text
            }
        case "message_delta":
            if let u = obj["usage"] as? [String: Any], let out = u["output_tokens"] as? Int {
                usage.completionTokens = out
            }
        case "message_stop":
            step.done = true
        case "error":
            let e = obj["error"] as? [String: Any]
            let kind = e?["type"] as? String ?? "error"
            let message = e?["message"] as? String ?? kind
            let status: Int = switch kind {
            case "overloaded_error": 529
            case "rate_limit_error": 429
            case "invalid_request_error": 400
            case "authentication_error": 401
            case "permission_error": 403
            case "not_found_error": 404
            default: 500
            }
            throw AssistantError.http(status: status, message: String(message.prefix(300)), retryAfterSeconds: nil)
        default:
            break  // ping, content_block_start/stop and future event types
        }
        return step
    }
}

extension AnthropicAssistant: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Model and endpoint; never the API key.
    public var description: String {
        "AnthropicAssistant(model: \(model ?? "-"), endpoint: \(endpoint.absoluteString), key: [redacted])"
    }

    public var debugDescription: String { description }

    /// Reflection shows the same safe fields, so `dump` cannot print the key.
    public var customMirror: Mirror {
        Mirror(self, children: ["model": model as Any, "endpoint": endpoint.absoluteString])
    }
}
