import Foundation
import OversightCore

/// Renders a report as one self-contained HTML page (inline CSS and SVG, nothing fetched):
/// the table, accuracy with CI bars, a reliability diagram and confidence histograms per task.
public enum HTMLRenderer {
    /// The page.
    public static func render(_ r: ScoreReport) -> String {
        var body = ""
        if let notice = r.keptDamagedNotice { body += "<p class=\"meta\"><strong>\(esc(notice))</strong></p>\n" }
        body += "<h1>Study \(esc(r.studyID))</h1>\n"
        body += "<p class=\"meta\">\(r.participants) participant(s), \(r.sessions) session log(s); excluded: "
            + "\(r.excluded.isEmpty ? "none" : esc(r.excluded.joined(separator: ", "))). "
            + "95% CIs: bias-corrected percentile bootstrap over participants and items (two-way), "
            + "\(r.resamples) resamples, seed \(r.seed); vote rows: the resamples' spread re-centred on the estimate.</p>\n"
        body += "<h2>Results</h2>\n<pre>\(esc(TextRenderer.table1(r)))</pre>\n"
        for t in r.tasks {
            let name = t.task == .mmlu ? "MMLU" : "QuALITY"
            body += "<section><h2>\(name)</h2>\n"
            body += detailsTable(t)
            body += "<div class=\"charts\">\n"
            body += figure("Accuracy with 95% CI", accuracyChart(t))
            body += figure("Reliability (confidence vs accuracy)", reliabilityChart(t, scale: r.scale))
            body += figure("Confidence histogram", histogramChart(t, scale: r.scale))
            body += "</div></section>\n"
        }
        if !r.blocks.isEmpty { body += "<h2>Blocks</h2>\n<pre>\(esc(TextRenderer.blocks(r.blocks)))</pre>\n" }
        if !r.participantRows.isEmpty {
            body += "<h2>Participants</h2>\n<pre>\(esc(TextRenderer.participants(r)))</pre>\n"
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
            <title>oversight score: \(esc(r.studyID))</title>
            <style>
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1120px;color:#1d2330;padding:0 16px}
            h1{font-size:24px;margin-bottom:4px} h2{font-size:19px;margin-top:28px;border-bottom:1px solid #dde;padding-bottom:4px}
            .meta{color:#556;font-size:13px}
            pre{font-size:12px;background:#f6f7f9;padding:10px;overflow-x:auto;border-radius:4px}
            table{border-collapse:collapse;font-size:13px;margin:8px 0}
            th,td{padding:3px 10px;text-align:right;border-bottom:1px solid #eee} th:first-child,td:first-child{text-align:left}
            th{background:#f0f2f5}
            .charts{display:flex;flex-wrap:wrap;gap:16px}
            figure{margin:0;border:1px solid #e3e5ea;border-radius:4px;padding:8px;background:#fff}
            figcaption{font-size:13px;font-weight:600;margin-bottom:4px}
            svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#333}
            .warn{font-size:12px;font-family:monospace}
            </style></head><body>
            \(body)</body></html>

            """
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func figure(_ caption: String, _ svg: String) -> String {
        "<figure><figcaption>\(esc(caption))</figcaption>\(svg)</figure>\n"
    }

    static let palette = ["#4c78a8", "#9ecae9", "#f58518", "#ffbf79", "#54a24b", "#88d27a", "#b79a20", "#e45756"]

    static func color(_ row: ConditionRow, _ index: Int) -> String {
        switch row.condition {
        case "unaided": return palette[0]
        case "unaided_vote": return palette[1]
        case "assisted": return palette[2]
        case "assisted_vote": return palette[3]
        default: return palette[4 + index % 4]
        }
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func detailsTable(_ t: TaskReport) -> String {
        var s = "<table><tr><th>condition</th><th>answers</th><th>participants</th><th>accuracy</th><th>95% CI</th>"
            + "<th>CE</th><th>Brier</th><th>mean confidence</th></tr>"
        for row in t.rows {
            s += "<tr><td>\(esc(row.label))</td><td>\(row.answers)</td><td>\(row.condition == "model" ? "-" : String(row.participants))</td>"
                + "<td>\(TextRenderer.pct(row.accuracy))</td><td>\(TextRenderer.ci(row.ci95))</td>"
                + "<td>\(TextRenderer.pct(row.calibrationError))</td><td>\(TextRenderer.brier(row.brier))</td>"
                + "<td>\(TextRenderer.pct(row.meanConfidence))</td></tr>"
        }
        for d in t.differences {
            s += "<tr><td>\(esc(d.name))</td><td></td><td></td><td>\(TextRenderer.signedPct(d.estimate))</td>"
                + "<td>\(TextRenderer.ci(d.ci95))</td><td></td><td></td><td></td></tr>"
        }
        return s + "</table>\n"
    }

    /// Horizontal bars (accuracy) with CI whiskers, one per row.
    static func accuracyChart(_ t: TaskReport) -> String {
        let labelW = 230.0, plotW = 300.0, rowH = 26.0, top = 10.0
        let height = top + Double(t.rows.count) * rowH + 30
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelW + plotW + 50))\" height=\"\(Int(height))\">"
        let x0 = labelW
        func x(_ v: Double) -> Double { x0 + max(0, min(1, v)) * plotW }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(f(x(tick)))\" y1=\"\(f(top))\" x2=\"\(f(x(tick)))\" y2=\"\(f(height - 24))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(f(x(tick)))\" y=\"\(f(height - 10))\" text-anchor=\"middle\">\(Int(tick * 100))%</text>"
        }
        for (i, row) in t.rows.enumerated() {
            let y = top + Double(i) * rowH
            s += "<text x=\"\(f(labelW - 8))\" y=\"\(f(y + 16))\" text-anchor=\"end\">\(esc(row.label))</text>"
            s += "<rect x=\"\(f(x0))\" y=\"\(f(y + 5))\" width=\"\(f(x(row.accuracy) - x0))\" height=\"14\" fill=\"\(color(row, i))\"/>"
            if let ci = row.ci95 {
                let yc = y + 12
                s += "<line x1=\"\(f(x(ci.0)))\" y1=\"\(f(yc))\" x2=\"\(f(x(ci.1)))\" y2=\"\(f(yc))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                for v in [ci.0, ci.1] {
                    s += "<line x1=\"\(f(x(v)))\" y1=\"\(f(yc - 5))\" x2=\"\(f(x(v)))\" y2=\"\(f(yc + 5))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                }
            }
            s += "<text x=\"\(f(x(row.accuracy) + 4))\" y=\"\(f(y + 4))\" font-size=\"10\">\(TextRenderer.pct(row.accuracy))</text>"
        }
        return s + "</svg>"
    }

    /// Accuracy per confidence bin for each row with confidences, against the diagonal.
    static func reliabilityChart(_ t: TaskReport, scale: [Int]) -> String {
        let size = 260.0, left = 40.0, top = 10.0, legendW = 200.0
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + size + legendW + 20))\" height=\"\(Int(top + size + 40))\">"
        func x(_ v: Double) -> Double { left + v * size }
        func y(_ v: Double) -> Double { top + (1 - v) * size }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(size))\" height=\"\(f(size))\" fill=\"none\" stroke=\"#bbb\"/>"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<text x=\"\(f(x(tick)))\" y=\"\(f(top + size + 14))\" text-anchor=\"middle\">\(Int(tick * 100))</text>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))</text>"
        }
        s += "<line x1=\"\(f(x(0)))\" y1=\"\(f(y(0)))\" x2=\"\(f(x(1)))\" y2=\"\(f(y(1)))\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        s += "<text x=\"\(f(left + size / 2))\" y=\"\(f(top + size + 30))\" text-anchor=\"middle\">confidence (%)</text>"
        var legend = 0
        for (i, row) in t.rows.enumerated() {
            let points = row.bins.compactMap { b -> (Double, Double, Int)? in
                guard let a = b.accuracy else { return nil }
                return (Double(b.value) / 100, a, b.count)
            }
            guard !points.isEmpty else { continue }
            let c = color(row, i)
            let path = points.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            s += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>"
            let maxCount = Double(points.map(\.2).max() ?? 1)
            for p in points {
                let r = 2.5 + 4 * (Double(p.2) / maxCount).squareRoot()
                s += "<circle cx=\"\(f(x(p.0)))\" cy=\"\(f(y(p.1)))\" r=\"\(f(r))\" fill=\"\(c)\"/>"
            }
            let ly = top + 8 + Double(legend) * 16
            s += "<rect x=\"\(f(left + size + 12))\" y=\"\(f(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(c)\"/>"
            s += "<text x=\"\(f(left + size + 26))\" y=\"\(f(ly + 1))\">\(esc(row.label))</text>"
            legend += 1
        }
        return s + "</svg>"
    }

    /// Share of answers at each confidence value, for the human conditions and models.
    static func histogramChart(_ t: TaskReport, scale: [Int]) -> String {
        let rows = t.rows.enumerated().filter { $0.element.bins.contains { $0.count > 0 } }
        let groupW = 70.0, left = 40.0, top = 10.0, plotH = 200.0
        let bins = rows.first?.element.bins.count ?? scale.count
        let width = left + Double(max(bins, 1)) * groupW + 10
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(top + plotH + 40 + Double(rows.count) * 15))\">"
        func y(_ v: Double) -> Double { top + (1 - v) * plotH }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(width - 10))\" y2=\"\(f(y(tick)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>"
        }
        let barW = (groupW - 10) / Double(max(rows.count, 1))
        for (slot, (i, row)) in rows.enumerated() {
            let total = Double(row.bins.reduce(0) { $0 + $1.count })
            for (b, bin) in row.bins.enumerated() {
                let share = total > 0 ? Double(bin.count) / total : 0
                let x = left + Double(b) * groupW + 5 + Double(slot) * barW
                s += "<rect x=\"\(f(x))\" y=\"\(f(y(share)))\" width=\"\(f(barW - 1))\" height=\"\(f(plotH * share))\" fill=\"\(color(row, i))\"/>"
            }
            let ly = top + plotH + 36 + Double(slot) * 15
            s += "<rect x=\"\(f(left))\" y=\"\(f(ly - 9))\" width=\"10\" height=\"10\" fill=\"\(color(row, i))\"/>"
            s += "<text x=\"\(f(left + 14))\" y=\"\(f(ly))\">\(esc(row.label))</text>"
        }
        if let first = rows.first?.element {
            for (b, bin) in first.bins.enumerated() {
                s += "<text x=\"\(f(left + Double(b) * groupW + groupW / 2))\" y=\"\(f(top + plotH + 16))\" text-anchor=\"middle\">\(bin.value)%</text>"
            }
        }
        return s + "</svg>"
    }
}
