import Foundation

/// One server-sent event: its name (`message` when the stream names none), its data lines
/// joined with `\n`, and the last event id seen.
public struct SSEEvent: Sendable, Equatable {
    public var event: String
    public var data: String
    public var id: String?

    public init(event: String = "message", data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }

    /// Whether this is OpenAI's end-of-stream marker (`data: [DONE]`).
    public var isDone: Bool { data == "[DONE]" }
}

/// Incremental parser for `text/event-stream` bodies (the WHATWG server-sent events format).
///
/// Feed it byte chunks exactly as they arrive: a chunk may end anywhere, inside a line, between
/// `\r` and `\n`, or inside a multi-byte UTF-8 sequence. Lines end with `\n`, `\r\n` or `\r`.
/// Comment lines (`:` keep-alives) and unknown fields are ignored; an event is dispatched at a
/// blank line when it has data.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var afterCR = false
    private var sawFirstLine = false
    private var dataBuffer = ""
    private var hasData = false
    private var eventName = ""
    private var lastEventID: String?
    /// Reconnection time the server asked for (`retry:` field), in milliseconds.
    public private(set) var retryMs: Int?
    /// Bytes received so far.
    public private(set) var byteCount = 0

    public init() {}

    /// Whether bytes of an event that has not been dispatched yet are buffered (a stream that
    /// ends here was cut off mid-event).
    public var hasPendingEvent: Bool { !line.isEmpty || hasData || !eventName.isEmpty }

    /// Parse `chunk` and return the events it completes, in order.
    public mutating func feed(_ chunk: Data) -> [SSEEvent] {
        var out: [SSEEvent] = []
        byteCount += chunk.count
        for byte in chunk {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                endLine(into: &out)
            case 0x0D:
                afterCR = true
                endLine(into: &out)
            default:
                line.append(byte)
            }
        }
        return out
    }

    /// Convenience for tests and callers holding text.
    public mutating func feed(_ text: String) -> [SSEEvent] { feed(Data(text.utf8)) }

    /// The stream ended. Per the format an event without its terminating blank line is
    /// discarded; `hasPendingEvent` (checked before calling this) tells whether that happened.
    public mutating func finish() {
        line.removeAll()
        resetEvent()
    }

    private mutating func resetEvent() {
        dataBuffer = ""
        hasData = false
        eventName = ""
    }

    private mutating func endLine(into out: inout [SSEEvent]) {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if !sawFirstLine {
            sawFirstLine = true
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty {
            if hasData {
                out.append(SSEEvent(event: eventName.isEmpty ? "message" : eventName,
                                    data: dataBuffer, id: lastEventID))
            }
            resetEvent()
            return
        }
        if bytes.first == 0x3A { return }  // ":" comment / keep-alive
        let text = String(decoding: bytes, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "data":
            if hasData { dataBuffer += "\n" }
            dataBuffer += value
            hasData = true
        case "event":
            eventName = String(value)
        case "id":
            if !value.contains("\0") { lastEventID = String(value) }
        case "retry":
            if let ms = Int(value), ms >= 0, value.allSatisfy(\.isASCII) { retryMs = ms }
        default:
            break
        }
    }
}
