import Foundation
import OversightCore

/// A JSON value with ordered object keys, so output is stable and readable.
indirect enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    /// A fraction or other real, rounded to 6 decimals; NaN and infinities become null.
    static func real(_ x: Double?) -> JSON {
        guard let x, x.isFinite else { return .null }
        return .number((x * 1e6).rounded() / 1e6)
    }

    static func interval(_ c: (Double, Double)?) -> JSON {
        guard let c else { return .null }
        return .array([real(c.0), real(c.1)])
    }

    /// Pretty-printed text (two-space indent).
    func text(indent: Int = 0) -> String {
        var out = ""
        write(into: &out, indent: indent)
        return out
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let close = String(repeating: "  ", count: indent)
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d):
            if d == d.rounded() && abs(d) < 1e15 { out += String(Int(d)) } else { out += "\(d)" }
        case .string(let s): out += JSON.quote(s)
        case .array(let a):
            if a.isEmpty {
                out += "[]"
                return
            }
            if a.allSatisfy({ if case .object = $0 { return false } else { return true } }) && a.count <= 8 {
                out += "[" + a.map { $0.text() }.joined(separator: ", ") + "]"
                return
            }
            out += "[\n"
            for (i, v) in a.enumerated() {
                out += pad
                v.write(into: &out, indent: indent + 1)
                out += i < a.count - 1 ? ",\n" : "\n"
            }
            out += close + "]"
        case .object(let o):
            if o.isEmpty {
                out += "{}"
                return
            }
            out += "{\n"
            for (i, (k, v)) in o.enumerated() {
                out += pad + JSON.quote(k) + ": "
                v.write(into: &out, indent: indent + 1)
                out += i < o.count - 1 ? ",\n" : "\n"
            }
            out += close + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}

/// Renders a report as JSON: `{"study", "tasks": [{"task", "rows": [...]}], "participants",
/// "warnings", ...}`; fractions are in 0...1.
public enum JSONRenderer {
    /// The report as pretty-printed JSON text (ends with a newline).
    public static func render(_ r: ScoreReport) -> String {
        value(r).text() + "\n"
    }

    static func value(_ r: ScoreReport) -> JSON {
        var head: [(String, JSON)] = []
        if !r.keptDamaged.isEmpty { head.append(("damaged_logs_kept", .array(r.keptDamaged.map { JSON.string($0) }))) }
        return .object(head + [
            ("study", .string(r.studyID)),
            ("study_hash", .string(r.studyHash)),
            ("sessions", .int(r.sessions)),
            ("participants_scored", .int(r.participants)),
            ("excluded", .array(r.excluded.map { .string($0) })),
            ("bootstrap", .object([
                ("method", .string("bias-corrected percentile, resampling participants and items (two-way)")),
                ("vote_method", .string("the resamples' 2.5-97.5% spread re-centred on the estimate (estimate + quantile - mean of resamples); duplicated voters bias resampled votes down")),
                ("item_strata", .string("items resampled within strata: answered unaided only, assisted only, both, model only")),
                ("resamples", .int(r.resamples)),
                ("seed", .string(String(r.seed))),
                ("deterministic", .bool(true)),
            ])),
            ("conventions", .object([
                ("confidence_scale", .array(r.scale.map { .int($0) })),
                ("calibration_error", .string("answers binned at the nearest scale value; mean over non-empty bins of |bin accuracy - bin value|")),
                ("brier", .string("binary, on the chosen option: (confidence - correct)^2; answers without a confidence left out")),
                ("vote", .string("p on the chosen option, (1-p)/3 on the others, 100% counts as 99%, product over participants, argmax; no answer or timed out = uniform")),
                ("vote_ties", .string("a k-way tie earns 1/k when the gold option is among the tied, else 0")),
                ("vote_answers", .string("for vote rows, answers = items voted on")),
                ("flag", .string(r.flagRule)),
            ] + (r.tasks.contains { $0.rows.contains { $0.protocolStats != nil } } ? ProtocolRender.conventions : [])
              + (r.hasReliance ? [("reliance", .string(RelianceMetric.definitions))] : []))),
            ("tasks", .array(r.tasks.map(task))),
            ("participants", .array(r.participantRows.map(participant))),
            ("blocks", .array(r.blocks.map(block))),
            ("warnings", .array(r.warnings.map(warning))),
        ] + (r.balance.map { [("balance", balance($0))] } ?? []))
    }

    static func balance(_ b: BalanceReport) -> JSON {
        .object([
            ("counterbalanced_sessions", .int(b.counterbalancedSessions)),
            ("participants_per_arm", .object(b.participantsPerArm.map { (String($0.arm), JSON.int($0.participants)) })),
            ("items", .int(b.items)),
            ("items_under_both_conditions", .int(b.itemsUnderBoth)),
            ("balanced_items", .int(b.balancedItems)),
            ("largest_gap", .int(b.largestGap)),
            ("balanced", .bool(b.isBalanced)),
        ])
    }

    static func task(_ t: TaskReport) -> JSON {
        .object([
            ("task", .string(t.task.rawValue)),
            ("rows", .array(t.rows.map(row))),
            ("differences", .array(t.differences.map { d in
                .object([("name", .string(d.name)), ("estimate", .real(d.estimate)), ("ci95", .interval(d.ci95))])
            })),
        ])
    }

    static func row(_ r: ConditionRow) -> JSON {
        var fields: [(String, JSON)] = [
            ("condition", .string(r.condition)),
            ("label", .string(r.label)),
            ("answers", .int(r.answers)),
            ("participants", .int(r.participants)),
            ("items", .int(r.items)),
            ("accuracy", .real(r.accuracy)),
            ("ci95", .interval(r.ci95)),
            ("calibration_error", .real(r.calibrationError)),
            ("brier", .real(r.brier)),
            ("mean_confidence", .real(r.meanConfidence)),
            ("calibration_bins", .array(r.bins.map { b in
                .object([("value", .real(Double(b.value) / 100)), ("count", .int(b.count)), ("accuracy", .real(b.accuracy))])
            })),
        ]
        if let s = r.protocolStats { fields += ProtocolRender.json(s) }
        if r.model == nil, let a = r.assistant {
            fields.append(("assistant", .object([
                ("provider", .string(a.provider)), ("model", a.model.map { .string($0) } ?? .null),
            ])))
        }
        if let rel = r.reliance { fields.append(("reliance", reliance(rel, intervals: true))) }
        if let m = r.model {
            fields.append(("model", .object([
                ("file", .string(m.path)), ("convention", .string(m.convention)), ("shots", .int(m.shots)),
                ("provider", .string(m.provider)), ("model", .string(m.model)),
                ("covers_human_items", .int(m.coversHumanItems)), ("human_items", .int(m.humanItems)),
            ])))
        }
        return .object(fields)
    }

    static func participant(_ p: ParticipantRow) -> JSON {
        .object([
            ("id", .string(p.id)),
            ("task", .string(p.task.rawValue)),
            ("condition", .string(p.condition.rawValue)),
            ("answers", .int(p.answers)),
            ("answered", .int(p.answered)),
            ("accuracy", .real(p.accuracy)),
            ("mean_confidence", .real(p.meanConfidence)),
            ("timeouts", .int(p.timeouts)),
            ("completed", .bool(p.completed)),
            ("completion", .real(p.completion)),
            ("flagged", .bool(p.flagged)),
        ] + (p.reliance.map { [("reliance", reliance($0, intervals: false))] } ?? []))
    }

    /// `{"agreement": {"value", "n", "ci95"}, ..., "confidence_shift": {"value", "n", "ci95",
    /// "unit", "right": ..., "wrong": ...}}`;
    /// a measure with no denominator has `"value": null`, `"n": 0` and no interval.
    static func reliance(_ r: RelianceStats, intervals: Bool) -> JSON {
        func one(_ m: RelianceMetric) -> JSON {
            let v = r[m]
            var f: [(String, JSON)] = [("value", .real(v.value)), ("n", .int(v.n))]
            if intervals, v.value != nil, let ci = v.ci95 { f.append(("ci95", .interval(ci))) }
            return .object(f)
        }
        let shares: [RelianceMetric] = [.agreement, .switchRate, .switchToStance, .rair, .rsr, .overReliance, .underReliance]
        var fields = shares.map { ($0.rawValue, one($0)) }
        guard case .object(let overall) = one(.confidenceShift) else { return .object(fields) }
        fields.append(("confidence_shift", .object(overall + [
            ("unit", .string("percentage points, final minus initial")),
            ("right", one(.confidenceShiftRight)), ("wrong", one(.confidenceShiftWrong)),
        ])))
        if !r.chart.isEmpty {
            fields.append(("by_stance", .array(r.chart.map { b in
                .object([("stance_right", .bool(b.stanceRight)), ("n", .int(b.n)),
                         ("initial_accuracy", .real(b.initialAccuracy)), ("final_accuracy", .real(b.finalAccuracy))])
            })))
        }
        return .object(fields)
    }

    static func block(_ b: BlockRow) -> JSON {
        .object([
            ("block", .int(b.block)),
            ("task", .string(b.task.rawValue)),
            ("condition", .string(b.condition.rawValue)),
            ("answers", .int(b.answers)),
            ("participants", .int(b.participants)),
            ("median_seconds", .real(b.medianSeconds)),
            ("timeouts", .int(b.timeouts)),
            ("turns_per_question", .real(b.turns)),
            ("resets_per_question", .real(b.resets)),
            ("chars_sent_per_question", .real(b.charsSent)),
            ("median_ttft_ms", .real(b.medianTTFTMs)),
        ] + (b.assistant.map { a in
            [("assistant", JSON.object([("provider", .string(a.provider)), ("model", a.model.map { .string($0) } ?? .null)]))]
        } ?? []))
    }

    static func warning(_ w: ScoreWarning) -> JSON {
        .object([
            ("kind", .string(w.kind.rawValue)),
            ("file", w.path.map { .string($0) } ?? .null),
            ("line", w.line.map { .int($0) } ?? .null),
            ("message", .string(w.message)),
            ("text", .string(w.description)),
        ])
    }
}
