import Foundation
import OversightCore

/// What is known about a participant id's session before anything is written.
public enum ArrivalLookup: Sendable, Equatable {
    /// No session yet: a new one starts.
    case new
    /// An unfinished session, at `position` ("at block 1 question 3").
    case unfinished(position: String)
    /// A finished session and its completion code.
    case finished(code: String)
    /// The session runs in another process (`holder`: where, when known).
    case running(holder: String?)
    /// The log cannot be continued; `reason` says why.
    case refused(reason: String)
}

/// The participant id screen shown before a session starts: the participant types an id, it is
/// checked (today's id rules, then the study's pattern), and its session is looked up. Nothing is
/// written until an id is accepted.
public struct ArrivalState: Equatable {
    /// Where the screen is.
    public enum Phase: Equatable {
        /// Typing the id.
        case entering
        /// The id has an unfinished session: continue it? (y/n)
        case confirmResume(id: String, position: String)
        /// The id's session is finished: its code is shown again.
        case finished(id: String, code: String)
        /// An id was accepted; `resume` when it continues an unfinished session.
        case accepted(id: String, resume: Bool)
        /// The participant left with Ctrl-C (or the terminal went away).
        case cancelled
    }

    /// Longest id accepted, in characters (today's id rule).
    public static let maxLength = 64

    public var label: String
    /// The study's `participant_pattern`, as written.
    public var pattern: String?
    public var input: String = ""
    /// Why the last id was not accepted, shown under the field.
    public var message: String?
    public var phase: Phase = .entering

    public init(label: String?, pattern: String?) {
        self.label = label ?? "Participant ID"
        self.pattern = pattern
    }

    public var isDone: Bool {
        switch phase {
        case .accepted, .cancelled: true
        default: false
        }
    }
}

/// The pure core of the id screen: keys in, at most one effect out.
public enum ArrivalScreen {
    /// What the caller must do after a key.
    public enum Effect: Equatable, Sendable {
        /// Look the id's session up and hand the answer to `apply(_:lookup:)`.
        case lookUp(String)
    }

    /// Why `id` is not acceptable, or nil when it is.
    public static func problem(with id: String, label: String, pattern: String?) -> String? {
        if id.isEmpty { return "Please type your \(label)." }
        if id.count > ArrivalState.maxLength {
            return "That is too long: at most \(ArrivalState.maxLength) characters."
        }
        guard Identifier.isValid(id) else {
            return "Use only letters, digits, '-' and '_' (no spaces)."
        }
        if StudyFolderFile.reservedParticipant(id) != nil {
            return "That id cannot be used here. Please check it and try again."
        }
        if let pattern {
            // The loader has checked that the pattern compiles; a failure here refuses the id.
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  regex.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil else {
                return "That does not look like a \(label). Please check it and try again."
            }
        }
        return nil
    }

    public static func update(_ state: inout ArrivalState, key: Key) -> Effect? {
        if key == .ctrl("c") {
            state.phase = .cancelled
            return nil
        }
        switch state.phase {
        case .entering:
            switch key {
            case .char(let c):
                guard !c.isNewline, c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                    return nil
                }
                if state.input.count >= ArrivalState.maxLength {
                    state.message = "That is too long: at most \(ArrivalState.maxLength) characters."
                    return nil
                }
                state.input.append(c)
                state.message = nil
            case .backspace, .delete:
                if !state.input.isEmpty { state.input.removeLast() }
                state.message = nil
            case .ctrl("u"):
                state.input = ""
                state.message = nil
            case .enter:
                let id = state.input.trimmingCharacters(in: .whitespaces)
                if let problem = problem(with: id, label: state.label, pattern: state.pattern) {
                    state.message = problem
                    return nil
                }
                state.input = id
                return .lookUp(id)
            default:
                break
            }
        case .confirmResume(let id, _):
            switch key {
            case .char("y"), .char("Y"), .enter:
                state.phase = .accepted(id: id, resume: true)
            case .char("n"), .char("N"), .escape:
                state.phase = .entering
                state.input = ""
                state.message = nil
            default:
                break
            }
        case .finished:
            if key == .enter || key == .escape {
                state.phase = .entering
                state.input = ""
                state.message = nil
            }
        case .accepted, .cancelled:
            break
        }
        return nil
    }

    /// Applies the answer to a `lookUp` effect.
    public static func apply(_ state: inout ArrivalState, lookup: ArrivalLookup) {
        guard case .entering = state.phase else { return }
        let id = state.input
        switch lookup {
        case .new:
            state.phase = .accepted(id: id, resume: false)
        case .unfinished(let position):
            state.phase = .confirmResume(id: id, position: position)
        case .finished(let code):
            state.phase = .finished(id: id, code: code)
        case .running:
            state.message = "The session of \(id) is already running on another terminal."
        case .refused(let reason):
            state.message = "The session of \(id) cannot be continued: \(reason)"
        }
    }

    public static func render(_ state: ArrivalState, size: Size) -> CellGrid {
        var canvas = Canvas(size: size)
        guard size.cols >= 20, size.rows >= 8 else {
            canvas.text(TextLayout.truncate("Terminal too small", width: size.cols), col: 0, row: 0)
            return canvas.grid
        }
        let w = min(size.cols - 2, 72)
        let r = Rect(col: (size.cols - w) / 2, row: max(0, (size.rows - 9) / 2), width: w, height: 9)
        canvas.fill(r)
        canvas.box(r, title: "Welcome", focused: true)
        let inner = r.inner
        let textW = inner.width - 2
        let col = inner.col + 1
        switch state.phase {
        case .entering, .accepted, .cancelled:
            canvas.text(TextLayout.truncate("Please type your \(state.label) and press Enter.", width: textW),
                        col: col, row: inner.row + 1, style: Style(.normal, bold: true))
            let prompt = TextLayout.truncate(state.label + ": ", width: max(1, textW / 2))
            let used = canvas.text(prompt, col: col, row: inner.row + 3, style: Style(.title, bold: true))
            let fieldW = max(1, textW - used)
            // Show the end of a long id, so what is typed is always visible.
            var shown = state.input
            while DisplayWidth.of(shown) > fieldW - 1, !shown.isEmpty { shown.removeFirst() }
            let end = canvas.text(shown, col: col + used, row: inner.row + 3, maxWidth: fieldW)
            canvas.setCursor(col: col + used + end, row: inner.row + 3)
            if let message = state.message {
                canvas.text(TextLayout.truncate(message, width: textW), col: col, row: inner.row + 5,
                            style: Style(.danger, bold: true))
            }
        case .confirmResume(let id, let position):
            canvas.text(TextLayout.truncate("You have started this study before (\(position)).", width: textW),
                        col: col, row: inner.row + 1, style: Style(.normal, bold: true))
            canvas.text(TextLayout.truncate("Continue the session of \(id)?", width: textW),
                        col: col, row: inner.row + 3)
            canvas.segments([("y", Style(.title, bold: true)), (" continue    ", .plain),
                             ("n", Style(.title, bold: true)), (" type another id", .plain)],
                            col: col, row: inner.row + 5, maxWidth: textW)
        case .finished(let id, let code):
            canvas.text(TextLayout.truncate("The session of \(id) is finished.", width: textW),
                        col: col, row: inner.row + 1, style: Style(.normal, bold: true))
            canvas.text(TextLayout.truncate("Your completion code: \(code)", width: textW),
                        col: col, row: inner.row + 3, style: Style(.success, bold: true))
            canvas.text(TextLayout.truncate("Enter: back", width: textW), col: col, row: inner.row + 5,
                        style: Style(.dim))
        }
        canvas.text(TextLayout.truncate("Ctrl-C: leave", width: size.cols - 2), col: 1, row: size.rows - 1,
                    style: Style(.dim))
        return canvas.grid
    }
}

/// Runs the id screen on the terminal driver. `lookUp` is asked about each well-formed id.
public final class ArrivalScreenSession: ScreenSession {
    public private(set) var state: ArrivalState
    private let lookUp: (String) -> ArrivalLookup

    public init(state: ArrivalState, lookUp: @escaping (String) -> ArrivalLookup) {
        self.state = state
        self.lookUp = lookUp
    }

    public var wakeFD: Int32 { -1 }
    public var isFinished: Bool { state.isDone }

    public func handle(_ input: TerminalInput) {
        guard case .key(let key) = input else { return }
        if case .lookUp(let id) = ArrivalScreen.update(&state, key: key) {
            ArrivalScreen.apply(&state, lookup: lookUp(id))
        }
    }

    public func pump() {}
    public func millisecondsUntilWake() -> Int? { nil }
    public func frame(_ size: Size) -> CellGrid { ArrivalScreen.render(state, size: size) }
    public func stop(_ cause: StopCause) { state.phase = .cancelled }
}
