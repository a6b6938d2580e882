import OversightCore

/// A probability judgment over the options shown on a consultancy or debate question, in whole
/// percent: every shown option holds a multiple of `step` between `floor` and `100 - floor`,
/// and the shown options always sum to 100. With two options this is one number (the other is
/// its complement); with four it is a distribution.
///
/// Keys move probability between options so the sum never leaves 100: raising the selected
/// option takes `step` from the other option that holds the most, lowering it gives `step` to
/// the other option that holds the least (ties: the first on screen).
public struct JudgmentState: Sendable, Equatable {
    /// Smallest and largest step of a probability, in percent.
    public static let step = 5
    public static let floor = 5

    /// Original option indices (0-3) in screen order.
    public let shown: [Int]
    /// Percent per shown option (same order as `shown`).
    public private(set) var percents: [Int]
    /// The option (a position in `shown`) the keys change.
    public var selected: Int = 0

    /// An even judgment over `shown` (50/50, or 25 each of four), or `percents` when they are a
    /// valid judgment over `shown` (see `isValid`).
    public init(shown: [Int], percents: [Int]? = nil) {
        self.shown = shown
        if let percents, Self.isValid(percents, count: shown.count) {
            self.percents = percents
        } else {
            self.percents = Self.even(shown.count)
        }
    }

    /// The even judgment over `n` options, rounded to whole steps (the remainder goes to the
    /// first options).
    public static func even(_ n: Int) -> [Int] {
        guard n > 0 else { return [] }
        let units = 100 / step
        var p = Array(repeating: (units / n) * step, count: n)
        for i in 0..<(units % n) { p[i] += step }
        return p
    }

    /// True when `p` has `count` entries, each a multiple of `step` in floor...(100 - floor),
    /// summing to 100.
    public static func isValid(_ p: [Int], count: Int) -> Bool {
        guard p.count == count, count >= 2 else { return false }
        return p.reduce(0, +) == 100 && p.allSatisfy { $0 % step == 0 && $0 >= floor && $0 <= 100 - floor }
    }

    /// Raise the selected option by one step, taking it from the other option that holds the
    /// most (and can give it). Returns false when nothing changed.
    @discardableResult
    public mutating func raise() -> Bool {
        let i = selected
        guard percents.indices.contains(i), percents[i] + Self.step <= 100 - Self.floor else { return false }
        let donors = percents.indices.filter { $0 != i && percents[$0] - Self.step >= Self.floor }
        guard let from = donors.max(by: { percents[$0] < percents[$1] || (percents[$0] == percents[$1] && $0 > $1) })
        else { return false }
        percents[i] += Self.step
        percents[from] -= Self.step
        return true
    }

    /// Lower the selected option by one step, giving it to the other option that holds the
    /// least. Returns false when nothing changed.
    @discardableResult
    public mutating func lower() -> Bool {
        let i = selected
        guard percents.indices.contains(i), percents[i] - Self.step >= Self.floor else { return false }
        let takers = percents.indices.filter { $0 != i && percents[$0] + Self.step <= 100 - Self.floor }
        guard let to = takers.min(by: { percents[$0] < percents[$1] || (percents[$0] == percents[$1] && $0 < $1) })
        else { return false }
        percents[i] -= Self.step
        percents[to] += Self.step
        return true
    }

    /// Back to the even judgment.
    public mutating func reset() {
        percents = Self.even(shown.count)
    }

    /// Move the selection by `delta`, clamped to the options.
    public mutating func move(_ delta: Int) {
        guard !percents.isEmpty else { return }
        selected = max(0, min(percents.count - 1, selected + delta))
    }

    /// Positions (in `shown`) of the options tied for the highest probability.
    public var leaders: [Int] {
        guard let top = percents.max() else { return [] }
        return percents.indices.filter { percents[$0] == top }
    }

    /// The answer this judgment gives (an original option index): the option with the highest
    /// probability; nil while two or more share it (the participant must raise one first).
    public var answer: Int? {
        let l = leaders
        return l.count == 1 ? shown[l[0]] : nil
    }

    /// Four probabilities indexed by original option (0 for options not shown), summing to 1.
    public var probabilities: [Double] {
        var p = [Double](repeating: 0, count: 4)
        for (k, o) in shown.enumerated() where p.indices.contains(o) { p[o] = Double(percents[k]) / 100 }
        return p
    }

    /// The percent stated for original option `option`, nil when it is not shown.
    public func percent(option: Int) -> Int? {
        shown.firstIndex(of: option).map { percents[$0] }
    }

    /// Handle a judgment key. `a`-`d` select by the letter on screen, ↑/↓ move, →/+ raise,
    /// ←/- lower, `=` evens out. Returns true when the key was the pane's.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .up: move(-1)
        case .down: move(1)
        case .right, .char("+"): raise()
        case .left, .char("-"): lower()
        case .char("="): reset()
        case .char(let c):
            guard let i = ["a", "b", "c", "d"].firstIndex(of: c.lowercased()), i < percents.count else { return false }
            selected = i
        default:
            return false
        }
        return true
    }

    /// What is missing before this judgment can be the final answer, or nil.
    public var finalProblem: String? {
        let l = leaders
        guard l.count > 1 else { return nil }
        let letters = l.map { Question.letter($0) }.joined(separator: " and ")
        return "\(letters) are tied: give the one you choose more (→) first."
    }
}

/// Draws a judgment: one row per shown option with its letter (the screen letter, A for the
/// first shown), the percent and a bar; the selected option is marked with "▸" and bold (all
/// visible without colour).
public enum JudgmentPane {
    /// The rows of a judgment at `width` cells, as segments: "▸ A   70% ███████░░░  label". A
    /// label too long for its row wraps onto rows of its own under its first line, so every
    /// option can be read whole (with the passage hidden it is shown nowhere else).
    public static func rows(_ j: JudgmentState, labels: [String]? = nil, focused: Bool, width: Int) -> [[(String, Style)]] {
        let barWidth = max(0, min(20, (width - 10) / 3))
        return j.percents.indices.flatMap { k -> [[(String, Style)]] in
            let sel = focused && k == j.selected
            let st = sel ? Style(.selected, bold: true) : Style.plain
            let mark = sel ? "▸ " : "  "
            let letter = Question.letter(k) + " "
            let p = String(j.percents[k])
            var segs: [(String, Style)] = [(mark + letter + String(repeating: " ", count: max(0, 4 - p.count)) + p + "% ", st)]
            if barWidth > 0 {
                let filled = Int((Double(j.percents[k]) / 100 * Double(barWidth)).rounded())
                segs.append((String(repeating: "█", count: filled), Style(sel ? .selected : .assistant)))
                segs.append((String(repeating: "░", count: barWidth - filled), Style(.dim)))
            }
            guard let labels, labels.indices.contains(k), !labels[k].isEmpty else { return [segs] }
            let indent = segs.reduce(0) { $0 + DisplayWidth.of($1.0) } + 2
            let lines = TextLayout.wrap(labels[k], width: max(8, width - indent), maxLines: 50)
            segs.append(("  " + (lines.first ?? ""), st))
            return [segs] + lines.dropFirst().map { [(String(repeating: " ", count: indent) + $0, st)] }
        }
    }

    /// Draw the judgment into `rect` (border included) with `title` and a footer `status`.
    public static func render(_ j: JudgmentState, title: String, labels: [String]? = nil, focused: Bool,
                              status: (text: String, style: Style)?, into canvas: inout Canvas, rect: Rect) {
        canvas.box(rect, title: title, focused: focused, footer: status)
        let inner = AnswerPane.content(rect)
        guard inner.width > 8, inner.height > 0 else { return }
        var row = inner.row
        for segs in rows(j, labels: labels, focused: focused, width: inner.width) where row < inner.maxRow {
            canvas.segments(segs, col: inner.col, row: row, maxWidth: inner.width)
            row += 1
        }
    }
}
