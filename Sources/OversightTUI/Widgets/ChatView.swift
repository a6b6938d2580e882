import OversightCore

/// One entry of the visible chat transcript.
public enum ChatEntry: Sendable, Equatable {
    /// A message the participant sent.
    case user(String)
    /// An assistant reply as it ended: complete, cancelled (partial text) or failed.
    case assistant(text: String, status: ReplyStatus, error: String?)
    /// The assistant's context was reset here; the text above stays visible.
    case resetDivider
    /// A note from the app (e.g. a reply lost when the session was interrupted).
    case notice(String)
}

/// A reply being streamed right now (not yet logged).
public struct StreamingReply: Sendable, Equatable {
    public var requestID: Int
    public var text: String
    /// Progress note sent before any text ("reading the passage… 40%").
    public var progress: String?

    /// A reply in progress.
    public init(requestID: Int, text: String = "", progress: String? = nil) {
        self.requestID = requestID
        self.text = text
        self.progress = progress
    }
}

/// The chat transcript and its scroll position. `scrollBack` counts lines up from the bottom
/// (0 = follow the newest line) and is clamped to what the transcript holds.
public struct ChatViewState: Sendable, Equatable {
    public var entries: [ChatEntry] = []
    public var scrollBack: Int = 0

    /// A transcript following its newest line.
    public init(entries: [ChatEntry] = []) { self.entries = entries }

    /// Scroll by `delta` lines (positive = towards older lines), clamped.
    public mutating func scroll(by delta: Int, totalLines: Int, rows: Int) {
        scrollBack = max(0, min(scrollBack + delta, max(0, totalLines - rows)))
    }

    /// Styled lines of the transcript at `width`, with the streaming reply (if any) last.
    /// `frame` animates the typing indicator.
    public func lines(width: Int, streaming: StreamingReply?, frame: Int) -> [(String, Style)] {
        let width = max(4, width)
        var out: [(String, Style)] = []
        func body(_ text: String, style: Style = .plain) {
            for l in TextLayout.wrap(text, width: width - 2) { out.append(("  " + l.text, style)) }
        }
        for e in entries {
            switch e {
            case .user(let t):
                out.append(("You", Style(.user, bold: true)))
                body(t)
            case .assistant(let t, let status, let error):
                out.append(("Assistant", Style(.assistant, bold: true)))
                if !t.isEmpty { body(t) }
                switch status {
                case .complete: break
                case .cancelled: body("[reply cancelled" + (t.isEmpty ? "]" : "; text above is partial]"), style: Style(.dim))
                case .failed:
                    body("[reply failed: \(error ?? "unknown error")" + (t.isEmpty ? "]" : "; text above is partial]"),
                         style: Style(.danger))
                }
            case .resetDivider:
                let label = " assistant context reset "
                let side = max(1, (width - DisplayWidth.of(label)) / 2)
                out.append((String(repeating: "─", count: side) + label + String(repeating: "─", count: side), Style(.dim)))
            case .notice(let t):
                body(t, style: Style(.dim))
            }
        }
        if let s = streaming {
            let dots = String(repeating: ".", count: frame % 3 + 1)
            if s.text.isEmpty {
                out.append(("Assistant is typing" + dots, Style(.assistant, bold: true)))
                if let p = s.progress { body(p, style: Style(.dim)) }
            } else {
                out.append(("Assistant (typing" + dots + ")", Style(.assistant, bold: true)))
                body(s.text)
            }
        }
        return out
    }
}

/// Draws the chat pane: transcript above, a rule, the input field below.
public enum ChatView {
    /// Draw into `rect` (border included).
    public static func render(_ state: ChatViewState, input: ChatInputState, streaming: StreamingReply?,
                              frame: Int, focused: Bool, notice: String? = nil, into canvas: inout Canvas, rect: Rect) {
        let inner = rect.inner
        let inputH = ChatInputView.height(input, width: inner.width, maxRows: 3)
        let rows = max(0, inner.height - inputH - 1)
        let lines = state.lines(width: inner.width, streaming: streaming, frame: frame)
        let back = max(0, min(state.scrollBack, lines.count - rows))
        let right = back > 0 ? "\(back) newer lines below" : (streaming != nil ? "Esc cancels" : nil)
        canvas.box(rect, title: "Assistant chat", focused: focused, rightTitle: right,
                   footer: notice.map { ($0, Style(.warning, bold: true)) })
        guard inner.width > 2, inner.height > 1 else { return }
        let first = max(0, lines.count - rows - back)
        for r in 0..<rows where first + r < lines.count {
            let (t, st) = lines[first + r]
            canvas.text(t, col: inner.col, row: inner.row + r, maxWidth: inner.width, style: st)
        }
        if state.entries.isEmpty && streaming == nil && rows > 2 {
            let hint = TextLayout.wrap("Ask the assistant anything. It can be wrong.", width: inner.width, maxLines: rows)
            for (i, l) in hint.enumerated() {
                canvas.text(l, col: inner.col, row: inner.row + i, style: Style(.dim))
            }
        }
        let sepRow = inner.row + rows
        for x in inner.col..<inner.maxCol { canvas.grid[x, sepRow] = Cell("┄", style: Style(.border)) }
        ChatInputView.render(input, placeholder: streaming != nil ? "(waiting for the reply; Esc cancels)" : "Type a message, Enter sends",
                             focused: focused, into: &canvas,
                             rect: Rect(col: inner.col, row: sepRow + 1, width: inner.width, height: inputH))
    }

    /// Transcript rows visible inside a pane of `rect` with this input.
    public static func transcriptRows(input: ChatInputState, rect: Rect) -> Int {
        let inner = rect.inner
        return max(0, inner.height - ChatInputView.height(input, width: inner.width, maxRows: 3) - 1)
    }
}
