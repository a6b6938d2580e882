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
    ///   - progress: start-up progress ("starting the local model… 3 s").
    public static func make(_ config: AssistantConfig, projectRoot: URL? = nil, seed: UInt64,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            logitsAll: Bool = false,
                            progress: @Sendable (String) -> Void = { _ in }) async throws -> AssistantHandle {
        switch config.provider {
        case "openai":
            return AssistantHandle(assistant: try OpenAIAssistant(config: config, environment: environment))
        case "anthropic":
            return AssistantHandle(assistant: try AnthropicAssistant(config: config, environment: environment))
        case "local":
            guard let root = projectRoot ?? ProjectRoot.locate() else {
                throw AssistantError.configuration(
                    "cannot find the project folder (with scripts/setup-model.sh) for the local model; run from inside it")
            }
            let server = try await LocalModelServer.start(root: root, model: config.model, logitsAll: logitsAll,
                                                          progress: progress)
            do {
                return AssistantHandle(assistant: try LocalAssistant(server: server, config: config), server: server)
            } catch {
                server.stop()
                throw error
            }
        case "simulated":
            return AssistantHandle(assistant: try makeSimulated(config, seed: seed))
        default:
            throw AssistantError.configuration(
                "unknown provider \"\(config.provider)\" (expected one of \(AssistantConfig.providers.joined(separator: ", ")))")
        }
    }
}

extension AssistantFactory {
    /// The simulated assistant lives in the core library.
    static func makeSimulated(_ config: AssistantConfig, seed: UInt64) throws -> any Assistant {
        // The core's SimulatedAssistant is not part of this build yet.
        throw AssistantError.configuration("provider \"simulated\" is not available in this build")
    }
}
