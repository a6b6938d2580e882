import Foundation

/// Reads MMLU question files: CSV without a header, columns `question,A,B,C,D,answer`, one file
/// per subject and split named `<subject>_<split>.csv`.
public enum MMLULoader {
    /// Split names recognised at the end of a file name.
    public static let knownSplits: Set<String> = ["dev", "val", "validation", "test", "train", "demo", "auxiliary"]

    /// Subject and split from a file name such as `college_physics_val.csv`: the split is the
    /// last `_` component when it is a known split name, the subject is the rest.
    public static func subjectAndSplit(fileName: String) -> (subject: String, split: String?) {
        var base = fileName
        if let dot = base.lastIndex(of: "."), dot != base.startIndex {
            base = String(base[..<dot])
        }
        if let underscore = base.lastIndex(of: "_") {
            let last = String(base[base.index(after: underscore)...])
            let rest = String(base[..<underscore])
            if knownSplits.contains(last.lowercased()), !rest.isEmpty {
                return (rest, last.lowercased())
            }
        }
        return (base, nil)
    }

    /// Parse one MMLU file's bytes. Returns the good questions and every problem found; callers
    /// treat any problem as fatal for the whole load.
    public static func parse(bytes: [UInt8], path: String) -> (questions: [Question], errors: [InputError]) {
        let fileName = (path as NSString).lastPathComponent
        let (subject, split) = subjectAndSplit(fileName: fileName)
        let parsed = CSVParser.parse(bytes)
        var errors = parsed.issues.map { InputError(path: path, line: $0.line, $0.message) }
        if parsed.recordCount == 0 {
            errors.append(InputError(path: path, line: nil, "empty file: no questions"))
            return ([], errors)
        }
        var questions: [Question] = []
        // Record numbers count every record (good or bad), so ids stay stable when a bad record
        // is fixed. Bad records are interleaved with good ones by line.
        let badLines = Set(parsed.issues.map(\.line))
        var allLines = parsed.records.map(\.line) + Array(badLines)
        allLines.sort()
        var numberOfLine: [Int: Int] = [:]
        for (k, l) in allLines.enumerated() { numberOfLine[l] = k + 1 }

        for record in parsed.records {
            let line = record.line
            let f = record.fields
            guard f.count == 6 else {
                errors.append(InputError(path: path, line: line,
                    "expected 6 fields (question,A,B,C,D,answer), found \(f.count)"))
                continue
            }
            var problems: [String] = []
            let text = f[0].trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { problems.append("empty question") }
            var options: [String] = []
            for k in 0..<4 {
                let o = f[k + 1].trimmingCharacters(in: .whitespacesAndNewlines)
                if o.isEmpty { problems.append("empty option \(Question.letters[k])") }
                options.append(o)
            }
            let answer = f[5].trimmingCharacters(in: .whitespacesAndNewlines)
            let gold = Question.letters.firstIndex(of: answer)
            if gold == nil {
                problems.append("answer must be one of A, B, C, D (found \(quoted(answer)))")
            }
            if !problems.isEmpty {
                for p in problems { errors.append(InputError(path: path, line: line, p)) }
                continue
            }
            let number = numberOfLine[line] ?? 0
            let id = "mmlu/\(subject)/" + (split.map { "\($0)/" } ?? "") + "\(number)"
            questions.append(Question(
                id: id, task: .mmlu, subject: subject, text: text, options: options,
                gold: gold ?? 0, passage: nil,
                metadata: QuestionMetadata(difficult: nil, source: path, line: line, split: split)))
        }
        // Stable order by line (file-level problems first), then by discovery.
        errors = errors.enumerated().sorted { a, b in
            let (la, lb) = (a.element.line ?? 0, b.element.line ?? 0)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
        return (questions, errors)
    }

    /// A short quoted rendering of a value for error messages.
    static func quoted(_ s: String) -> String {
        let clipped = s.count > 40 ? String(s.prefix(40)) + "…" : s
        return "\"" + clipped.replacingOccurrences(of: "\n", with: "\\n") + "\""
    }
}
