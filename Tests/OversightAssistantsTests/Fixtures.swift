import Foundation
import OversightCore

enum Fixtures {
    static let secret = "sk-test-SECRET-0123456789abcdef"

    static func question(id: String = "mmlu/astronomy/val/1", gold: Int = 2, passage: Passage? = nil) -> Question {
        Question(id: id, task: passage == nil ? .mmlu : .quality, subject: "astronomy",
                 text: "Which planet is known as the red planet?",
                 options: ["Venus", "Jupiter", "Mars", "Saturn"], gold: gold, passage: passage,
                 metadata: QuestionMetadata(source: "test.csv", line: 1, split: "val"))
    }

    static func config(_ baseURL: String, provider: Provider = .openai, timeout: Double = 5) -> AssistantConfig {
        var c = AssistantConfig()
        c.provider = provider
        c.baseURL = baseURL
        c.model = provider == .anthropic ? "claude-test" : "test-model"
        c.apiKeyEnv = "TEST_API_KEY"
        c.timeoutSeconds = timeout
        return c
    }

    static let env = ["TEST_API_KEY": secret]

    /// An OpenAI stream saying "Hello, world" with usage.
    static let openAIStream = """
        data: {"id":"1","model":"served-model","choices":[{"index":0,"delta":{"role":"assistant"},"finish_reason":null}]}

        data: {"id":"1","model":"served-model","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}

        : keep-alive

        data: {"id":"1","model":"served-model","choices":[{"index":0,"delta":{"content":", world"},"finish_reason":"stop"}]}

        data: {"id":"1","model":"served-model","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}

        data: [DONE]


        """

    static let anthropicStream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"m","model":"claude-served","usage":{"input_tokens":21,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type":"ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bonjour"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" là"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}

        event: message_stop
        data: {"type":"message_stop"}


        """
}
