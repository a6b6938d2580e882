import Foundation
import OversightCore
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The JSON body of an OpenAI-style `/v1/chat/completions` request.
public struct OpenAIChatRequest: Encodable, Sendable, Equatable {
    public struct Message: Encodable, Sendable, Equatable {
        public var role: String
        public var content: String
    }

    public struct StreamOptions: Encodable, Sendable, Equatable {
        public var includeUsage: Bool
        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    public var model: String?
    public var messages: [Message]
    public var stream: Bool
    public var streamOptions: StreamOptions?
    public var temperature: Double?
    public var maxTokens: Int?
    /// Ask for per-token log-probabilities (likelihood baseline).
    public var logprobs: Bool?
    public var topLogprobs: Int?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream, streamOptions = "stream_options", temperature
        case maxTokens = "max_tokens", logprobs, topLogprobs = "top_logprobs"
    }

    /// JSON bytes with sorted keys (stable, testable).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}

/// A model behind an OpenAI-compatible `/v1/chat/completions` endpoint (OpenAI itself, or any
/// compatible server such as llama.cpp's), streamed over server-sent events.
public struct OpenAIAssistant: Assistant {
    public let provider: String
    let configuredModel: String?
    /// The chat completions endpoint.
    public let endpoint: URL
    private let apiKey: String?
    private let temperature: Double?
    private let maxTokens: Int?
    let timeoutSeconds: Double
    private let retry: RetryPolicy
    private let waitingLabel: String
    private let state = Locked(SharedState())

    private struct SharedState {
        var includeUsage = true
        var reportedModel: String?
    }

    /// The model the server reported (its key redacted, should it echo one), else the
    /// configured one.
    public var model: String? {
        state.with { $0.reportedModel }.map { SecretRedactor(secrets: secrets).redact($0) } ?? configuredModel
    }

    /// Endpoint used when the study gives no `base_url`.
    public static let defaultBaseURL = "https://api.openai.com/v1"

    /// Build from the study's settings. The API key is read from the environment variable the
    /// study names (`api_key_env`; `OPENAI_API_KEY` when unset and present).
    public init(config: AssistantConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                provider: Provider = .openai, retry: RetryPolicy = RetryPolicy(),
                waitingLabel: String = "thinking") throws {
        let base = config.baseURL ?? OpenAIAssistant.defaultBaseURL
        guard let url = OpenAIAssistant.chatURL(base: base) else {
            throw AssistantError.configuration("base_url is not an http(s) URL: \(base)")
        }
        if let name = config.apiKeyEnv {
            guard let key = environment[name], !key.isEmpty else {
                throw AssistantError.configuration("environment variable \(name) (api_key_env) is not set")
            }
            apiKey = key
        } else if let key = environment["OPENAI_API_KEY"], !key.isEmpty, provider == .openai {
            apiKey = key
        } else {
            apiKey = nil
        }
        if provider == .openai, config.baseURL == nil {
            if apiKey == nil {
                throw AssistantError.configuration("no API key: set OPENAI_API_KEY or name a variable in api_key_env")
            }
            if config.model == nil {
                throw AssistantError.configuration("model is required for provider openai")
            }
        }
        self.provider = provider.rawValue
        self.configuredModel = config.model
        self.endpoint = url
        self.temperature = config.temperature
        self.maxTokens = config.maxTokens
        self.timeoutSeconds = config.timeoutSeconds
        self.retry = retry
        self.waitingLabel = waitingLabel
    }

    /// `<base>/chat/completions`, adding `/v1` when the base URL has no version segment.
    public static func chatURL(base: String) -> URL? {
        guard var comps = URLComponents(string: base), let scheme = comps.scheme?.lowercased(),
              scheme == "http" || scheme == "https", comps.host?.isEmpty == false else { return nil }
        var path = comps.path
        while path.hasSuffix("/") { path.removeLast() }
        if !(path.split(separator: "/").last.map { $0.count >= 2 && $0.hasPrefix("v") && $0.dropFirst().allSatisfy(\.isNumber) } ?? false) {
            path += "/v1"
        }
        comps.path = path + "/chat/completions"
        return comps.url
    }

    /// The request body for `messages` (pure; tested byte for byte).
    public func requestBody(_ messages: [ChatMessage], includeUsage: Bool, maxTokens: Int? = nil) -> OpenAIChatRequest {
        OpenAIChatRequest(model: configuredModel,
                          messages: messages.map { .init(role: $0.role.rawValue, content: $0.content) },
                          stream: true,
                          streamOptions: includeUsage ? .init(includeUsage: true) : nil,
                          temperature: temperature,
                          maxTokens: maxTokens ?? self.maxTokens)
    }

    /// The HTTP request for `body`, with the bearer token when there is a key.
    public func urlRequest(_ body: Data) -> URLRequest {
        var headers: [(String, String)] = [("Accept", "text/event-stream")]
        if let apiKey { headers.append(("Authorization", "Bearer \(apiKey)")) }
        return ChatHTTP.post(url: endpoint, headers: headers, body: body)
    }

    var secrets: [String] { apiKey.map { [$0] } ?? [] }

    public func stream(_ request: AssistantRequest) -> AsyncThrowingStream<AssistantChunk, Error> {
        streamMessages(request.messages, maxTokens: nil, waitingLabel: waitingLabel)
    }

    /// Whether the endpoint is on this machine, such as a shared `oversight model serve`.
    /// Such a server keeps what it has read in its prompt cache, so reading a passage ahead
    /// pays off; a remote API is not sent requests the participant did not make.
    public var isLoopback: Bool {
        PlainHTTP.isLoopback(host: endpoint.host ?? "")
    }

    /// On a server on this machine: read the passage ahead (see `preRead`).
    public func prepare(_ request: AssistantRequest) async {
        guard isLoopback else { return }
        await preRead(request.messages) { _ in }
    }

    /// Have the server read the conversation so far (the passage) into its cache with a
    /// one-token reply, reporting progress; the participant's first reply then starts fast.
    func preRead(_ messages: [ChatMessage], waitingLabel label: String = "reading the passage",
                 progress: @escaping @Sendable (String) -> Void) async {
        guard messages.contains(where: { $0.role == .user }) else { return }
        let stream = streamMessages(messages, maxTokens: 1, waitingLabel: label, progressAfter: 0.5)
        do {
            for try await chunk in stream {
                if case .progress(let p) = chunk { progress(p) }
            }
        } catch {
            // Reading ahead is an optimisation: the real request reports any failure itself.
            progress("could not pre-read the passage: \((error as? AssistantError)?.message ?? "error")")
        }
    }

    /// Stream a reply to `messages`, optionally capping its length.
    func streamMessages(_ messages: [ChatMessage], maxTokens: Int?, waitingLabel: String,
                        progressAfter: Double = 1) -> AsyncThrowingStream<AssistantChunk, Error> {
        let me = self
        let driver = ReplyDriver(retry: retry, waitingLabel: waitingLabel, progressAfter: progressAfter,
                                 redactor: SecretRedactor(secrets: secrets))
        return driver.run { emit in
            try await me.attempt(messages, maxTokens: maxTokens, emit: emit)
        }
    }

    private func attempt(_ messages: [ChatMessage], maxTokens: Int?, emit: @escaping @Sendable (String) -> Void) async throws -> AssistantUsage {
        let includeUsage = state.with { $0.includeUsage }
        do {
            return try await send(messages, includeUsage: includeUsage, maxTokens: maxTokens, emit: emit)
        } catch AssistantError.http(let status, let message, _) where includeUsage && status == 400
            && (message.contains("stream_options") || message.contains("include_usage")) {
            // An older server that rejects stream_options: ask again without it.
            state.with { $0.includeUsage = false }
            return try await send(messages, includeUsage: false, maxTokens: maxTokens, emit: emit)
        }
    }

    private func send(_ messages: [ChatMessage], includeUsage: Bool, maxTokens: Int?,
                      emit: @escaping @Sendable (String) -> Void) async throws -> AssistantUsage {
        let body: Data
        do {
            body = try requestBody(messages, includeUsage: includeUsage, maxTokens: maxTokens).encoded()
        } catch {
            throw AssistantError.configuration("could not encode the request")
        }
        var usage = AssistantUsage()
        var pieces = 0
        var decoder = OpenAIStreamDecoder()
        try await ChatHTTP.streamEvents(urlRequest(body), idleTimeout: timeoutSeconds, secrets: secrets) { event in
            let step = try decoder.decode(event)
            if let text = step.text {
                pieces += 1
                emit(text)
            }
            if let u = step.usage { usage = u }
            if let m = step.model { state.with { $0.reportedModel = m } }
            return step.done
        }
        if usage.completionTokens == nil && provider == Provider.local.rawValue {
            // llama.cpp streams one token per chunk and sends no usage in streams.
            usage.completionTokens = pieces
        }
        return usage
    }
}

/// Turns the events of an OpenAI chat-completions stream into text, usage and completion.
public struct OpenAIStreamDecoder: Sendable {
    /// What one event contributed.
    public struct Step: Sendable, Equatable {
        public var text: String?
        public var usage: AssistantUsage?
        public var model: String?
        public var done = false
    }

    public init() {}

    /// Decode one event; throws `.malformed` for data that is not a completion chunk and
    /// `.http` for an error object sent inside the stream.
    public mutating func decode(_ event: SSEEvent) throws -> Step {
        var step = Step()
        if event.isDone {
            step.done = true
            return step
        }
        guard let obj = (try? JSONSerialization.jsonObject(with: Data(event.data.utf8))) as? [String: Any] else {
            throw AssistantError.malformed("an event is not JSON: \(String(event.data.prefix(80)))")
        }
        if let error = obj["error"] {
            let message: String
            var status = 500
            if let e = error as? [String: Any] {
                message = e["message"] as? String ?? "error"
                if let c = e["code"] as? Int { status = c }
            } else {
                message = "\(error)"
            }
            throw AssistantError.http(status: status, message: String(message.prefix(300)), retryAfterSeconds: nil)
        }
        if event.event == "error" {
            throw AssistantError.http(status: 500, message: String(event.data.prefix(300)), retryAfterSeconds: nil)
        }
        step.model = obj["model"] as? String
        if let u = obj["usage"] as? [String: Any] {
            step.usage = AssistantUsage(promptTokens: u["prompt_tokens"] as? Int,
                                        completionTokens: u["completion_tokens"] as? Int)
        }
        if let choices = obj["choices"] as? [[String: Any]] {
            if let first = choices.first {
                if let delta = first["delta"] as? [String: Any] {
                    if let content = delta["content"] as? String, !content.isEmpty { step.text = content }
                } else if first["text"] == nil {
                    throw AssistantError.malformed("a completion chunk has no delta")
                }
            }
        } else if step.usage == nil {
            throw AssistantError.malformed("a completion chunk has no choices")
        }
        return step
    }
}

extension OpenAIAssistant: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Provider, model and endpoint; never the API key.
    public var description: String {
        "OpenAIAssistant(provider: \(provider), model: \(model ?? "-"), endpoint: \(endpoint.absoluteString), key: \(apiKey == nil ? "none" : "[redacted]"))"
    }

    public var debugDescription: String { description }

    /// Reflection shows the same safe fields, so `dump` cannot print the key.
    public var customMirror: Mirror {
        Mirror(self, children: ["provider": provider, "model": model as Any, "endpoint": endpoint.absoluteString])
    }
}
