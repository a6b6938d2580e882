import Foundation

/// One message of a chat conversation as a model sees it.
public struct ChatMessage: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable { case system, user, assistant }
    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// What an assistant is asked: the conversation the model sees, plus the question being worked
/// on. Network providers send `messages` only; `question` exists for the simulated assistant
/// (which must know the gold answer to be right with a configured probability) and must never
/// be serialised into a prompt.
public struct AssistantRequest: Sendable {
    /// Id chosen by the caller; chunks of a superseded request are dropped by id.
    public var id: Int
    public var messages: [ChatMessage]
    public var question: Question?
    /// Consultancy and debate: the speech asked for (role, round, assigned option). Like
    /// `question`, for the simulated assistant only; network providers send `messages`.
    public var speech: ProtocolSpeechRequest?

    public init(id: Int, messages: [ChatMessage], question: Question?, speech: ProtocolSpeechRequest? = nil) {
        self.id = id
        self.messages = messages
        self.question = question
        self.speech = speech
    }
}

/// Token counts and timings of a finished reply.
public struct AssistantUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(promptTokens: Int? = nil, completionTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// A piece of a streamed reply.
public enum AssistantChunk: Sendable, Equatable {
    /// More reply text.
    case text(String)
    /// Progress before any text (e.g. "reading the passage… 40%"), shown in the chat pane.
    case progress(String)
    /// The reply is complete.
    case done(AssistantUsage)
}

/// Why a reply failed. `message` is safe to show and log: it never holds an API key.
public enum AssistantError: Error, Sendable, Equatable {
    /// Could not connect (refused, DNS, server not running).
    case unreachable(String)
    /// The server answered with an HTTP error status.
    case http(status: Int, message: String, retryAfterSeconds: Double?)
    /// No bytes arrived for this many seconds.
    case timeout(seconds: Double)
    /// The stream could not be parsed.
    case malformed(String)
    /// The connection ended before the reply did.
    case dropped(String)
    /// The study's assistant settings are unusable.
    case configuration(String)
    case cancelled

    public var message: String {
        switch self {
        case .unreachable(let m): "Assistant unreachable: \(m)"
        case .http(let s, let m, let r):
            "Assistant server error \(s)" + (m.isEmpty ? "" : ": \(m)")
                + (r.map { " (retry after \(Int($0.rounded(.up))) s)" } ?? "")
        case .timeout(let s): "Assistant sent nothing for \(s < 10 ? String(format: "%g", s) : String(Int(s))) s"
        case .malformed(let m): "Assistant reply could not be read: \(m)"
        case .dropped(let m): "Connection to the assistant dropped: \(m)"
        case .configuration(let m): "Assistant configuration: \(m)"
        case .cancelled: "Cancelled"
        }
    }
}

/// Anything that can answer a participant: the simulated assistant, an OpenAI-compatible
/// server, Anthropic's API, the local model. Cancelling the task that iterates the stream
/// cancels the request.
public protocol Assistant: Sendable {
    /// Provider name as in the study file (`simulated`, `openai`, `anthropic`, `local`).
    var provider: String { get }
    /// Model name, when there is one.
    var model: String? { get }
    /// Stream the reply to `request`. Ends with `.done` or throws an `AssistantError`.
    func stream(_ request: AssistantRequest) -> AsyncThrowingStream<AssistantChunk, Error>
    /// Get ready for a conversation before the participant writes (see the extension).
    func prepare(_ request: AssistantRequest) async
}

extension Assistant {
    /// Let the assistant get ready for a conversation before the participant writes (a local
    /// model pre-reads the passage into its cache). Providers with nothing to prepare do nothing.
    public func prepare(_ request: AssistantRequest) async {}
}
