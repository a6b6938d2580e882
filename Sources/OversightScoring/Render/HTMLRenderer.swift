import Foundation
import OversightCore

/// Renders a report as one self-contained HTML page (inline CSS and SVG, nothing fetched, no
/// script): the results, details, block and participant tables as HTML tables, accuracy with
/// CI bars, a reliability diagram and confidence histograms per task.
///
/// Every series (a condition row such as `unaided human`, each assistant's `human + model`
/// rows, each model run) has one colour on the whole page, shown as a swatch next to its name
/// in the tables; every element drawn for a series carries `data-series` with its label.
/// Chart labels are wrapped to a few words a line and the charts are sized to the labels, so
/// no text is cut off.
public enum HTMLRenderer {
    /// The page.
    public static func render(_ r: ScoreReport) -> String {
        let colors = seriesColors(r)
        var body = ""
        if let notice = r.keptDamagedNotice { body += "<p class=\"meta\"><strong>\(esc(notice))</strong></p>\n" }
        body += "<h1>Study \(esc(r.studyID))</h1>\n"
        body += "<p class=\"meta\">\(r.participants) participant(s), \(r.sessions) session log(s); excluded: "
            + "\(r.excluded.isEmpty ? "none" : esc(r.excluded.joined(separator: ", "))). "
            + "95% CIs: bias-corrected percentile bootstrap over participants and items (two-way), "
            + "\(r.resamples) resamples, seed \(r.seed); vote rows: the resamples' spread re-centred on the estimate. "
            + "Accuracy, CIs and mean confidence in %; CE: calibration error in points.</p>\n"
        if let b = r.balance {
            body += "<h2>Counterbalancing</h2>\n<p class=\"meta\">\(esc(b.summary)). "
                + (b.isBalanced ? "Balanced." : "<strong>Off balance: see the warnings.</strong>") + "</p>\n"
        }
        body += "<h2>Results</h2>\n" + resultsTable(r, colors)
        for t in r.tasks {
            let name = taskName(t.task)
            body += "<section><h2>\(name)</h2>\n"
            body += detailsTable(t, colors)
            body += ProtocolRender.htmlTable(t)
            body += "<div class=\"charts\">\n"
            body += figure("Accuracy with 95% CI", accuracyChart(t, colors))
            body += figure("Reliability (confidence vs accuracy)", reliabilityChart(t, colors))
            body += figure("Confidence histogram (share of answers)", histogramChart(t, scale: r.scale, colors))
            body += "</div>\n" + relianceSection(t) + "</section>\n"
        }
        if !r.blocks.isEmpty {
            body += "<h2>Blocks</h2>\n<p class=\"meta\">Numbered from 1; turns, resets and characters sent: mean per question.</p>\n"
                + blocksTable(r.blocks)
        }
        if !r.participantRows.isEmpty {
            body += "<h2>Participants</h2>\n<p class=\"meta\">FLAG: \(esc(r.flagRule))</p>\n" + participantsTable(r)
        }
        body += "<h2>Warnings (\(r.warnings.count))</h2>\n"
        if r.warnings.isEmpty {
            body += "<p>none</p>\n"
        } else {
            body += "<ul class=\"warn\">" + r.warnings.prefix(200).map { "<li>\(esc($0.description))</li>" }.joined()
            if r.warnings.count > 200 { body += "<li>… \(r.warnings.count - 200) more (see the JSON output)</li>" }
            body += "</ul>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>oversight score: \(esc(r.studyID))</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1120px;color:#1d2330;padding:0 16px}
            h1{font-size:24px;margin-bottom:4px} h2{font-size:19px;margin-top:28px;border-bottom:1px solid #dde;padding-bottom:4px}
            .meta{color:#556;font-size:13px;overflow-wrap:anywhere}
            table{border-collapse:collapse;font-size:13px;margin:8px 0}
            th,td{padding:3px 8px;text-align:right;border-bottom:1px solid #eee;white-space:nowrap}
            th{background:#f0f2f5;font-weight:600}
            th.l,td.l{text-align:left}
            td.label{white-space:normal;min-width:12em;max-width:26em;overflow-wrap:anywhere}
            td.group{text-align:center;border-bottom:1px solid #ccd}
            tr.diff td{color:#334;background:#fafbfc}
            .sw{display:inline-block;width:10px;height:10px;margin-right:6px;vertical-align:baseline;border-radius:2px}
            .charts{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
            figure{margin:0;border:1px solid #e3e5ea;border-radius:4px;padding:8px;background:#fff}
            figcaption{font-size:13px;font-weight:600;margin-bottom:4px}
            svg{display:block}
            svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#333}
            .warn{font-size:12px;font-family:monospace;overflow-wrap:anywhere}
            </style></head><body>
            \(body)</body></html>

            """
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func taskName(_ t: TaskKind) -> String { t == .mmlu ? "MMLU" : "QuALITY" }

    static func figure(_ caption: String, _ svg: String) -> String {
        "<figure><figcaption>\(esc(caption))</figcaption>\(svg)</figure>\n"
    }

    /// Ten colours that stay apart for most kinds of colour vision (Tableau 10).
    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7",
                          "#9c755f", "#bab0ac"]

    /// One colour per series label for the whole page, in the results table's order (the
    /// palette repeats after ten series).
    static func seriesColors(_ r: ScoreReport) -> [String: String] {
        var colors: [String: String] = [:]
        var labels = TextRenderer.table1Labels(r)
        for t in r.tasks { for row in t.rows where !labels.contains(row.label) { labels.append(row.label) } }
        for (i, l) in labels.enumerated() { colors[l] = palette[i % palette.count] }
        return colors
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// A colour swatch and the label, for a table's first cell.
    static func labelCell(_ label: String, _ colors: [String: String]) -> String {
        let c = colors[label] ?? "#888"
        return "<td class=\"l label\" data-series=\"\(esc(label))\"><span class=\"sw\" style=\"background:\(c)\"></span>\(esc(label))</td>"
    }

    /// The paper's Table 1: conditions as rows, tasks as column groups.
    static func resultsTable(_ r: ScoreReport, _ colors: [String: String]) -> String {
        var s = "<table class=\"results\"><thead><tr><th class=\"l\" rowspan=\"2\">condition</th>"
        for t in r.tasks { s += "<th colspan=\"3\" class=\"group\">\(taskName(t.task))</th>" }
        s += "</tr><tr>"
        for _ in r.tasks { s += "<th>accuracy</th><th>95% CI</th><th>CE</th>" }
        s += "</tr></thead><tbody>"
        for l in TextRenderer.table1Labels(r) {
            s += "<tr>" + labelCell(l, colors)
            for t in r.tasks {
                if let row = t.rows.first(where: { $0.label == l }) {
                    s += "<td>\(TextRenderer.pct(row.accuracy))</td><td class=\"ci\">\(TextRenderer.ci(row.ci95))</td>"
                        + "<td>\(TextRenderer.pct(row.calibrationError))</td>"
                } else {
                    s += "<td>-</td><td class=\"ci\"></td><td>-</td>"
                }
            }
            s += "</tr>"
        }
        return s + "</tbody></table>\n"
    }

    static func detailsTable(_ t: TaskReport, _ colors: [String: String]) -> String {
        var s = "<table class=\"details\"><thead><tr><th class=\"l\">condition</th><th>answers</th><th>participants</th>"
            + "<th>items</th><th>accuracy</th><th>95% CI</th><th>CE</th><th>Brier</th><th>mean confidence</th></tr></thead><tbody>"
        for row in t.rows {
            s += "<tr>" + labelCell(row.label, colors)
                + "<td>\(row.answers)</td><td>\(row.condition == "model" ? "-" : String(row.participants))</td>"
                + "<td>\(row.items)</td><td>\(TextRenderer.pct(row.accuracy))</td><td class=\"ci\">\(TextRenderer.ci(row.ci95))</td>"
                + "<td>\(TextRenderer.pct(row.calibrationError))</td><td>\(TextRenderer.brier(row.brier))</td>"
                + "<td>\(TextRenderer.pct(row.meanConfidence))</td></tr>"
        }
        s += "</tbody>"
        if !t.differences.isEmpty {
            s += "<tbody><tr><th class=\"l\">difference (points)</th><th colspan=\"3\"></th><th>estimate</th><th>95% CI</th>"
                + "<th colspan=\"3\"></th></tr>"
            for d in t.differences {
                s += "<tr class=\"diff\"><td class=\"l label\">\(esc(d.name))</td><td colspan=\"3\"></td>"
                    + "<td>\(TextRenderer.signedPct(d.estimate))</td><td class=\"ci\">\(TextRenderer.ci(d.ci95))</td>"
                    + "<td colspan=\"3\"></td></tr>"
            }
            s += "</tbody>"
        }
        s += "</table>\n"
        let notes = t.rows.compactMap { row -> String? in
            guard let m = row.model else { return nil }
            return "<li>\(esc(row.label)): covers \(m.coversHumanItems) of \(m.humanItems) human-answered items; file \(esc(m.path))</li>"
        }
        if !notes.isEmpty { s += "<ul class=\"meta\">" + notes.joined() + "</ul>\n" }
        return s
    }

    static func blocksTable(_ b: [BlockRow]) -> String {
        func f(_ x: Double?, _ format: String) -> String { x.map { String(format: format, $0) } ?? "-" }
        var s = "<table class=\"blocks\"><thead><tr><th>block</th><th class=\"l\">task</th><th class=\"l\">condition</th>"
            + "<th>answers</th><th>participants</th><th>median s</th><th>timeouts</th><th>turns/q</th><th>resets/q</th>"
            + "<th>chars/q</th><th>median TTFT ms</th></tr></thead><tbody>"
        for x in b {
            s += "<tr><td>\(x.block + 1)</td><td class=\"l\">\(x.task.rawValue)</td><td class=\"l label\">\(esc(TextRenderer.blockCondition(x, in: b)))</td>"
                + "<td>\(x.answers)</td><td>\(x.participants)</td><td>\(f(x.medianSeconds, "%.1f"))</td><td>\(x.timeouts)</td>"
                + "<td>\(f(x.turns, "%.2f"))</td><td>\(f(x.resets, "%.2f"))</td><td>\(f(x.charsSent, "%.0f"))</td>"
                + "<td>\(f(x.medianTTFTMs, "%.0f"))</td></tr>"
        }
        return s + "</tbody></table>\n"
    }

    static func participantsTable(_ r: ScoreReport) -> String {
        var s = "<table class=\"participants\"><thead><tr><th class=\"l\">participant</th><th class=\"l\">task</th>"
            + "<th class=\"l\">condition</th><th>answers</th><th>answered</th><th>accuracy</th><th>mean confidence</th>"
            + "<th>timeouts</th><th>completed</th><th class=\"l\">flag</th></tr></thead><tbody>"
        for p in r.participantRows {
            s += "<tr><td class=\"l label\">\(esc(p.id))</td><td class=\"l\">\(p.task.rawValue)</td>"
                + "<td class=\"l\">\(p.condition.rawValue)</td><td>\(p.answers)</td><td>\(p.answered)</td>"
                + "<td>\(TextRenderer.pct(p.accuracy))</td><td>\(TextRenderer.pct(p.meanConfidence))</td><td>\(p.timeouts)</td>"
                + "<td>\(p.completed ? "yes" : String(format: "no (%.0f%%)", p.completion * 100))</td>"
                + "<td class=\"l\">\(p.flagged ? "FLAG" : "")</td></tr>"
        }
        return s + "</tbody></table>\n"
    }

    // MARK: - Charts

    /// Chart label text: 11 px; a generous width per character, so a label sized by it fits
    /// in any common sans-serif font (checked in a browser by the tests).
    static let charWidth = 7.0
    static let lineHeight = 13.0
    /// Chart labels are wrapped to at most this many characters a line.
    static let labelChars = 30

    /// A label's lines (at most `labelChars` wide).
    static func lines(_ label: String) -> [String] {
        TextRenderer.wrap(label, width: labelChars)
    }

    /// Width in pixels that `lines` need.
    static func textWidth(_ lines: [String]) -> Double {
        Double(lines.map(\.count).max() ?? 0) * charWidth
    }

    /// A `<text>` with one `<tspan>` per line; `y` is the first line's baseline.
    static func text(_ lines: [String], x: Double, y: Double, anchor: String = "start", series: String? = nil) -> String {
        let tag = series.map { " data-series=\"\(esc($0))\"" } ?? ""
        var s = "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\"\(tag)>"
        for (k, l) in lines.enumerated() {
            s += "<tspan x=\"\(f(x))\" dy=\"\(k == 0 ? "0" : f(lineHeight))\">\(esc(l))</tspan>"
        }
        return s + "</text>"
    }

    static func svgOpen(width: Double, height: Double) -> String {
        let w = Int(width.rounded(.up)), h = Int(height.rounded(.up))
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\">"
    }

    /// Horizontal bars (accuracy) with CI whiskers, one per row.
    static func accuracyChart(_ t: TaskReport, _ colors: [String: String]) -> String {
        let labelLines = t.rows.map { lines($0.label) }
        let labelW = max(80, labelLines.map(textWidth).max() ?? 0) + 12
        let plotW = 260.0, top = 10.0, valueW = 40.0
        let rowHeights = labelLines.map { max(26, Double($0.count) * lineHeight + 8) }
        let plotH = rowHeights.reduce(0, +)
        let height = top + plotH + 30
        var s = svgOpen(width: labelW + plotW + valueW, height: height)
        let x0 = labelW
        func x(_ v: Double) -> Double { x0 + max(0, min(1, v)) * plotW }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(f(x(tick)))\" y1=\"\(f(top))\" x2=\"\(f(x(tick)))\" y2=\"\(f(top + plotH + 4))\" stroke=\"#ddd\"/>"
            s += text(["\(Int(tick * 100))%"], x: x(tick), y: top + plotH + 18, anchor: "middle")
        }
        var y = top
        for (i, row) in t.rows.enumerated() {
            let h = rowHeights[i], mid = y + h / 2
            let c = colors[row.label] ?? "#888"
            let ls = labelLines[i]
            s += text(ls, x: labelW - 8, y: mid + 4 - Double(ls.count - 1) * lineHeight / 2, anchor: "end", series: row.label)
            s += "<rect x=\"\(f(x0))\" y=\"\(f(mid - 7))\" width=\"\(f(x(row.accuracy) - x0))\" height=\"14\" fill=\"\(c)\" data-series=\"\(esc(row.label))\"/>"
            if let ci = row.ci95 {
                s += "<line x1=\"\(f(x(ci.0)))\" y1=\"\(f(mid))\" x2=\"\(f(x(ci.1)))\" y2=\"\(f(mid))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                for v in [ci.0, ci.1] {
                    s += "<line x1=\"\(f(x(v)))\" y1=\"\(f(mid - 5))\" x2=\"\(f(x(v)))\" y2=\"\(f(mid + 5))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                }
            }
            // The value right of the whole bar and whisker, so neither covers it.
            let right = max(x(row.accuracy), row.ci95.map { x($0.1) } ?? 0)
            s += text([TextRenderer.pct(row.accuracy)], x: right + 4, y: mid + 4)
            y += h
        }
        return s + "</svg>"
    }

    /// A legend: a swatch and the wrapped label per series, stacked; returns the SVG and its
    /// height.
    static func legend(_ rows: [ConditionRow], _ colors: [String: String], x: Double, y top: Double) -> (String, Double) {
        var s = ""
        var y = top
        for row in rows {
            let c = colors[row.label] ?? "#888"
            let ls = lines(row.label)
            s += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"10\" height=\"10\" fill=\"\(c)\" data-series=\"\(esc(row.label))\"/>"
            s += text(ls, x: x + 14, y: y + 9, series: row.label)
            y += Double(ls.count) * lineHeight + 5
        }
        return (s, y - top)
    }

    static func legendWidth(_ rows: [ConditionRow]) -> Double {
        14 + (rows.map { textWidth(lines($0.label)) }.max() ?? 0)
    }

    /// Accuracy per confidence bin for each row with confidences, against the diagonal.
    static func reliabilityChart(_ t: TaskReport, _ colors: [String: String]) -> String {
        let rows = t.rows.filter { $0.bins.contains { $0.accuracy != nil } }
        let size = 240.0, left = 40.0, top = 10.0
        let legendX = left + size + 16
        let (legendSVG, legendH) = legend(rows, colors, x: legendX, y: top)
        let width = legendX + legendWidth(rows) + 8
        let height = max(top + size + 40, top + legendH + 8)
        var s = svgOpen(width: width, height: height)
        func x(_ v: Double) -> Double { left + v * size }
        func y(_ v: Double) -> Double { top + (1 - v) * size }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(size))\" height=\"\(f(size))\" fill=\"none\" stroke=\"#bbb\"/>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += text(["\(Int(tick * 100))"], x: x(tick), y: top + size + 14, anchor: "middle")
            s += text(["\(Int(tick * 100))"], x: left - 4, y: y(tick) + 4, anchor: "end")
        }
        s += "<line x1=\"\(f(x(0)))\" y1=\"\(f(y(0)))\" x2=\"\(f(x(1)))\" y2=\"\(f(y(1)))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        s += text(["confidence (%)"], x: left + size / 2, y: top + size + 30, anchor: "middle")
        for row in rows {
            let points = row.bins.compactMap { b -> (Double, Double, Int)? in
                guard let a = b.accuracy else { return nil }
                return (Double(b.value) / 100, a, b.count)
            }
            let c = colors[row.label] ?? "#888"
            let tag = "data-series=\"\(esc(row.label))\""
            let path = points.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" \(tag)/>"
            let maxCount = Double(points.map(\.2).max() ?? 1)
            for p in points {
                let r = 2.5 + 4 * (Double(p.2) / maxCount).squareRoot()
                s += "<circle cx=\"\(f(x(p.0)))\" cy=\"\(f(y(p.1)))\" r=\"\(f(r))\" fill=\"\(c)\" \(tag)/>"
            }
        }
        return s + legendSVG + "</svg>"
    }

    /// Share of answers at each confidence value, for the human conditions and models.
    static func histogramChart(_ t: TaskReport, scale: [Int], _ colors: [String: String]) -> String {
        let rows = t.rows.filter { $0.bins.contains { $0.count > 0 } }
        let groupW = max(56.0, Double(rows.count) * 9 + 12), left = 40.0, top = 10.0, plotH = 180.0
        let bins = rows.first?.bins.count ?? scale.count
        let plotRight = left + Double(max(bins, 1)) * groupW
        let legendTop = top + plotH + 28
        let (legendSVG, legendH) = legend(rows, colors, x: left, y: legendTop)
        let width = max(plotRight + 10, left + legendWidth(rows) + 8)
        var s = svgOpen(width: width, height: legendTop + legendH + 4)
        func y(_ v: Double) -> Double { top + (1 - v) * plotH }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(plotRight))\" y2=\"\(f(y(tick)))\" stroke=\"#eee\"/>"
            s += text(["\(Int(tick * 100))%"], x: left - 4, y: y(tick) + 4, anchor: "end")
        }
        let barW = (groupW - 10) / Double(max(rows.count, 1))
        for (slot, row) in rows.enumerated() {
            let total = Double(row.bins.reduce(0) { $0 + $1.count })
            let c = colors[row.label] ?? "#888"
            for (b, bin) in row.bins.enumerated() {
                let share = total > 0 ? Double(bin.count) / total : 0
                let x = left + Double(b) * groupW + 5 + Double(slot) * barW
                s += "<rect x=\"\(f(x))\" y=\"\(f(y(share)))\" width=\"\(f(max(barW - 1, 1)))\" height=\"\(f(plotH * share))\" fill=\"\(c)\" data-series=\"\(esc(row.label))\"/>"
            }
        }
        if let first = rows.first {
            for (b, bin) in first.bins.enumerated() {
                s += text(["\(bin.value)%"], x: left + Double(b) * groupW + groupW / 2, y: top + plotH + 16, anchor: "middle")
            }
        }
        return s + legendSVG + "</svg>"
    }
}
