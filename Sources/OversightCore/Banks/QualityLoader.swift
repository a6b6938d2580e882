import Foundation

/// Reads QuALITY question sets in the release's JSON-lines format: one object per line (one
/// article and one writer's questions), with `article_id`, `title`, `article` and `questions`.
/// Questions about the same article share one `Passage`, across lines and files.
public enum QualityLoader {
    /// Split names recognised in a file name (`QuALITY.v1.0.1.htmlstripped.dev`).
    public static let knownSplits: Set<String> = ["dev", "val", "validation", "test", "train", "demo"]

    /// The split named in a file name: the last `.`, `_` or `-` separated part that is a known
    /// split name, or nil.
    public static func split(fileName: String) -> String? {
        let parts = fileName.lowercased().split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "-" })
        return parts.last(where: { knownSplits.contains(String($0)) }).map(String.init)
    }

    /// Passages already seen in one load, by article id, so that every question about an article
    /// points at the same instance; remembers where each was first read.
    public final class PassageTable {
        var passages: [String: (passage: Passage, path: String, line: Int)] = [:]
        public init() {}

        /// Number of distinct articles seen.
        public var count: Int { passages.count }
    }

    /// Parse one QuALITY file's bytes. Returns the good questions and every problem found.
    public static func parse(bytes: [UInt8], path: String, passages: PassageTable) -> (questions: [Question], errors: [InputError]) {
        let fileName = (path as NSString).lastPathComponent
        let split = split(fileName: fileName)
        var questions: [Question] = []
        var errors: [InputError] = []
        var lineNumber = 0
        var sawRecord = false
        var start = 0
        let n = bytes.count
        while start <= n {
            var end = start
            while end < n, bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var lineEnd = end
            if lineEnd > start, bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            let slice = bytes[start..<lineEnd]
            start = end + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                if end >= n { break }
                continue
            }
            sawRecord = true
            let (qs, errs) = parseLine(Array(slice), path: path, line: lineNumber, split: split, passages: passages)
            questions += qs
            errors += errs
            if end >= n { break }
        }
        if !sawRecord {
            errors.append(InputError(path: path, line: nil, "empty file: no question sets"))
        }
        return (questions, errors)
    }

    private static func parseLine(_ bytes: [UInt8], path: String, line: Int, split: String?,
                                  passages: PassageTable) -> ([Question], [InputError]) {
        func fail(_ message: String) -> ([Question], [InputError]) {
            ([], [InputError(path: path, line: line, message)])
        }
        guard CSVParser.utf8String(bytes) != nil else { return fail("not valid UTF-8 text") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            return fail("invalid JSON: \(jsonErrorSummary(error))")
        }
        guard let record = object as? [String: Any] else {
            return fail("expected a JSON object (one question set per line)")
        }
        var errors: [InputError] = []
        func problem(_ message: String) { errors.append(InputError(path: path, line: line, message)) }

        let articleID = requireString(record, "article_id", at: "", problem)
        let title = requireString(record, "title", at: "", problem)
        let article = requireString(record, "article", at: "", problem)
        if let article, article.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problem("article: empty text")
        }
        if let articleID, articleID.isEmpty { problem("article_id: empty") }
        var questionItems: [[String: Any]] = []
        switch record["questions"] {
        case nil, is NSNull: problem("missing field questions")
        case let list as [Any]:
            if list.isEmpty { problem("questions: empty list") }
            for (k, item) in list.enumerated() {
                if let q = item as? [String: Any] {
                    questionItems.append(q)
                } else {
                    problem("questions[\(k)]: expected an object, found \(typeName(item))")
                }
            }
        case let other?: problem("questions: expected a list, found \(typeName(other))")
        }
        guard errors.isEmpty, let articleID, let title, let article else { return ([], errors) }

        // The shared passage for this article.
        let passage: Passage
        if let seen = passages.passages[articleID] {
            if seen.passage.text != article || seen.passage.title != title {
                problem("article_id \(articleID): title or text differs from \(seen.path):\(seen.line)")
                return ([], errors)
            }
            passage = seen.passage
        } else {
            passage = Passage(id: articleID, title: title, text: article)
            passages.passages[articleID] = (passage, path, line)
        }

        var questions: [Question] = []
        for (k, q) in questionItems.enumerated() {
            let at = "questions[\(k)]."
            let before = errors.count
            let text = requireString(q, "question", at: at, problem)
            let id = requireString(q, "question_unique_id", at: at, problem)
            if let text, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problem("\(at)question: empty question")
            }
            if let id, id.isEmpty { problem("\(at)question_unique_id: empty") }
            var options: [String] = []
            switch q["options"] {
            case nil, is NSNull: problem("missing field \(at)options")
            case let list as [Any]:
                if list.count != 4 {
                    problem("\(at)options: expected 4 options, found \(list.count)")
                } else {
                    for (j, o) in list.enumerated() {
                        if let s = o as? String {
                            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
                            if t.isEmpty { problem("\(at)options[\(j)]: empty option") }
                            options.append(t)
                        } else {
                            problem("\(at)options[\(j)]: expected a string, found \(typeName(o))")
                        }
                    }
                }
            case let other?: problem("\(at)options: expected a list, found \(typeName(other))")
            }
            var gold: Int?
            switch q["gold_label"] {
            case nil, is NSNull:
                problem("missing field \(at)gold_label (unlabelled test-split files cannot be used)")
            case let value?:
                if let g = integer(value) {
                    if (1...4).contains(g) {
                        gold = g - 1
                    } else {
                        problem("\(at)gold_label: must be 1 to 4, found \(g)")
                    }
                } else {
                    problem("\(at)gold_label: expected an integer, found \(describe(value))")
                }
            }
            var difficult: Bool?
            switch q["difficult"] {
            case nil, is NSNull: difficult = nil
            case let value?:
                if let d = integer(value), d == 0 || d == 1 {
                    difficult = d == 1
                } else {
                    problem("\(at)difficult: expected 0 or 1, found \(describe(value))")
                }
            }
            guard errors.count == before, let text, let id, let gold else { continue }
            questions.append(Question(
                id: id, task: .quality, subject: title,
                text: text.trimmingCharacters(in: .whitespacesAndNewlines),
                options: options, gold: gold, passage: passage,
                metadata: QuestionMetadata(difficult: difficult, source: path, line: line, split: split,
                                           bestDistractor: bestDistractor(q["validation"], gold: gold))))
        }
        return (questions, errors)
    }

    /// The option (0...3) most validators named as the best distractor
    /// (`validation[].untimed_best_distractor`, 1-based in the release), the gold excluded; a tie
    /// goes to the earlier option. Nil when the record has no usable votes (the field is
    /// optional: entries without it, or with other values, are skipped).
    static func bestDistractor(_ validation: Any?, gold: Int) -> Int? {
        guard let list = validation as? [Any] else { return nil }
        var votes = [Int](repeating: 0, count: 4)
        for case let entry as [String: Any] in list {
            guard let v = entry["untimed_best_distractor"].flatMap(integer), (1...4).contains(v), v - 1 != gold
            else { continue }
            votes[v - 1] += 1
        }
        guard let top = votes.max(), top > 0 else { return nil }
        return votes.firstIndex(of: top)
    }

    private static func requireString(_ object: [String: Any], _ key: String, at prefix: String,
                                      _ problem: (String) -> Void) -> String? {
        switch object[key] {
        case nil, is NSNull:
            problem("missing field \(prefix)\(key)")
            return nil
        case let s as String:
            return s
        case let other?:
            problem("\(prefix)\(key): expected a string, found \(typeName(other))")
            return nil
        }
    }

    /// An integral JSON number (not a boolean, not a fraction).
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !isBoolean(number) else { return nil }
        let d = number.doubleValue
        guard d.rounded() == d, abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    private static func isBoolean(_ n: NSNumber) -> Bool {
        #if canImport(Darwin)
        return CFGetTypeID(n) == CFBooleanGetTypeID()
        #else
        return type(of: n) != NSNumber.self && String(describing: type(of: n)).contains("Bool")
            || n === NSNumber(value: true) || n === NSNumber(value: false)
        #endif
    }

    private static func typeName(_ value: Any) -> String {
        switch value {
        case is String: return "a string"
        case let n as NSNumber: return isBoolean(n) ? "a boolean" : "a number"
        case is [Any]: return "a list"
        case is [String: Any]: return "an object"
        case is NSNull: return "null"
        default: return "a value of another type"
        }
    }

    private static func describe(_ value: Any) -> String {
        switch value {
        case let s as String: return MMLULoader.quoted(s)
        case let n as NSNumber where !isBoolean(n): return "\(n)"
        default: return typeName(value)
        }
    }

    /// A one-line summary of a JSON parse error, without Foundation's long prose.
    private static func jsonErrorSummary(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo["NSDebugDescription"] as? String, !detail.isEmpty {
            return detail.replacingOccurrences(of: "\n", with: " ")
        }
        return "the line is not a complete JSON object"
    }
}
