import Foundation
import OversightCore

extension TextRenderer {
    /// A reliance measure as text: a share in % or a shift in points, "-" when absent.
    static func relianceValue(_ m: RelianceMetric, _ v: RelianceValue) -> String {
        guard let x = v.value else { return "-" }
        return m.isShare ? pct(x) : String(format: "%+.1f", x)
    }

    static func relianceCI(_ m: RelianceMetric, _ v: RelianceValue) -> String {
        guard v.value != nil, let c = v.ci95 else { return "-" }
        return m.isShare ? ci(c) : String(format: "[%+.1f, %+.1f]", c.0, c.1)
    }

    /// The reliance tables (per condition row with intervals, then per participant), or nil
    /// when no row has reliance measures.
    static func reliance(_ r: ScoreReport, width: Int?) -> String? {
        var rows = [["task", "condition", "measure", "value", "n", "95% CI"]]
        for t in r.tasks {
            for row in t.rows {
                guard let rel = row.reliance else { continue }
                for m in RelianceMetric.allCases {
                    let v = rel[m]
                    rows.append([t.task.rawValue, row.label, m.rawValue, relianceValue(m, v), String(v.n), relianceCI(m, v)])
                }
            }
        }
        guard rows.count > 1 else { return nil }
        var out = wrap("Reliance (shares in %, confidence shift in points; - = empty denominator, n = 0). "
                       + RelianceMetric.definitions, width: width).joined(separator: "\n") + "\n"
        out += grid(rows, left: [0, 1, 2], width: width, shrink: [1]) + "\n"
        let short: [(RelianceMetric, String)] = [(.agreement, "agree"), (.switchRate, "switch"), (.switchToStance, "to\nstance"),
                                                 (.rair, "RAIR"), (.rsr, "RSR"), (.overReliance, "over"),
                                                 (.underReliance, "under"), (.confidenceShiftRight, "conf\nshift R"),
                                                 (.confidenceShiftWrong, "conf\nshift W")]
        var prow = [["participant", "task"] + short.map(\.1)]
        for p in r.participantRows {
            guard let rel = p.reliance else { continue }
            prow.append([p.id, p.task.rawValue] + short.map { m, _ in
                let v = rel[m]
                return v.value == nil ? "-" : "\(relianceValue(m, v)) (\(v.n))"
            })
        }
        if prow.count > 1 {
            out += "\nReliance per participant (value (n))\n" + grid(prow, left: [0, 1], width: width, shrink: [0]) + "\n"
        }
        return out
    }
}
