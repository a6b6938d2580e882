import Foundation

/// The assistant's context for one question, as in the original study: for QuALITY the passage
/// is the body of the first user turn; the question and options are sent only when the study
/// asks for it; a reset drops everything but that passage turn. The participant's visible
/// transcript is kept elsewhere (the chat pane) and survives resets.
public struct Conversation: Sendable, Equatable {
    public private(set) var messages: [ChatMessage]
    /// Messages that survive a reset (system prompt, passage turn).
    private let preamble: [ChatMessage]

    public init(question: Question, systemPrompt: String?, sendQuestion: Bool) {
        var pre: [ChatMessage] = []
        if let systemPrompt, !systemPrompt.isEmpty {
            pre.append(ChatMessage(role: .system, content: systemPrompt))
        }
        var first: [String] = []
        if let passage = question.passage {
            first.append(passage.text)
        }
        if sendQuestion {
            first.append(Conversation.questionBlock(question))
        }
        if !first.isEmpty {
            pre.append(ChatMessage(role: .user, content: first.joined(separator: "\n\n")))
            pre.append(ChatMessage(role: .assistant,
                                   content: question.passage != nil
                                       ? "I have read the text. What would you like to know?"
                                       : "I have read the question. What would you like to know?"))
        }
        preamble = pre
        messages = pre
    }

    /// The question and its options as plain text (never the answer).
    public static func questionBlock(_ q: Question) -> String {
        var s = "Question: \(q.text)\nChoices:"
        for (i, o) in q.options.enumerated() { s += "\n(\(Question.letters[i])) \(o)" }
        return s
    }

    public mutating func appendUser(_ text: String) {
        messages.append(ChatMessage(role: .user, content: text))
    }

    public mutating func appendAssistant(_ text: String) {
        messages.append(ChatMessage(role: .assistant, content: text))
    }

    /// Drop the assistant's memory of the chat; the passage turn stays.
    public mutating func reset() { messages = preamble }
}
