import Foundation
import TOMLKit

/// How a simulated participant (`oversight simulate`) behaves. Every field has a default that
/// gives a plausible crowdworker (numbers from Bowman et al. 2022 where there are any); a policy
/// file (TOML) changes some of them:
///
/// ```toml
/// [unaided]
/// mmlu = 0.57          # accuracy alone, per task (0...1)
/// quality = 0.49
/// ability_sd = 0.5     # spread of participants' ability, in logits (0 = all alike)
///
/// [chat]
/// ask = 0.9            # share of assisted questions on which it writes to the assistant
/// max_messages = 3     # messages on such a question: 1...max_messages, uniformly
/// messages = ["Which option is right, and why?", "Is ({letter}) correct?"]
/// adopt = 0.7          # share of questions on which it takes the assistant's stated answer
///
/// [confidence]         # weights over the study's confidence levels (one per level)
/// correct = [1, 2, 4, 5, 3]
/// wrong = [4, 5, 4, 2, 1]
///
/// [time]
/// median_seconds = 45  # time on a question (log-normal around this median)
/// spread = 0.5         # sd of its logarithm
/// read_seconds = 8     # reading each assistant reply
/// chunk_ms = 40        # time between two streamed pieces of a reply
/// ```
///
/// Message templates may use `{letter}` (the option it currently leans to, e.g. `B`),
/// `{option}` (that option's text) and `{question}`.
public struct SimulationPolicy: Sendable, Equatable {
    /// Unaided accuracy per task.
    public var unaidedAccuracy: [TaskKind: Double] = [.mmlu: 0.57, .quality: 0.49]
    /// Standard deviation of participant ability on the logit scale.
    public var abilitySD: Double = 0.5
    public var askProbability: Double = 0.9
    public var maxMessages: Int = 3
    public var messages: [String] = SimulationPolicy.defaultMessages
    public var adoptProbability: Double = 0.7
    /// Weights over the confidence levels when the submitted answer is right / wrong; nil: the
    /// default shape for the study's scale (see `confidenceWeights`).
    public var confidenceCorrect: [Double]?
    public var confidenceWrong: [Double]?
    public var medianSeconds: Double = 45
    public var timeSpread: Double = 0.5
    public var readSeconds: Double = 8
    public var chunkMs: Int = 40
    /// Where each key was set (for `FILE:LINE` messages about the study, e.g. a weight list
    /// that does not fit its scale).
    public var path: String?
    public var lines: [String: Int] = [:]

    public static let defaultMessages = [
        "Which option do you think is right, and why?",
        "Is ({letter}) correct?",
        "What is the strongest argument against ({letter}) {option}?",
        "Can you quote the part of the text that decides this?",
        "I lean to ({letter}). Am I wrong?",
    ]

    /// The default policy.
    public init() {}

    /// Weights over a scale of `levels` confidence levels for a right (or wrong) answer: the
    /// file's list, or a default that leans high when right and low when wrong (mean confidence
    /// around 70% right and 50% wrong on the default 5-point scale).
    public func confidenceWeights(correct: Bool, levels: Int) -> [Double] {
        if let w = correct ? confidenceCorrect : confidenceWrong { return w }
        guard levels > 0 else { return [] }
        return (0..<levels).map { k in
            let x = levels == 1 ? 0.5 : Double(k) / Double(levels - 1)
            return correct ? 0.5 + 2 * x - x * x : 2 - 1.6 * x
        }
    }

    /// A problem of this policy with a study's confidence scale, as `FILE:LINE: message`.
    public func problem(withScale scale: [Int]) -> InputError? {
        for (key, w) in [("correct", confidenceCorrect), ("wrong", confidenceWrong)] {
            guard let w, w.count != scale.count else { continue }
            return InputError(path: path ?? "policy", line: lines["confidence." + key],
                              "confidence.\(key) has \(w.count) weight(s) but the study's confidence scale has "
                                + "\(scale.count) level(s) (\(scale.map(String.init).joined(separator: ", ")))")
        }
        return nil
    }
}

/// Reads a policy file; every problem is `FILE:LINE: message`, unknown keys included.
public enum SimulationPolicyLoader {
    static let sections: [String: Set<String>] = [
        "unaided": ["mmlu", "quality", "ability_sd"],
        "chat": ["ask", "max_messages", "messages", "adopt"],
        "confidence": ["correct", "wrong"],
        "time": ["median_seconds", "spread", "read_seconds", "chunk_ms"],
    ]

    /// Load the policy at `path`. Throws `InputErrors`.
    public static func load(path: String) throws -> SimulationPolicy {
        try parse(text: TOMLDocument.read(path: path, what: "policy").text, path: path)
    }

    /// Parse policy text; `path` names it in messages.
    public static func parse(text: String, path: String) throws -> SimulationPolicy {
        let root = try TOMLDocument.parse(text: text, path: path, what: "policy")
        let locator = TOMLLocator(text: text)
        var errors: [InputError] = []
        var policy = SimulationPolicy()
        policy.path = path
        func fail(_ section: String, _ key: String?, _ message: String) {
            errors.append(InputError(path: path, line: locator.line(section: section, index: nil, key: key), message))
        }
        for key in root.keys.sorted() {
            guard let allowed = sections[key] else {
                let hint = sections.keys.min { editDistance($0, key) < editDistance($1, key) }
                    .flatMap { editDistance($0, key) <= 3 ? " (did you mean [\($0)]?)" : nil } ?? ""
                fail("", key, "unknown section \"\(Printable.escaped(key))\"\(hint); expected [unaided], [chat], [confidence] or [time]")
                continue
            }
            guard let table = root[key]?.table else {
                fail("", key, "\"\(key)\" must be a table ([\(key)])")
                continue
            }
            for k in table.keys.sorted() where !allowed.contains(k) {
                let hint = allowed.min { editDistance($0, k) < editDistance($1, k) }
                    .flatMap { editDistance($0, k) <= 3 ? " (did you mean \"\($0)\"?)" : nil } ?? ""
                fail(key, k, "unknown key \"\(key).\(Printable.escaped(k))\"\(hint)")
            }
            for k in table.keys where allowed.contains(k) {
                if let l = locator.line(section: key, index: nil, key: k) { policy.lines["\(key).\(k)"] = l }
            }
        }
        func number(_ section: String, _ key: String, _ range: ClosedRange<Double>) -> Double? {
            guard let v = root[section]?.table?[key] else { return nil }
            guard let d = v.double ?? v.int.map(Double.init) else {
                fail(section, key, "\"\(section).\(key)\" must be a number"); return nil
            }
            guard range.contains(d) else {
                fail(section, key, "\"\(section).\(key)\" must be between \(clean(range.lowerBound)) and \(clean(range.upperBound)), not \(clean(d))")
                return nil
            }
            return d
        }
        func weights(_ key: String) -> [Double]? {
            guard let v = root["confidence"]?.table?[key] else { return nil }
            guard let a = v.array else { fail("confidence", key, "\"confidence.\(key)\" must be a list of numbers"); return nil }
            var out: [Double] = []
            for e in a {
                guard let d = e.double ?? e.int.map(Double.init), d.isFinite, d >= 0 else {
                    fail("confidence", key, "\"confidence.\(key)\" must hold numbers of 0 or more"); return nil
                }
                out.append(d)
            }
            guard out.contains(where: { $0 > 0 }) else {
                fail("confidence", key, "\"confidence.\(key)\" needs at least one weight above 0"); return nil
            }
            return out
        }
        if let a = number("unaided", "mmlu", 0...1) { policy.unaidedAccuracy[.mmlu] = a }
        if let a = number("unaided", "quality", 0...1) { policy.unaidedAccuracy[.quality] = a }
        if let a = number("unaided", "ability_sd", 0...5) { policy.abilitySD = a }
        if let a = number("chat", "ask", 0...1) { policy.askProbability = a }
        if let a = number("chat", "adopt", 0...1) { policy.adoptProbability = a }
        if let v = root["chat"]?.table?["max_messages"] {
            if let n = v.int, (1...20).contains(n) { policy.maxMessages = n } else {
                fail("chat", "max_messages", "\"chat.max_messages\" must be a whole number between 1 and 20")
            }
        }
        if let v = root["chat"]?.table?["messages"] {
            let list = v.array.map { $0.compactMap { $0.string } }
            if let list, let count = v.array?.count, list.count == count, !list.isEmpty,
               list.allSatisfy({ !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && $0.count <= 4000 }) {
                policy.messages = list
            } else {
                fail("chat", "messages", "\"chat.messages\" must be a non-empty list of non-empty strings (at most 4000 characters each)")
            }
        }
        policy.confidenceCorrect = weights("correct")
        policy.confidenceWrong = weights("wrong")
        if let a = number("time", "median_seconds", 1...36_000) { policy.medianSeconds = a }
        if let a = number("time", "spread", 0...3) { policy.timeSpread = a }
        if let a = number("time", "read_seconds", 0...3600) { policy.readSeconds = a }
        if let a = number("time", "chunk_ms", 0...10_000) { policy.chunkMs = Int(a) }
        if !errors.isEmpty { throw InputErrors(errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) }) }
        return policy
    }

    private static func clean(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
