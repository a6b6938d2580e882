import Foundation

/// The chat of one assisted question of one session, read back from its log: what the
/// participant sent, how each reply ended, and the resets, in order. `oversight stance` finds
/// the assistant's stance from it.
public struct ChatTranscript: Sendable, Equatable {
    public enum Turn: Sendable, Equatable {
        /// A `chat_sent` message.
        case participant(requestID: Int, text: String)
        /// An `assistant_reply` (any status; the text the participant saw).
        case assistant(requestID: Int, text: String, status: ReplyStatus)
        /// An `assistant_reset`.
        case reset
    }

    public var participant: String
    public var questionID: String
    public var turns: [Turn]

    public init(participant: String, questionID: String, turns: [Turn]) {
        self.participant = participant
        self.questionID = questionID
        self.turns = turns
    }

    /// The transcripts of the assisted questions that were submitted in a session's records,
    /// in the order they were answered (a question with no chat has no turns). Empty when the
    /// records hold no `session_start`.
    public static func assisted(in records: [LogRecord]) -> [ChatTranscript] {
        var participant: String?
        var turns: [String: [Turn]] = [:]
        var out: [ChatTranscript] = []
        var done = Set<String>()
        for r in records {
            switch r.event {
            case .sessionStart(let s):
                if participant == nil { participant = s.participant }
            case .chatSent(let q, let id, let text):
                turns[q, default: []].append(.participant(requestID: id, text: text))
            case .assistantReply(let reply):
                turns[reply.questionID, default: []].append(.assistant(requestID: reply.requestID, text: reply.text,
                                                                       status: reply.status))
            case .assistantReset(let q):
                turns[q, default: []].append(.reset)
            case .submitted(let sub):
                guard let participant, sub.condition == .assisted, done.insert(sub.questionID).inserted else { continue }
                out.append(ChatTranscript(participant: participant, questionID: sub.questionID,
                                          turns: turns[sub.questionID] ?? []))
            default:
                break
            }
        }
        return out
    }

    /// Whether any reply with text was shown (a question the assistant said nothing on has no stance).
    public var hasReply: Bool {
        turns.contains { if case .assistant(_, let t, _) = $0 { return !t.isEmpty } else { return false } }
    }

    /// The requests as the model received them: for each participant message whose reply was
    /// logged, the context then (the conversation as `Conversation` keeps it: passage turn,
    /// exchanges since the last reset, a message sent again after a failed or cancelled reply
    /// replacing that exchange) plus the message, and the reply.
    public func requests(question: Question, systemPrompt: String?, sendQuestion: Bool)
        -> [(messages: [ChatMessage], reply: String, status: ReplyStatus)] {
        var conversation = Conversation(question: question, systemPrompt: systemPrompt, sendQuestion: sendQuestion)
        var sent: [Int: (text: String, context: [ChatMessage])] = [:]
        var retry: (text: String, partial: String)?
        var out: [(messages: [ChatMessage], reply: String, status: ReplyStatus)] = []
        for t in turns {
            switch t {
            case .participant(let id, let text):
                if let r = retry, r.text == text, !r.partial.isEmpty {
                    var c: Conversation? = conversation
                    Conversation.dropLastExchange(&c, user: text, assistant: r.partial)
                    if let c { conversation = c }
                }
                retry = nil
                sent[id] = (text, conversation.messages + [ChatMessage(role: .user, content: text)])
            case .assistant(let id, let text, let status):
                guard let s = sent.removeValue(forKey: id) else { continue }
                out.append((s.context, text, status))
                if !text.isEmpty {
                    conversation.appendUser(s.text)
                    conversation.appendAssistant(text)
                }
                retry = status == .complete ? nil : (s.text, text)
            case .reset:
                conversation.reset()
                retry = nil
            }
        }
        return out
    }
}

extension Conversation {
    /// Remove the last exchange when it is `user` then `assistant` (a message sent again after
    /// its reply failed or was cancelled replaces that exchange).
    static func dropLastExchange(_ c: inout Conversation?, user: String, assistant: String) {
        guard var conv = c else { return }
        let m = conv.messages
        guard m.count >= 2, m[m.count - 2] == ChatMessage(role: .user, content: user),
              m[m.count - 1] == ChatMessage(role: .assistant, content: assistant) else { return }
        var rebuilt = conv
        rebuilt.reset()
        let start = rebuilt.messages.count
        guard start <= m.count - 2 else { return }
        for turn in m[start..<(m.count - 2)] {
            switch turn.role {
            case .user: rebuilt.appendUser(turn.content)
            case .assistant: rebuilt.appendAssistant(turn.content)
            case .system: return
            }
        }
        conv = rebuilt
        c = conv
    }
}

extension SimulatedAssistant {
    /// The option this assistant advocated in `chat`, from its own record: it settles on
    /// `choice(for:)` per question and names it in every reply it gives once it can see the
    /// question; a reply given without the question (or to an empty message) names none. Nil
    /// when no shown reply named an option. Throws `Mismatch` when a complete reply in the log
    /// is not the one this assistant gives to that request (another seed or accuracy, or not
    /// this assistant), so no stance is derived from a record it did not write.
    public func advocated(in chat: ChatTranscript, question: Question, systemPrompt: String?,
                          sendQuestion: Bool) throws -> Int? {
        var named = false
        for r in chat.requests(question: question, systemPrompt: systemPrompt, sendQuestion: sendQuestion) {
            let request = AssistantRequest(id: 0, messages: r.messages, question: question)
            let full = reply(to: request)
            if r.status == .complete, r.reply != full {
                throw Mismatch(questionID: question.id)
            }
            guard !r.reply.isEmpty else { continue }
            if namesOption(request, question: question) { named = true }
        }
        return named ? choice(for: question) : nil
    }

    /// Whether the reply to `request` argues for an option (it sees the question and was asked something).
    func namesOption(_ request: AssistantRequest, question: Question) -> Bool {
        let passageText = question.passage?.text
        let userTurns = request.messages.filter { $0.role == .user }
        let asked = userTurns.last.map(\.content).flatMap { content -> String? in
            if let passageText, content.hasPrefix(passageText) { return nil }
            return content
        } ?? ""
        if asked.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return false }
        let sent = userTurns.map { turn -> String in
            guard let passageText, turn.content.hasPrefix(passageText) else { return turn.content }
            return String(turn.content.dropFirst(passageText.count))
        }
        return Self.sees(question, in: sent).question
    }

    /// A logged reply that this assistant would not have given.
    public struct Mismatch: Error, Sendable, Equatable {
        public var questionID: String
    }
}
