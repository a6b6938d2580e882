import Foundation
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

/// One line of the chat transcript: its text, its style, and, when parts of it are styled
/// differently (Markdown in a reply), the runs that make it up (empty: all of `text` in `style`).
public typealias ChatLine = (text: String, style: Style, runs: [StyledRun])

/// The lines of a transcript: the logged entries' lines followed by the streaming reply's.
/// Indexing is cheap: the entries' part is shared with the cache, not copied.
public struct ChatTranscript {
    /// Lines of the logged entries.
    public let entryLines: [ChatLine]
    /// Lines of the reply being streamed (empty when none).
    public let streamingLines: [ChatLine]

    /// Lines in all.
    public var count: Int { entryLines.count + streamingLines.count }

    /// The line at `i` (0 = oldest).
    public subscript(i: Int) -> ChatLine {
        i < entryLines.count ? entryLines[i] : streamingLines[i - entryLines.count]
    }

    /// Every line as one array.
    public var all: [ChatLine] { entryLines + streamingLines }
}

/// Wrapped transcript lines, memoised per entry for one width: a new message wraps only that
/// message, a streamed chunk re-wraps only the reply being streamed, and a resize re-wraps all.
/// Entries are checked against the cached ones on every use (the strings share storage, so the
/// check is cheap), so a stale line can never be shown. Shared by reference between copies of
/// the state that owns it.
public final class ChatLineCache: @unchecked Sendable {
    private let lock = NSLock()
    private var width = -1
    private var entries: [ChatEntry] = []
    /// Number of lines each cached entry produced, in order.
    private var lineCounts: [Int] = []
    private var lines: [ChatLine] = []
    private var streamKey: (text: String, progress: String?, width: Int)?
    private var streamBody: [ChatLine] = []
    /// How many entries (or streaming bodies) were wrapped since the cache was made.
    public private(set) var wraps = 0

    /// An empty cache.
    public init() {}

    /// Lines of `entries` at `width` (at least 4), with the streaming reply (if any) last.
    /// `frame` animates the typing indicator; `retryHint` adds the F5 hint after a reply that
    /// failed or was cancelled.
    public func transcript(_ entries: [ChatEntry], width: Int, streaming: StreamingReply?, frame: Int,
                           retryHint: Bool = false) -> ChatTranscript {
        let width = max(4, width)
        lock.lock()
        defer { lock.unlock() }
        if width != self.width {
            self.width = width
            self.entries.removeAll()
            lineCounts.removeAll()
            lines.removeAll()
            streamKey = nil
        }
        // Keep the longest prefix of cached entries that still matches.
        var same = 0
        let n = min(entries.count, self.entries.count)
        while same < n, entries[same] == self.entries[same] { same += 1 }
        if same < self.entries.count {
            let keep = lineCounts[0..<same].reduce(0, +)
            lines.removeSubrange(keep...)
            self.entries.removeSubrange(same...)
            lineCounts.removeSubrange(same...)
        }
        for e in entries[same...] {
            let before = lines.count
            ChatViewState.appendLines(of: e, width: width, into: &lines)
            self.entries.append(e)
            lineCounts.append(lines.count - before)
            wraps += 1
        }
        var tail: [ChatLine] = []
        if let s = streaming {
            let dots = String(repeating: ".", count: frame % 3 + 1)
            if let k = streamKey, k.width == width, k.text == s.text, k.progress == s.progress {
                // Reuse the wrapped body.
            } else {
                streamBody.removeAll()
                if s.text.isEmpty {
                    if let p = s.progress { ChatViewState.appendBody(p, style: Style(.dim), width: width, into: &streamBody) }
                } else {
                    ChatViewState.appendMarkdown(s.text, width: width, into: &streamBody)
                }
                streamKey = (s.text, s.progress, width)
                wraps += 1
            }
            tail.reserveCapacity(streamBody.count + 1)
            tail.append(s.text.isEmpty ? ("Assistant is typing" + dots, Style(.assistant, bold: true), [])
                                       : ("Assistant (typing" + dots + ")", Style(.assistant, bold: true), []))
            tail += streamBody
        } else if retryHint {
            ChatViewState.appendBody(ChatViewState.retryHintText, style: Style(.warning, bold: true), width: width, into: &tail)
        }
        return ChatTranscript(entryLines: lines, streamingLines: tail)
    }
}

/// The chat transcript and its scroll position. `scrollBack` counts lines up from the bottom
/// (0 = follow the newest line) and is clamped to what the transcript holds.
public struct ChatViewState: Sendable, Equatable {
    public var entries: [ChatEntry] = []
    public var scrollBack: Int = 0
    /// Wrapped lines of `entries` (memo; not part of the value).
    public let lineCache = ChatLineCache()

    /// A transcript following its newest line.
    public init(entries: [ChatEntry] = []) { self.entries = entries }

    /// Equal when the entries and the scroll position are equal (the memo does not count).
    public static func == (a: ChatViewState, b: ChatViewState) -> Bool {
        a.entries == b.entries && a.scrollBack == b.scrollBack
    }

    /// Scroll by `delta` lines (positive = towards older lines), clamped.
    public mutating func scroll(by delta: Int, totalLines: Int, rows: Int) {
        scrollBack = max(0, min(scrollBack + delta, max(0, totalLines - rows)))
    }

    /// The hint under a reply that failed or was cancelled while F5 can send the message again.
    public static let retryHintText = "F5 retry: sends your last message again"

    /// The transcript at `width` (memoised), with the streaming reply (if any) last.
    /// `frame` animates the typing indicator; `retryHint` adds the F5 hint at the end.
    public func transcript(width: Int, streaming: StreamingReply?, frame: Int, retryHint: Bool = false) -> ChatTranscript {
        lineCache.transcript(entries, width: width, streaming: streaming, frame: frame, retryHint: retryHint)
    }

    /// Styled lines of the transcript at `width`, with the streaming reply (if any) last.
    /// `frame` animates the typing indicator.
    public func lines(width: Int, streaming: StreamingReply?, frame: Int) -> [ChatLine] {
        transcript(width: width, streaming: streaming, frame: frame).all
    }

    /// Append the wrapped, indented lines of a message body.
    static func appendBody(_ text: String, style: Style, width: Int, into out: inout [ChatLine]) {
        for l in TextLayout.wrap(text, width: width - 2) { out.append(("  " + l.text, style, [])) }
    }

    /// Append the indented lines of a reply, its Markdown drawn (see `Markdown`).
    static func appendMarkdown(_ text: String, width: Int, into out: inout [ChatLine]) {
        Markdown.append(text, width: width - 2, indent: "  ", base: .plain, into: &out)
    }

    /// Append the lines of one entry at `width`.
    static func appendLines(of e: ChatEntry, width: Int, into out: inout [ChatLine]) {
        switch e {
        case .user(let t):
            out.append(("You", Style(.user, bold: true), []))
            appendBody(t, style: .plain, width: width, into: &out)
        case .assistant(let t, let status, let error):
            out.append(("Assistant", Style(.assistant, bold: true), []))
            if !t.isEmpty { appendMarkdown(t, width: width, into: &out) }
            switch status {
            case .complete: break
            case .cancelled:
                appendBody("[reply cancelled" + (t.isEmpty ? "]" : "; text above is partial]"), style: Style(.dim),
                           width: width, into: &out)
            case .interrupted:
                appendBody("[reply interrupted: the session stopped before it ended" + (t.isEmpty ? "]" : "; text above is partial]"),
                           style: Style(.danger), width: width, into: &out)
            case .failed:
                appendBody("[reply failed: \(error ?? "unknown error")" + (t.isEmpty ? "]" : "; text above is partial]"),
                           style: Style(.danger), width: width, into: &out)
            }
        case .resetDivider:
            let label = " assistant context reset "
            // Across the whole width (the right side takes the odd cell).
            let side = max(1, (width - DisplayWidth.of(label)) / 2)
            let right = max(1, width - side - DisplayWidth.of(label))
            out.append((String(repeating: "─", count: side) + label + String(repeating: "─", count: right), Style(.dim), []))
        case .notice(let t):
            appendBody(t, style: Style(.dim), width: width, into: &out)
        }
    }
}

/// Draws the chat pane: transcript above, a rule, the input field below.
public enum ChatView {
    /// Draw into `rect` (border included).
    /// `retryHint` shows the F5 hint under a reply that failed or was cancelled; `questionHidden`
    /// (the study does not send the question to the model) says so in the empty input.
    public static func render(_ state: ChatViewState, input: ChatInputState, streaming: StreamingReply?,
                              frame: Int, focused: Bool, notice: String? = nil, retryHint: Bool = false,
                              questionHidden: Bool = false, into canvas: inout Canvas, rect: Rect) {
        let inner = rect.inner
        let area = content(rect)
        let inputH = ChatInputView.height(input, width: area.width, maxRows: 3)
        // A notice too long for the bottom border is drawn whole above the input instead.
        let noticeOnBorder = notice.map { DisplayWidth.of(" " + $0 + " ") <= rect.width - 4 } ?? true
        let noticeLines = noticeOnBorder ? [] : TextLayout.wrap(notice ?? "", width: area.width, maxLines: 3)
        let rows = max(0, inner.height - inputH - 1 - noticeLines.count)
        let lines = state.transcript(width: area.width, streaming: streaming, frame: frame, retryHint: retryHint)
        let back = max(0, min(state.scrollBack, lines.count - rows))
        let right = back > 0 ? scrolledLabel(back, paneWidth: rect.width) : (streaming != nil ? "Esc cancels" : nil)
        canvas.box(rect, title: title(focused: focused, right: right, width: rect.width), focused: focused, rightTitle: right,
                   footer: noticeOnBorder ? notice.map { ($0, Style(.warning, bold: true)) } : nil)
        guard inner.width > 2, inner.height > 1 else { return }
        let first = max(0, lines.count - rows - back)
        for r in 0..<rows where first + r < lines.count {
            let line = lines[first + r]
            if line.runs.isEmpty {
                canvas.text(line.text, col: area.col, row: inner.row + r, maxWidth: area.width, style: line.style)
            } else {
                canvas.segments(line.runs.map { ($0.text, $0.style) }, col: area.col, row: inner.row + r,
                                maxWidth: area.width)
            }
        }
        if state.entries.isEmpty && streaming == nil && rows > 2 {
            let hint = TextLayout.wrap("Ask the assistant anything. It can be wrong.", width: area.width, maxLines: rows)
            for (i, l) in hint.enumerated() {
                canvas.text(l, col: area.col, row: inner.row + i, style: Style(.dim))
            }
        }
        for (i, l) in noticeLines.enumerated() {
            canvas.text(l, col: area.col, row: inner.row + rows + i, maxWidth: area.width, style: Style(.warning, bold: true))
        }
        let sepRow = inner.row + rows + noticeLines.count
        for x in inner.col..<inner.maxCol { canvas.grid[x, sepRow] = Cell("┄", style: Style(.border)) }
        ChatInputView.render(input, placeholder: placeholder(waiting: streaming != nil, width: area.width,
                                                             questionHidden: questionHidden),
                             focused: focused, into: &canvas,
                             rect: Rect(col: area.col, row: sepRow + 1, width: area.width, height: inputH))
    }

    /// The pane's title: "Assistant chat", or "Chat" when the long one and the right-hand label
    /// do not both fit the top edge (as `Canvas.box` lays it out).
    static func title(focused: Bool, right: String?, width: Int) -> String {
        let long = "Assistant chat"
        let rightW = right.map { DisplayWidth.of($0) + 3 } ?? 0
        let titleW = DisplayWidth.of(" " + (focused ? "▸ " : "") + long + " ")
        return titleW <= width - 4 - rightW ? long : "Chat"
    }

    /// Columns of the transcript and the input inside a pane of `rect`: the inner area less a
    /// cell of space on each side, so text does not touch the border.
    public static func content(_ rect: Rect) -> Rect {
        let inner = rect.inner
        guard inner.width > 8 else { return inner }
        return Rect(col: inner.col + 1, row: inner.row, width: inner.width - 2, height: inner.height)
    }

    /// The border label of a transcript scrolled back by `back` lines: short enough that
    /// `Canvas.box` keeps it (it drops a label that leaves the title under 12 cells).
    static func scrolledLabel(_ back: Int, paneWidth: Int) -> String {
        let long = "\(back) newer lines below"
        return paneWidth - 4 - (DisplayWidth.of(long) + 2) - 1 >= 12 ? long : "\(back) more below"
    }

    /// The input's placeholder: a hint that fits the field (which starts after the "> " prompt).
    static func placeholder(waiting: Bool, width: Int, questionHidden: Bool = false) -> String {
        let options = waiting ? ["(waiting for the reply; Esc cancels)", "(waiting for the reply)"]
            : questionHidden ? ["The assistant cannot see the question: type or insert it (F6)",
                                "It cannot see the question: type or insert it (F6)",
                                "It can't see the question: F6 inserts it", "It can't see the question: F6",
                                "F6 inserts the question"]
            : ["Type a message, Enter sends"]
        return options.first { DisplayWidth.of($0) <= width - 2 } ?? options[options.count - 1]
    }

    /// Transcript rows visible inside a pane of `rect` with this input.
    public static func transcriptRows(input: ChatInputState, rect: Rect) -> Int {
        max(0, rect.inner.height - ChatInputView.height(input, width: content(rect).width, maxRows: 3) - 1)
    }
}
