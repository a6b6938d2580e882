import OversightCore

/// What the status bar shows; built from the app state by the renderer.
public struct StatusBarModel: Sendable, Equatable {
    /// "Block 2/3 · Question 4/10 · Assisted".
    public var position: String
    /// Remaining time of a timed question.
    public var remainingMs: Int64?
    /// Name of the focused pane.
    public var focus: String?
    /// The few keys that matter now, as (key, action) pairs.
    public var keys: [(String, String)]

    /// A status bar model.
    public init(position: String, remainingMs: Int64?, focus: String?, keys: [(String, String)]) {
        self.position = position
        self.remainingMs = remainingMs
        self.focus = focus
        self.keys = keys
    }

    /// Equal when every field and key hint is equal.
    public static func == (a: StatusBarModel, b: StatusBarModel) -> Bool {
        a.position == b.position && a.remainingMs == b.remainingMs && a.focus == b.focus
            && a.keys.map { $0.0 + "\u{0}" + $0.1 } == b.keys.map { $0.0 + "\u{0}" + $0.1 }
    }
}

/// Draws the top status line and the bottom key-hint line.
public enum StatusBar {
    /// "4:32" for a remaining time, rounded up to the second (a timer never shows 0:00 early).
    public static func clock(_ ms: Int64) -> String {
        let secs = (max(0, ms) + 999) / 1000
        let m = secs / 60, s = secs % 60
        return "\(m):" + (s < 10 ? "0" : "") + "\(s)"
    }

    /// Style of the timer: warning in the last minute, danger in the last 10 s.
    public static func timerStyle(_ ms: Int64) -> Style {
        if ms <= 10_000 { return Style(.danger, bold: true, reverse: true) }
        if ms <= 60_000 { return Style(.warning, bold: true) }
        return Style(.statusBar, bold: true)
    }

    /// Draw the status bar on `row` and the key hints on `hintsRow`.
    public static func render(_ m: StatusBarModel, width: Int, row: Int, hintsRow: Int, into canvas: inout Canvas) {
        canvas.fill(Rect(col: 0, row: row, width: width, height: 1), style: Style(.statusBar))
        var right = ""
        var rightStyle = Style(.statusBar, bold: true)
        if let ms = m.remainingMs {
            // The marks keep the warning visible without colour.
            let mark = ms <= 10_000 ? " !!" : (ms <= 60_000 ? " !" : "")
            right = "Time left \(clock(ms))\(mark)"
            rightStyle = timerStyle(ms)
        }
        let rightW = DisplayWidth.of(right)
        var left = " " + m.position
        if let f = m.focus { left += " · Focus: \(f)" }
        canvas.text(TextLayout.truncate(left, width: max(0, width - rightW - 2)), col: 0, row: row,
                    style: Style(.statusBar, bold: true))
        if rightW > 0 {
            canvas.text(" " + right + " ", col: width - rightW - 2, row: row, style: rightStyle)
        }
        // Whole hints only: one that does not fit is left out rather than cut.
        var segs: [(String, Style)] = [(" ", .plain)]
        var used = 1
        for (k, a) in m.keys {
            let w = (used > 1 ? 2 : 0) + DisplayWidth.of(k) + 1 + DisplayWidth.of(a)
            if used + w > width { break }
            if used > 1 { segs.append(("  ", .plain)) }
            segs.append((k, Style(.title, bold: true)))
            segs.append((" " + a, Style(.dim)))
            used += w
        }
        canvas.segments(segs, col: 0, row: hintsRow, maxWidth: width)
    }
}
