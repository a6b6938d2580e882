import Foundation
import OversightCore

/// Renders a report as plain-text tables for the terminal: the paper's Table 1 (conditions as
/// rows, tasks as column groups), then details, differences, blocks, participants, warnings.
public enum TextRenderer {
    /// At most this many warnings are printed (all are in the JSON output).
    public static let warningLimit = 30

    /// The whole report as text (ends with a newline).
    public static func render(_ r: ScoreReport) -> String {
        var out = ""
        func line(_ s: String = "") { out += s + "\n" }
        if let notice = r.keptDamagedNotice { line(notice) }
        line("Study \(r.studyID) (study hash \(r.studyHash.prefix(12))): \(r.participants) participant(s), \(r.sessions) session log(s)")
        line("Excluded: \(r.excluded.isEmpty ? "none" : r.excluded.joined(separator: ", "))")
        line("95% CI: bias-corrected percentile bootstrap over participants and items (two-way; items resampled "
            + "within strata: unaided-only, assisted-only, both, model-only), "
            + "\(r.resamples) resamples, seed \(r.seed) (deterministic for a seed); vote rows: the resamples' spread "
            + "re-centred on the estimate (a participant drawn twice votes twice, which biases resampled votes down)")
        line("Accuracy and mean confidence in %; CE = calibration error in points (bins at \(r.scale.map(String.init).joined(separator: "/"))%); "
            + "Brier = (confidence - correct)^2 on the chosen option")
        line("Vote: p on the chosen option, (1-p)/3 on the others, 100% counts as 99%, product over participants; "
            + "no answer or timed out = uniform; a k-way tie earns 1/k")
        line()
        line(table1(r))
        line()
        for t in r.tasks {
            line(details(t))
        }
        if !r.blocks.isEmpty { line(blocks(r.blocks)) }
        if !r.participantRows.isEmpty { line(participants(r)) }
        if r.warnings.isEmpty {
            line("Warnings: none")
        } else {
            line("Warnings (\(r.warnings.count)):")
            for w in r.warnings.prefix(warningLimit) { line("  \(w)") }
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

    /// Lay out rows of cells; `left` holds the indices of left-aligned columns.
    static func grid(_ rows: [[String]], left: Set<Int> = [0]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return left.contains(i) ? c + pad : pad + c
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }

    /// Conditions as rows, tasks as column groups (accuracy, CI, calibration error).
    static func table1(_ r: ScoreReport) -> String {
        var labels: [String] = []
        func add(_ l: String) { if !labels.contains(l) { labels.append(l) } }
        // Paper order: unaided, unaided vote, model rows, assisted, assisted vote.
        for t in r.tasks { for row in t.rows where row.condition.hasPrefix("unaided") { add(row.label) } }
        for t in r.tasks { for row in t.rows where row.condition == "model" { add(row.label) } }
        for t in r.tasks { for row in t.rows where row.condition.hasPrefix("assisted") { add(row.label) } }
        var header = ["condition"]
        var sub = [""]
        for t in r.tasks {
            header += [t.task == .mmlu ? "MMLU" : "QuALITY", "", ""]
            sub += ["acc", "95% CI", "CE"]
        }
        var rows = [header, sub]
        for l in labels {
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
        return grid(rows)
    }

    static func details(_ t: TaskReport) -> String {
        var rows = [["\(t.task == .mmlu ? "MMLU" : "QuALITY") details", "answers", "participants", "items", "acc",
                     "CE", "Brier", "confidence"]]
        for row in t.rows {
            rows.append([row.label, String(row.answers), row.condition == "model" ? "-" : String(row.participants),
                         String(row.items), pct(row.accuracy), pct(row.calibrationError), brier(row.brier),
                         pct(row.meanConfidence)])
        }
        var text = grid(rows)
        let notes = t.rows.compactMap { row -> String? in
            guard let m = row.model else { return nil }
            return "  \(row.label): \(m.path); covers \(m.coversHumanItems) of \(m.humanItems) human-answered items"
        }
        if !notes.isEmpty { text += "\n" + notes.joined(separator: "\n") }
        if !t.differences.isEmpty {
            var d = [["difference (points)", "estimate", "95% CI"]]
            for x in t.differences { d.append([x.name, signedPct(x.estimate), ci(x.ci95)]) }
            text += "\n" + grid(d)
        }
        return text + "\n"
    }

    static func blocks(_ b: [BlockRow]) -> String {
        var rows = [["block", "task", "condition", "answers", "participants", "median s", "timeouts", "turns/q",
                     "resets/q", "chars/q", "median TTFT ms"]]
        func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "-" }
        for x in b {
            rows.append([String(x.block + 1), x.task.rawValue, x.condition.rawValue, String(x.answers),
                         String(x.participants), f(x.medianSeconds, "%.1f"), String(x.timeouts), f(x.turns, "%.2f"),
                         f(x.resets, "%.2f"), f(x.charsSent, "%.0f"), f(x.medianTTFTMs, "%.0f")])
        }
        return "Blocks (numbered from 1; turns, resets, characters sent: mean per question)\n"
            + grid(rows, left: [1, 2]) + "\n"
    }

    static func participants(_ r: ScoreReport) -> String {
        var rows = [["participant", "task", "condition", "answers", "answered", "acc", "confidence", "timeouts",
                     "completed", "flag"]]
        for p in r.participantRows {
            rows.append([p.id, p.task.rawValue, p.condition.rawValue, String(p.answers), String(p.answered),
                         pct(p.accuracy), pct(p.meanConfidence), String(p.timeouts),
                         p.completed ? "yes" : String(format: "no (%.0f%%)", p.completion * 100),
                         p.flagged ? "FLAG" : ""])
        }
        return "Participants (FLAG: \(r.flagRule))\n" + grid(rows, left: [0, 1, 2, 9]) + "\n"
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
