import Foundation
import OversightCore

/// Renders a report as plain-text tables for the terminal: the paper's Table 1 (conditions as
/// rows, tasks as column groups), then details, differences, blocks, participants, warnings.
///
/// By default everything fits `defaultWidth` columns: prose is wrapped at word boundaries,
/// long labels wrap inside their cell, and wide headers take two lines. With `width: nil`
/// (`score --wide`) every table row and paragraph stays on one line.
public enum TextRenderer {
    /// At most this many warnings are printed (all are in the JSON output).
    public static let warningLimit = 30
    /// Columns the text fits in unless asked for wide output.
    public static let defaultWidth = 100

    /// The whole report as text (ends with a newline).
    public static func render(_ r: ScoreReport, width: Int? = defaultWidth) -> String {
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        func para(_ s: String) { for l in wrap(s, width: width, indent: 0, hanging: 2) { line(l) } }
        if let notice = r.keptDamagedNotice { para(notice) }
        para("Study \(r.studyID) (study hash \(r.studyHash.prefix(12))): \(r.participants) participant(s), \(r.sessions) session log(s)")
        para("Excluded: \(r.excluded.isEmpty ? "none" : r.excluded.joined(separator: ", "))")
        if let b = r.balance { para(b.summary) }
        para("95% CI: bias-corrected percentile bootstrap over participants and items (two-way; items resampled "
            + "within strata: unaided-only, assisted-only, both, model-only), "
            + "\(r.resamples) resamples, seed \(r.seed) (deterministic for a seed); vote rows: the resamples' spread "
            + "re-centred on the estimate (a participant drawn twice votes twice, which biases resampled votes down)")
        para("Accuracy and mean confidence in %; CE = calibration error in points (bins at \(r.scale.map(String.init).joined(separator: "/"))%); "
            + "Brier = (confidence - correct)^2 on the chosen option")
        para("Vote: p on the chosen option, (1-p)/3 on the others, 100% counts as 99%, product over participants; "
            + "no answer or timed out = uniform; a k-way tie earns 1/k")
        line()
        line(table1(r, width: width))
        line()
        for t in r.tasks {
            line(details(t, width: width))
        }
        if let rel = reliance(r, width: width) { line(rel) }
        if !r.blocks.isEmpty { line(blocks(r.blocks, width: width)) }
        if !r.participantRows.isEmpty { line(participants(r, width: width)) }
        if r.warnings.isEmpty {
            line("Warnings: none")
        } else {
            line("Warnings (\(r.warnings.count)):")
            for w in r.warnings.prefix(warningLimit) {
                for l in wrap(w.description, width: width, indent: 2, hanging: 6) { line(l) }
            }
            if r.warnings.count > warningLimit {
                line("  ... \(r.warnings.count - warningLimit) more (all are in --format json)")
            }
        }
        return out
    }

    static func pct(_ x: Double?) -> String {
        guard let x, x.isFinite else { return "-" }
        return String(format: "%.1f", x * 100)
    }

    static func signedPct(_ x: Double) -> String { String(format: "%+.1f", x * 100) }

    static func ci(_ c: (Double, Double)?) -> String {
        guard let c else { return "-" }
        return "[\(pct(c.0)), \(pct(c.1))]"
    }

    static func brier(_ x: Double?) -> String {
        guard let x else { return "-" }
        return String(format: "%.3f", x)
    }

    /// `text` broken into lines of at most `width` characters at spaces (a word longer than a
    /// line is cut). The first line is indented by `indent`, the others by `hanging` more.
    /// Without a width: one line.
    static func wrap(_ text: String, width: Int?, indent: Int = 0, hanging: Int = 0) -> [String] {
        let first = String(repeating: " ", count: indent)
        guard let width else { return [first + text] }
        let rest = String(repeating: " ", count: indent + hanging)
        var lines: [String] = []
        var current = first
        var empty = true
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let room = width - current.count - (empty ? 0 : 1)
            if word.count <= room {
                current += (empty ? "" : " ") + word
                empty = false
                continue
            }
            var w = Substring(word)
            if !empty {
                // A word too long for any line starts here when it can break after a hyphen
                // (no line of a lone "/" before a long model name); otherwise on a new line.
                let fitsNowhere = word.count > width - rest.count
                if fitsNowhere, room > 1, let soft = w.prefix(room).lastIndex(where: { "-_/".contains($0) }),
                   soft > w.startIndex {
                    let cut = w.index(after: soft)
                    lines.append(current + " " + w[..<cut])
                    w = w[cut...]
                } else {
                    lines.append(current)
                }
                current = rest
                empty = true
            }
            while w.count > width - current.count, width - current.count > 0 {
                // Break after the last hyphen, underscore or slash that fits, else anywhere.
                var cut = w.index(w.startIndex, offsetBy: width - current.count)
                if let soft = w[..<cut].lastIndex(where: { "-_/".contains($0) }), soft > w.startIndex {
                    cut = w.index(after: soft)
                }
                lines.append(current + w[..<cut])
                current = rest
                w = w[cut...]
            }
            current += w
            empty = w.isEmpty
        }
        if !empty || lines.isEmpty { lines.append(current) }
        return lines
    }

    /// Lay out rows of cells; `left` holds the indices of left-aligned columns. A cell may hold
    /// `\n` (a header on two lines; one line when `width` is nil). When the table is wider
    /// than `width`, the columns in `shrink` (widest first) get narrower, down to `minimum`,
    /// and their cells wrap onto more lines.
    static func grid(_ rows: [[String]], left: Set<Int> = [0], width: Int? = nil, shrink: [Int] = [0],
                     minimum: Int = 12) -> String {
        let cells: [[[String]]] = rows.map { r in
            r.map { c in width == nil ? [c.replacingOccurrences(of: "\n", with: " ")] : c.components(separatedBy: "\n") }
        }
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for r in cells { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.map(\.count).max() ?? 0) } }
        if let width {
            var total = widths.reduce(0, +) + 2 * max(columns - 1, 0)
            while total > width {
                guard let i = shrink.filter({ $0 < columns && widths[$0] > minimum }).max(by: { widths[$0] < widths[$1] })
                else { break }
                let cut = min(total - width, widths[i] - minimum)
                widths[i] -= cut
                total -= cut
            }
        }
        var out: [String] = []
        for r in cells {
            let wrapped: [[String]] = r.enumerated().map { i, lines in
                // Continuation lines of a wrapped left-aligned cell are indented, so they do not
                // read as rows of their own.
                lines.flatMap { l in
                    l.count > widths[i] ? wrap(l, width: widths[i], hanging: left.contains(i) ? 2 : 0) : [l]
                }
            }
            let height = wrapped.map(\.count).max() ?? 1
            for k in 0..<height {
                out.append(wrapped.enumerated().map { i, lines in
                    let c = k < lines.count ? lines[k] : ""
                    let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                    return left.contains(i) ? c + pad : pad + c
                }.joined(separator: "  ").trimmingTrailingSpaces())
            }
        }
        return out.joined(separator: "\n")
    }

    /// The Table-1 row labels in the paper's order: unaided, unaided vote, model rows,
    /// assisted, assisted vote (each assistant's rows together).
    static func table1Labels(_ r: ScoreReport) -> [String] {
        var labels: [String] = []
        func add(_ l: String) { if !labels.contains(l) { labels.append(l) } }
        for t in r.tasks { for row in t.rows where row.condition.hasPrefix("unaided") { add(row.label) } }
        for t in r.tasks { for row in t.rows where row.condition == "model" { add(row.label) } }
        for t in r.tasks { for row in t.rows where row.condition.hasPrefix("assisted") { add(row.label) } }
        for t in r.tasks { for row in t.rows where ProtocolRender.isProtocolRow(row) { add(row.label) } }
        return labels
    }

    /// Conditions as rows, tasks as column groups (accuracy, CI, calibration error).
    static func table1(_ r: ScoreReport, width: Int? = nil) -> String {
        var header = ["condition"]
        var sub = [""]
        for t in r.tasks {
            header += [t.task == .mmlu ? "MMLU" : "QuALITY", "", ""]
            sub += ["acc", "95% CI", "CE"]
        }
        var rows = [header, sub]
        for l in table1Labels(r) {
            var cells = [l]
            for t in r.tasks {
                if let row = t.rows.first(where: { $0.label == l }) {
                    cells += [pct(row.accuracy), ci(row.ci95), pct(row.calibrationError)]
                } else {
                    cells += ["-", "", "-"]
                }
            }
            rows.append(cells)
        }
        return grid(rows, width: width)
    }

    static func details(_ t: TaskReport, width: Int? = nil) -> String {
        var rows = [["\(t.task == .mmlu ? "MMLU" : "QuALITY") details", "answers", "participants", "items", "acc",
                     "CE", "Brier", "confidence"]]
        for row in t.rows {
            rows.append([row.label, String(row.answers), row.condition == "model" ? "-" : String(row.participants),
                         String(row.items), pct(row.accuracy), pct(row.calibrationError), brier(row.brier),
                         pct(row.meanConfidence)])
        }
        var text = grid(rows, width: width)
        let notes = t.rows.flatMap { row -> [String] in
            guard let m = row.model else { return [] }
            return wrap("\(row.label): covers \(m.coversHumanItems) of \(m.humanItems) human-answered items; "
                        + "file \(m.path)", width: width, indent: 2, hanging: 4)
        }
        if !notes.isEmpty { text += "\n" + notes.joined(separator: "\n") }
        if let p = ProtocolRender.textTable(t) {
            text += "\n" + grid(p, width: width) + "\n"
                + wrap(ProtocolRender.legend, width: width, indent: 2, hanging: 2).joined(separator: "\n")
        }
        if !t.differences.isEmpty {
            var d = [["difference (points)", "estimate", "95% CI"]]
            for x in t.differences { d.append([x.name, signedPct(x.estimate), ci(x.ci95)]) }
            text += "\n" + grid(d, width: width)
        }
        return text + "\n"
    }

    static func blocks(_ b: [BlockRow], width: Int? = nil) -> String {
        var rows = [["block", "task", "condition", "answers", "partici-\npants", "median\ns", "time-\nouts", "turns\n/q",
                     "resets\n/q", "chars\n/q", "median\nTTFT ms"]]
        if width == nil {
            rows[0] = ["block", "task", "condition", "answers", "participants", "median s", "timeouts", "turns/q",
                       "resets/q", "chars/q", "median TTFT ms"]
        }
        func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "-" }
        for x in b {
            rows.append([String(x.block + 1), x.task.rawValue, blockCondition(x, in: b), String(x.answers),
                         String(x.participants), f(x.medianSeconds, "%.1f"), String(x.timeouts), f(x.turns, "%.2f"),
                         f(x.resets, "%.2f"), f(x.charsSent, "%.0f"), f(x.medianTTFTMs, "%.0f")])
        }
        return wrap("Blocks (numbered from 1; turns, resets, characters sent: mean per question)", width: width)
            .joined(separator: "\n") + "\n" + grid(rows, left: [1, 2], width: width, shrink: [2]) + "\n"
    }

    /// `assisted`, or `assisted (provider / model)` when the blocks were run with several
    /// assistants (each then has its own row).
    static func blockCondition(_ x: BlockRow, in all: [BlockRow]) -> String {
        guard let a = x.assistant, Set(all.compactMap(\.assistant)).count > 1 else { return x.condition.rawValue }
        return "\(x.condition.rawValue) (\(a.label))"
    }

    static func participants(_ r: ScoreReport, width: Int? = nil) -> String {
        var rows = [["participant", "task", "condition", "answers", "answered", "acc", "mean\nconfidence", "time-\nouts",
                     "completed", "flag"]]
        for p in r.participantRows {
            rows.append([p.id, p.task.rawValue, p.condition.rawValue, String(p.answers), String(p.answered),
                         pct(p.accuracy), pct(p.meanConfidence), String(p.timeouts),
                         p.completed ? "yes" : String(format: "no (%.0f%%)", p.completion * 100),
                         p.flagged ? "FLAG" : ""])
        }
        return wrap("Participants (FLAG: \(r.flagRule))", width: width).joined(separator: "\n") + "\n"
            + grid(rows, left: [0, 1, 2, 9], width: width, shrink: [0]) + "\n"
    }
}

extension String {
    /// The string without trailing spaces.
    func trimmingTrailingSpaces() -> String {
        var end = endIndex
        while end > startIndex, self[index(before: end)] == " " { end = index(before: end) }
        return String(self[startIndex..<end])
    }
}
