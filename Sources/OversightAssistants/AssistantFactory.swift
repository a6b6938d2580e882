import Foundation
import OversightCore

/// An assistant plus whatever it needs torn down when the session ends (a local server).
public struct AssistantHandle: Sendable {
    public let assistant: any Assistant
    /// The local model server, when the provider is `local`.
    public let server: LocalModelServer?

    public init(assistant: any Assistant, server: LocalModelServer? = nil) {
        self.assistant = assistant
        self.server = server
    }

    /// Stop anything started for the assistant. Safe to call more than once.
    public func shutdown() { server?.stop() }
}

/// Builds the assistant a study asks for.
public enum AssistantFactory {
    /// Build the assistant for `config`.
    /// - Parameters:
    ///   - projectRoot: folder with `.venv` and `scripts/` (the local provider); found from the
    ///     executable's location or the current directory when nil.
    ///   - seed: seed for the simulated assistant's random choices.
    ///   - logitsAll: start a local server that reports log-probabilities (baseline).
    ///   - contextTokens: context size of a local server (16384 fits a QuALITY article).
    ///   - retry: retries of a remote provider before any reply text arrived.
    ///   - progress: start-up progress ("starting the local model… 3 s").
    public static func make(_ config: AssistantConfig, projectRoot: URL? = nil, seed: UInt64,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            logitsAll: Bool = false, contextTokens: Int = 16384,
                            retry: RetryPolicy = RetryPolicy(),
                            progress: @Sendable (String) -> Void = { _ in }) async throws -> AssistantHandle {
        switch config.provider {
        case .openai:
            return AssistantHandle(assistant: try OpenAIAssistant(config: config, environment: environment, retry: retry))
        case .anthropic:
            return AssistantHandle(assistant: try AnthropicAssistant(config: config, environment: environment, retry: retry))
        case .local:
            guard let root = projectRoot ?? ProjectRoot.locate() else {
                throw AssistantError.configuration(
                    "cannot find the project folder (with scripts/setup-model.sh) for the local model; run from inside it")
            }
            let server = try await LocalModelServer.start(root: root, model: config.model, logitsAll: logitsAll,
                                                          contextTokens: contextTokens, progress: progress)
            do {
                return AssistantHandle(assistant: try LocalAssistant(server: server, config: config), server: server)
            } catch {
                server.stop()
                throw error
            }
        case .simulated:
            return AssistantHandle(assistant: try makeSimulated(config, seed: seed))
        }
    }
}

extension AssistantFactory {
    /// The core's simulated assistant, seeded for reproducible replies.
    static func makeSimulated(_ config: AssistantConfig, seed: UInt64) throws -> any Assistant {
        guard (0...1).contains(config.accuracy) else {
            throw AssistantError.configuration("accuracy must be between 0 and 1, found \(config.accuracy)")
        }
        guard config.wordDelayMs >= 0 else {
            throw AssistantError.configuration("word_delay_ms must be 0 or more, found \(config.wordDelayMs)")
        }
        return SimulatedAssistant(seed: seed, accuracy: config.accuracy, wordDelayMs: config.wordDelayMs)
    }
}
