import Foundation
import OversightCore

/// The reliance measures as CSV (`score --reliance-csv`): one row per measure of each assisted
/// condition row (with its interval) and of each participant. An absent measure (n = 0) has
/// an empty value.
public enum RelianceCSV {
    public static let header = ["scope", "task", "label", "participant", "measure", "value", "n", "ci_low", "ci_high"]

    public static func render(_ r: ScoreReport) -> String {
        var out = header.joined(separator: ",") + "\r\n"
        func num(_ x: Double?) -> String { x.map { String(format: "%.6f", $0) } ?? "" }
        func emit(_ scope: String, _ task: TaskKind, _ label: String, _ participant: String, _ rel: RelianceStats) {
            for m in RelianceMetric.allCases {
                let v = rel[m]
                let ci = v.value == nil ? nil : v.ci95
                out += [scope, task.rawValue, CSVWriter.field(label), CSVWriter.field(participant), m.rawValue,
                        num(v.value), String(v.n), num(ci?.0), num(ci?.1)].joined(separator: ",") + "\r\n"
            }
        }
        for t in r.tasks {
            for row in t.rows { if let rel = row.reliance { emit("condition", t.task, row.label, "", rel) } }
        }
        for p in r.participantRows {
            if let rel = p.reliance { emit("participant", p.task, p.condition.rawValue, p.id, rel) }
        }
        return out
    }
}

extension HTMLRenderer {
    /// The reliance table and chart of a task's assisted rows, or "" when none has measures.
    static func relianceSection(_ t: TaskReport) -> String {
        let rows = t.rows.filter { $0.reliance != nil }
        guard !rows.isEmpty else { return "" }
        var s = "<h3>Reliance</h3>\n<p class=\"meta\">\(esc(RelianceMetric.definitions))</p>\n"
        s += "<table><tr><th class=\"l\">condition</th><th class=\"l\">measure</th><th>value</th><th>n</th><th>95% CI</th></tr>\n"
        for row in rows {
            guard let rel = row.reliance else { continue }
            for m in RelianceMetric.allCases {
                let v = rel[m]
                s += "<tr><td class=\"l label\">\(esc(row.label))</td><td class=\"l\">\(m.rawValue)</td>"
                    + "<td>\(TextRenderer.relianceValue(m, v))</td><td>\(v.n)</td><td>\(esc(TextRenderer.relianceCI(m, v)))</td></tr>\n"
            }
        }
        s += "</table>\n<div class=\"charts\">\n"
        for row in rows {
            guard let rel = row.reliance, !rel.chart.isEmpty else { continue }
            s += figure("Initial vs final accuracy by the stance (\(row.label))", relianceChart(rel.chart))
        }
        return s + "</div>\n"
    }

    /// Grouped bars: for stances that were right and wrong, initial and final accuracy.
    static func relianceChart(_ bars: [RelianceChartBar]) -> String {
        let left = 40.0, top = 10.0, plotH = 160.0, groupW = 120.0, barW = 36.0
        let width = left + groupW * Double(bars.count) + 100, height = top + plotH + 44
        var s = svgOpen(width: width, height: height)
        func y(_ v: Double) -> Double { top + (1 - max(0, min(1, v))) * plotH }
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(y(tick)))\" x2=\"\(f(left + groupW * Double(bars.count)))\" y2=\"\(f(y(tick)))\" stroke=\"#ddd\"/>"
            s += text(["\(Int(tick * 100))%"], x: left - 4, y: y(tick) + 4, anchor: "end")
        }
        let colors = ["#bab0ac", "#4e79a7"]
        for (k, b) in bars.enumerated() {
            let gx = left + groupW * Double(k) + 16
            for (j, v) in [b.initialAccuracy, b.finalAccuracy].enumerated() {
                guard let v else { continue }
                let x = gx + Double(j) * (barW + 8)
                s += "<rect x=\"\(f(x))\" y=\"\(f(y(v)))\" width=\"\(f(barW))\" height=\"\(f(y(0) - y(v)))\" fill=\"\(colors[j])\" data-bar=\"\(j == 0 ? "initial" : "final")\"/>"
                s += text([TextRenderer.pct(v)], x: x + barW / 2, y: y(v) - 3, anchor: "middle")
            }
            s += text([b.stanceRight ? "stance right" : "stance wrong", "n = \(b.n)"], x: gx + barW + 4,
                      y: top + plotH + 16, anchor: "middle")
        }
        let lx = left + groupW * Double(bars.count) + 8
        for (j, name) in ["initial", "final"].enumerated() {
            s += "<rect x=\"\(f(lx))\" y=\"\(f(top + Double(j) * 16))\" width=\"10\" height=\"10\" fill=\"\(colors[j])\"/>"
            s += text([name], x: lx + 14, y: top + Double(j) * 16 + 9)
        }
        return s + "</svg>"
    }
}
