import Foundation

/// The power table as text, JSON and an HTML page with the curve.
public enum PowerReport {
    public static func text(_ points: [PowerPoint], design: PowerDesign, model: PowerModel, effect: Double, alpha: Double,
                     resamples: Int, seconds: Double) -> String {
        var out = "Power to detect assisted - unaided = \(fmt(effect)) points on \(design.task.rawValue) "
            + "(\(design.unaidedItems) unaided, \(design.assistedItems) assisted questions per participant), alpha \(fmt(alpha))\n"
        out += "Model: unaided accuracy \(String(format: "%.1f%%", 100 * model.unaidedAccuracy)), participant SD "
            + "\(String(format: "%.2f", model.participantSD)), item SD \(String(format: "%.2f", model.itemSD)) logits; \(model.source)\n"
        out += "Test: the scorer's two-way bootstrap interval (\(resamples) resamples) excludes 0\n\n"
        out += "participants   power   MC SE   simulations\n"
        for p in points {
            out += pad(String(p.participants), 12) + pad(String(format: "%.3f", p.power), 8)
                + pad(String(format: "%.3f", p.se), 8) + pad(String(p.simulations), 14) + "\n"
        }
        out += String(format: "\n%.1f s", seconds)
        if min(design.unaidedItems, design.assistedItems) < 20 {
            out += "\nWith fewer than 20 questions per condition power levels off however many people take part "
                + "(more questions per block help most), and the test may not hold its level: check the "
                + "false-positive rate with --effect 0"
        }
        return out
    }

    public static func json(_ points: [PowerPoint]) -> String {
        "[" + points.map { p in
            "{\"participants\": \(p.participants), \"power\": \(num(p.power)), \"se\": \(num(p.se))}"
        }.joined(separator: ", ") + "]"
    }

    static func num(_ x: Double) -> String { String(format: "%.4f", x) }

    static func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    static func esc(_ s: String) -> String { HTMLRenderer.esc(s) }

    /// A self-contained page: the table and an SVG curve of power against participants, with
    /// ±1.96 Monte Carlo SE bars and lines at 0.8 and at alpha.
    public static func html(_ points: [PowerPoint], design: PowerDesign, model: PowerModel, effect: Double, alpha: Double,
                     study: String) -> String {
        let w = 640.0, h = 360.0, left = 60.0, right = 20.0, top = 20.0, bottom = 50.0
        let ns = points.map { Double($0.participants) }
        let lo = log(ns.min() ?? 1), hi = log(ns.max() ?? 2)
        func x(_ n: Double) -> Double {
            hi > lo ? left + (log(n) - lo) / (hi - lo) * (w - left - right) : (left + w - right) / 2
        }
        func y(_ p: Double) -> Double { top + (1 - p) * (h - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"power curve\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(w))\" height=\"\(Int(h))\" fill=\"#fff\"/>\n"
        for t in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(t))\" y2=\"\(y(t))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 8)\" y=\"\(y(t) + 4)\" text-anchor=\"end\" font-size=\"12\">\(String(format: "%.1f", t))</text>\n"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(0.8))\" y2=\"\(y(0.8))\" stroke=\"#2a7\" stroke-dasharray=\"6 4\"/>"
        svg += "<text x=\"\(w - right)\" y=\"\(y(0.8) - 4)\" text-anchor=\"end\" font-size=\"11\" fill=\"#2a7\">0.8</text>\n"
        svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(alpha))\" y2=\"\(y(alpha))\" stroke=\"#c44\" stroke-dasharray=\"2 4\"/>"
        svg += "<text x=\"\(w - right)\" y=\"\(y(alpha) - 4)\" text-anchor=\"end\" font-size=\"11\" fill=\"#c44\">alpha</text>\n"
        let path = points.map { "\(x(Double($0.participants))),\(y($0.power))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#236\" stroke-width=\"2\"/>\n"
        for p in points {
            let cx = x(Double(p.participants))
            svg += "<line x1=\"\(cx)\" x2=\"\(cx)\" y1=\"\(y(min(1, p.power + 1.96 * p.se)))\" y2=\"\(y(max(0, p.power - 1.96 * p.se)))\" stroke=\"#236\"/>"
            svg += "<circle cx=\"\(cx)\" cy=\"\(y(p.power))\" r=\"4\" fill=\"#236\"><title>\(p.participants) participants: power \(String(format: "%.3f", p.power)) ± \(String(format: "%.3f", p.se))</title></circle>"
            svg += "<text x=\"\(cx)\" y=\"\(h - bottom + 18)\" text-anchor=\"middle\" font-size=\"12\">\(p.participants)</text>\n"
        }
        svg += "<text x=\"\((left + w - right) / 2)\" y=\"\(h - 10)\" text-anchor=\"middle\" font-size=\"12\">participants (log scale)</text>\n"
        svg += "<text x=\"14\" y=\"\((top + h - bottom) / 2)\" transform=\"rotate(-90 14 \((top + h - bottom) / 2))\" text-anchor=\"middle\" font-size=\"12\">power</text>\n"
        svg += "</svg>"
        var rows = ""
        for p in points {
            rows += "<tr><td>\(p.participants)</td><td>\(String(format: "%.3f", p.power))</td><td>\(String(format: "%.3f", p.se))</td><td>\(p.simulations)</td></tr>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Power: \(esc(study))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:760px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}.meta{color:#444}</style>
            </head><body>
            <h1>Power of study \(esc(study))</h1>
            <p class="meta">Difference to detect: assisted − unaided = \(esc(fmt(effect))) accuracy points on \(design.task.rawValue) \
            (\(design.unaidedItems) unaided and \(design.assistedItems) assisted questions per participant); alpha \(esc(fmt(alpha))); \
            the scorer's two-way bootstrap interval excluding 0.</p>
            <p class="meta">Model: unaided accuracy \(String(format: "%.1f%%", 100 * model.unaidedAccuracy)), participant SD \
            \(String(format: "%.2f", model.participantSD)), item SD \(String(format: "%.2f", model.itemSD)) logits; \(esc(model.source)).</p>
            \(svg)
            <table><tr><th>participants</th><th>power</th><th>MC SE</th><th>simulations</th></tr>
            \(rows)</table>
            </body></html>

            """
    }
}
