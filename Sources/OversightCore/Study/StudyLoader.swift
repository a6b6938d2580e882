import Foundation
import TOMLKit

/// Reads and validates a study file (TOML). Every problem is reported as
/// `PATH:LINE: message` naming the key, and nothing is guessed: unknown keys are errors too, so
/// a typo cannot silently change a study.
public enum StudyLoader {
    static let studyKeys: Set<String> = ["id", "seed", "feedback", "confidence", "instructions", "secret_env",
                                         "bonus_per_correct", "participant_label", "participant_pattern",
                                         "counterbalance"]
    static let blockKeys: Set<String> = ["condition", "bank", "questions", "time_limit_seconds", "hard_only",
                                         "subjects", "split", "initial_answer"]
    static let assistantKeys: Set<String> = ["provider", "model", "base_url", "api_key_env", "temperature",
                                             "max_tokens", "system_prompt", "timeout_seconds", "send_question",
                                             "accuracy", "word_delay_ms"]
    static let topKeys: Set<String> = ["study", "blocks", "assistant", "roles"]
    /// Keys of the `[roles]` table: what each protocol role is told.
    static let roleKeys: Set<String> = ["consultant", "debater", "judge"]

    /// Load the study at `path`. Throws `InputErrors` listing every problem found.
    public static func load(path: String) throws -> Study {
        let file = try TOMLDocument.read(path: path, what: "study")
        return try parse(text: file.text, path: path, hash: SHA256.hex(file.data))
    }

    /// Parse study text; `path` is used for messages and to resolve relative paths.
    public static func parse(text: String, path: String, hash: String? = nil) throws -> Study {
        let root = try TOMLDocument.parse(text: text, path: path, what: "study")
        var p = Parser(path: path, locator: TOMLLocator(text: text))
        let study = p.build(root, hash: hash ?? SHA256.hex(text))
        if !p.errors.isEmpty { throw InputErrors(p.errors) }
        guard let study else { throw InputErrors([InputError(path: path, line: nil, "invalid study")]) }
        return study
    }

    private struct Parser {
        let path: String
        let locator: TOMLLocator
        var errors: [InputError] = []

        var baseDir: URL { URL(fileURLWithPath: path).deletingLastPathComponent() }

        mutating func fail(_ section: String, _ index: Int?, _ key: String?, _ message: String) {
            let line = locator.line(section: section, index: index, key: key)
            errors.append(InputError(path: path, line: line, message))
        }

        func keyName(_ section: String, _ index: Int?, _ key: String) -> String {
            let key = Printable.escaped(key)
            if section.isEmpty { return key }
            return section == "blocks" ? "blocks[\((index ?? 0) + 1)].\(key)" : "\(section).\(key)"
        }

        mutating func checkUnknown(_ table: TOMLTable, allowed: Set<String>, section: String, index: Int?) {
            for key in table.keys.sorted() where !allowed.contains(key) {
                let hint = allowed.min { editDistance($0, key) < editDistance($1, key) }
                    .flatMap { editDistance($0, key) <= 3 ? " (did you mean \"\($0)\"?)" : nil } ?? ""
                fail(section, index, key, "unknown key \"\(keyName(section, index, key))\"\(hint)")
            }
        }

        mutating func string(_ t: TOMLTable, _ key: String, _ section: String, _ index: Int? = nil,
                             required: Bool = false) -> String? {
            guard let v = t[key] else {
                if required { fail(section, index, nil, "missing required key \"\(keyName(section, index, key))\"") }
                return nil
            }
            guard let s = v.string else {
                fail(section, index, key, "\"\(keyName(section, index, key))\" must be a string"); return nil
            }
            return s
        }

        mutating func int(_ t: TOMLTable, _ key: String, _ section: String, _ index: Int? = nil,
                          required: Bool = false, range: ClosedRange<Int>) -> Int? {
            guard let v = t[key] else {
                if required { fail(section, index, nil, "missing required key \"\(keyName(section, index, key))\"") }
                return nil
            }
            guard let i = v.int else {
                fail(section, index, key, "\"\(keyName(section, index, key))\" must be a whole number"); return nil
            }
            guard range.contains(i) else {
                fail(section, index, key,
                     "\"\(keyName(section, index, key))\" must be between \(range.lowerBound) and \(range.upperBound), not \(i)")
                return nil
            }
            return i
        }

        mutating func double(_ t: TOMLTable, _ key: String, _ section: String, range: ClosedRange<Double>) -> Double? {
            guard let v = t[key] else { return nil }
            guard let d = v.double ?? v.int.map(Double.init) else {
                fail(section, nil, key, "\"\(keyName(section, nil, key))\" must be a number"); return nil
            }
            guard range.contains(d) else {
                fail(section, nil, key,
                     "\"\(keyName(section, nil, key))\" must be between \(range.lowerBound) and \(range.upperBound), not \(d)")
                return nil
            }
            return d
        }

        mutating func bool(_ t: TOMLTable, _ key: String, _ section: String, _ index: Int? = nil) -> Bool? {
            guard let v = t[key] else { return nil }
            guard let b = v.bool else {
                fail(section, index, key, "\"\(keyName(section, index, key))\" must be true or false"); return nil
            }
            return b
        }

        mutating func build(_ root: TOMLTable, hash: String) -> Study? {
            checkUnknown(root, allowed: topKeys, section: "", index: nil)
            guard let st = root["study"]?.table else {
                if root["study"] != nil { fail("", nil, "study", "\"study\" must be a table: [study]") }
                else { errors.append(InputError(path: path, line: nil, "missing the [study] table")) }
                return nil
            }
            checkUnknown(st, allowed: StudyLoader.studyKeys, section: "study", index: nil)
            let id = string(st, "id", "study", required: true)
            if let id, !Identifier.isValid(id) {
                fail("study", nil, "id",
                     "\"study.id\" must be 1-64 characters of A-Z, a-z, 0-9, _ or -, not \"\(Printable.escaped(id))\"")
            }
            let seed = int(st, "seed", "study", range: 0...Int.max) ?? 0
            let feedback = bool(st, "feedback", "study") ?? true
            var confidence = Study.defaultConfidence
            if let v = st["confidence"] {
                if let arr = v.array {
                    let values = (0..<arr.count).map { arr[$0].int }
                    if values.contains(where: { $0 == nil }) {
                        fail("study", nil, "confidence", "\"study.confidence\" must be a list of whole percentages")
                    } else {
                        let ints = values.compactMap { $0 }
                        if !(2...9).contains(ints.count) {
                            fail("study", nil, "confidence", "\"study.confidence\" must have 2 to 9 levels (keys 1-9 pick them), not \(ints.count)")
                        } else if ints.contains(where: { !(1...100).contains($0) }) {
                            fail("study", nil, "confidence", "\"study.confidence\" values must be between 1 and 100")
                        } else if zip(ints, ints.dropFirst()).contains(where: { $0 >= $1 }) {
                            fail("study", nil, "confidence", "\"study.confidence\" values must increase")
                        } else {
                            confidence = ints
                        }
                    }
                } else {
                    fail("study", nil, "confidence", "\"study.confidence\" must be a list, e.g. [25, 42, 60, 80, 100]")
                }
            }
            var instructions: String?
            if let rel = string(st, "instructions", "study") {
                let url = URL(fileURLWithPath: rel, relativeTo: baseDir).standardizedFileURL
                if let problem = FileKind.notRegularProblem(url.path) {
                    fail("study", nil, "instructions", "\"study.instructions\": \(url.path): \(problem)")
                } else if let d = try? Data(contentsOf: url), let s = String(data: d, encoding: .utf8) {
                    instructions = s
                } else {
                    fail("study", nil, "instructions", "\"study.instructions\": cannot read \(url.path) as UTF-8 text")
                }
            }
            var secretEnv: String?
            if let k = string(st, "secret_env", "study") {
                if k.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil { secretEnv = k } else {
                    fail("study", nil, "secret_env",
                         "\"study.secret_env\" must be the NAME of an environment variable (not the secret itself)")
                }
            }

            let bonus = double(st, "bonus_per_correct", "study", range: 0...1_000_000) ?? 0
            let counterbalance = bool(st, "counterbalance", "study") ?? false

            var participantLabel: String?
            if let label = string(st, "participant_label", "study") {
                let trimmed = label.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.count > 40
                    || !trimmed.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) {
                    fail("study", nil, "participant_label",
                         "\"study.participant_label\" must be 1 to 40 characters on one line, e.g. \"Prolific ID\"")
                } else {
                    participantLabel = trimmed
                }
            }
            var participantPattern: String?
            if let pattern = string(st, "participant_pattern", "study") {
                do {
                    _ = try NSRegularExpression(pattern: pattern)
                    participantPattern = pattern
                } catch {
                    fail("study", nil, "participant_pattern",
                         "\"study.participant_pattern\" is not a valid regular expression: \"\(Printable.escaped(pattern))\"")
                }
            }

            var blocks: [StudyBlock] = []
            if let v = root["blocks"] {
                if let arr = v.array {
                    for i in 0..<arr.count {
                        guard let bt = arr[i].table else {
                            fail("", nil, "blocks", "each entry of \"blocks\" must be a table ([[blocks]])"); continue
                        }
                        if let b = block(bt, index: i) { blocks.append(b) }
                    }
                    if arr.count == 0 { fail("", nil, "blocks", "the study has no [[blocks]]") }
                } else {
                    fail("", nil, "blocks", "\"blocks\" must be an array of tables: [[blocks]]")
                }
            } else {
                errors.append(InputError(path: path, line: nil, "the study has no [[blocks]]"))
            }

            var assistant = AssistantConfig()
            if let v = root["assistant"] {
                if let at = v.table { assistantConfig(at, into: &assistant) }
                else { fail("", nil, "assistant", "\"assistant\" must be a table: [assistant]") }
            }
            let roles = root["roles"].map { roleInstructions($0) } ?? RoleInstructions()
            guard let id, errors.isEmpty else { return nil }
            var study = Study(id: id, seed: UInt64(seed), feedback: feedback, confidence: confidence,
                              instructions: instructions, blocks: blocks, assistant: assistant, path: path, hash: hash)
            study.secretEnv = secretEnv
            study.bonusPerCorrect = bonus
            study.participantLabel = participantLabel
            study.participantPattern = participantPattern
            study.counterbalance = counterbalance
            study.roleInstructions = roles
            return study
        }

        mutating func block(_ t: TOMLTable, index i: Int) -> StudyBlock? {
            let before = errors.count
            checkUnknown(t, allowed: StudyLoader.blockKeys.union(ProtocolSettings.keys), section: "blocks", index: i)
            let conditionText = string(t, "condition", "blocks", i, required: true)
            var condition: Condition?
            if let c = conditionText {
                condition = Condition(rawValue: c)
                if condition == nil {
                    fail("blocks", i, "condition",
                         "\"blocks[\(i + 1)].condition\" must be \"assisted\", \"unaided\", \"consultancy\" or \"debate\", not \"\(Printable.escaped(c))\"")
                }
            }
            let bank = string(t, "bank", "blocks", i, required: true)
            var bankPath = ""
            if let bank {
                bankPath = URL(fileURLWithPath: bank, relativeTo: baseDir).standardizedFileURL.path
                if !FileManager.default.fileExists(atPath: bankPath) {
                    fail("blocks", i, "bank", "\"blocks[\(i + 1)].bank\": no file or folder at \(bankPath)")
                }
            }
            let questions = int(t, "questions", "blocks", i, required: true, range: 1...100_000)
            let limit = int(t, "time_limit_seconds", "blocks", i, range: 1...86_400)
            let hardOnly = bool(t, "hard_only", "blocks", i) ?? false
            var subjects: [String] = []
            if let v = t["subjects"] {
                if let arr = v.array, (0..<arr.count).allSatisfy({ arr[$0].string != nil }) {
                    subjects = (0..<arr.count).compactMap { arr[$0].string }
                } else {
                    fail("blocks", i, "subjects", "\"blocks[\(i + 1)].subjects\" must be a list of subject names")
                }
            }
            let split = string(t, "split", "blocks", i)
            let initialAnswer = bool(t, "initial_answer", "blocks", i) ?? false
            if initialAnswer, let c = condition, c != .assisted {
                // Consultancy and debate have their own answer before the arguments: the prior judgment.
                let why = c == .unaided ? "" : " (a \(c.rawValue) block records the judge's prior judgment instead)"
                fail("blocks", i, "initial_answer",
                     "\"blocks[\(i + 1)].initial_answer\" needs an assisted block, not \"\(c.rawValue)\"\(why)")
            }
            let settings = condition.flatMap { protocolSettings(t, index: i, condition: $0) }
            guard errors.count == before, let condition, let bank, let questions else { return nil }
            var block = StudyBlock(condition: condition, bank: bank, bankPath: bankPath, questions: questions,
                                   timeLimitSeconds: limit, hardOnly: hardOnly, subjects: subjects, split: split,
                                   line: locator.line(section: "blocks", index: i, key: nil) ?? 0)
            block.initialAnswer = initialAnswer
            block.protocolSettings = settings
            return block
        }

        /// The consultancy/debate keys of block `i`: an error for each key on a block of another
        /// condition and for each bad value; the settings (defaults filled in) for a protocol block.
        mutating func protocolSettings(_ t: TOMLTable, index i: Int, condition: Condition) -> ProtocolSettings? {
            guard var s = ProtocolSettings.defaults(for: condition) else {
                for key in ProtocolSettings.keys where t[key] != nil {
                    fail("blocks", i, key, "\"\(keyName("blocks", i, key))\" applies only to consultancy and debate "
                         + "blocks, not to a \"\(condition.rawValue)\" block")
                }
                return nil
            }
            if let n = int(t, "options", "blocks", i, range: 2...4) {
                if condition == .debate && n != 2 {
                    fail("blocks", i, "options", "\"\(keyName("blocks", i, "options"))\" must be 2 in a debate block "
                         + "(the gold and one distractor), not \(n)")
                } else if n == 3 {
                    fail("blocks", i, "options", "\"\(keyName("blocks", i, "options"))\" must be 2 or 4, not 3")
                } else {
                    s.options = n
                }
            }
            if let b = bool(t, "show_passage", "blocks", i) { s.showPassage = b }
            if let n = int(t, "max_rounds", "blocks", i, range: 1...20) { s.maxRounds = n }
            if let n = int(t, "min_rounds", "blocks", i, range: 1...20) {
                if n > s.maxRounds {
                    fail("blocks", i, "min_rounds", "\"\(keyName("blocks", i, "min_rounds"))\" (\(n)) must not exceed "
                         + "max_rounds (\(s.maxRounds))")
                } else {
                    s.minRounds = n
                }
            }
            if let n = int(t, "max_chars", "blocks", i, range: 100...20_000) { s.maxChars = n }
            if let n = int(t, "max_quote_chars", "blocks", i, range: 0...20_000) { s.maxQuoteChars = n }
            if let b = bool(t, "show_score", "blocks", i) { s.showScore = b }
            return s
        }

        /// The `[roles]` table: non-empty texts for the roles named; defaults for the others.
        mutating func roleInstructions(_ v: TOMLValueConvertible) -> RoleInstructions {
            var r = RoleInstructions()
            guard let t = v.table else {
                fail("", nil, "roles", "\"roles\" must be a table: [roles]")
                return r
            }
            checkUnknown(t, allowed: StudyLoader.roleKeys, section: "roles", index: nil)
            for key in StudyLoader.roleKeys.sorted() {
                guard let text = string(t, key, "roles") else { continue }
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty {
                    fail("roles", nil, key, "\"roles.\(key)\" must not be empty (leave it out for the default)")
                    continue
                }
                switch key {
                case "consultant": r.consultant = trimmed
                case "debater": r.debater = trimmed
                default: r.judge = trimmed
                }
            }
            return r
        }

        mutating func assistantConfig(_ t: TOMLTable, into a: inout AssistantConfig) {
            checkUnknown(t, allowed: StudyLoader.assistantKeys, section: "assistant", index: nil)
            if let p = string(t, "provider", "assistant") {
                if let known = Provider(rawValue: p) { a.provider = known } else {
                    fail("assistant", nil, "provider",
                         "\"assistant.provider\" must be one of \(AssistantConfig.providers.joined(separator: ", ")), not \"\(Printable.escaped(p))\"")
                }
            }
            a.model = string(t, "model", "assistant")
            if let u = string(t, "base_url", "assistant") {
                if let url = URL(string: u), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil {
                    a.baseURL = u
                } else {
                    fail("assistant", nil, "base_url", "\"assistant.base_url\" must be an http(s) URL, not \"\(Printable.escaped(u))\"")
                }
            }
            if let k = string(t, "api_key_env", "assistant") {
                if k.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil { a.apiKeyEnv = k } else {
                    fail("assistant", nil, "api_key_env",
                         "\"assistant.api_key_env\" must be the NAME of an environment variable (not the key itself)")
                }
            }
            a.temperature = double(t, "temperature", "assistant", range: 0...2)
            a.maxTokens = int(t, "max_tokens", "assistant", range: 1...1_000_000)
            a.systemPrompt = string(t, "system_prompt", "assistant")
            if let s = double(t, "timeout_seconds", "assistant", range: 0.1...3600) { a.timeoutSeconds = s }
            if let b = bool(t, "send_question", "assistant") { a.sendQuestion = b }
            if let x = double(t, "accuracy", "assistant", range: 0...1) { a.accuracy = x }
            if let d = int(t, "word_delay_ms", "assistant", range: 0...10_000) { a.wordDelayMs = d }
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    for i in 1...x.count {
        var cur = [i] + Array(repeating: 0, count: y.count)
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[y.count]
}

/// Finds the line of a table header or key in TOML text, for error messages.
///
/// This is a heuristic, not a TOML parser: TOMLKit parses the file and gives no positions, so
/// this reads the text line by line and takes `[table]`, `[[array]]` and `key = value` at the
/// start of a line. It knows enough of TOML not to be misled by the layouts study files use:
/// the lines inside multi-line strings (`"""`, `'''`) and multi-line arrays are skipped (a
/// `[note]` or `a = b` there is text, not a header or a key), comments (with or without `=`)
/// are ignored, quoted keys are unquoted, the keys of an inline table (`assistant = { ... }`)
/// are found on its line, and keys are looked up per table, so a key repeated in another table
/// or in another `[[blocks]]` entry is told apart. What it does not follow (dotted keys such as
/// `study.id = ...`, tables inside arrays of inline tables) gives the nearest header's line or
/// no line: an error message may then lack its line number, never name a wrong one on purpose.
struct TOMLLocator {
    private struct Section { var name: String; var index: Int?; var line: Int; var keys: [String: Int] }
    private var sections: [Section] = []

    /// How a stretch of TOML text ends: open brackets and braces left, or inside a multi-line
    /// string whose closing delimiter is given.
    private struct Scan {
        var depth = 0
        var openString: [UInt8]?
    }

    /// Scan `bytes` from `start` outside any string: counts `[`/`{` minus `]`/`}` outside
    /// strings, stops at a comment, and notes a multi-line string left open at the end.
    private static func scan(_ bytes: [UInt8], from start: Int = 0) -> Scan {
        var out = Scan()
        var i = start
        let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
        func triple(_ at: Int, _ q: UInt8) -> Bool {
            at + 2 < bytes.count && bytes[at] == q && bytes[at + 1] == q && bytes[at + 2] == q
        }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "#"):
                return out
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                out.depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                out.depth -= 1
            case quote, apostrophe:
                if triple(i, c) {
                    let delimiter = [c, c, c]
                    guard let end = closing(delimiter, in: bytes, from: i + 3) else {
                        out.openString = delimiter
                        return out
                    }
                    i = end
                    continue
                }
                // A one-line string: up to the next unescaped quote (or the line's end).
                i += 1
                while i < bytes.count && bytes[i] != c {
                    if c == quote && bytes[i] == backslash { i += 1 }
                    i += 1
                }
            default:
                break
            }
            i += 1
        }
        return out
    }

    /// Index just past the first `delimiter` (`"""` unescaped, or `'''`) at or after `from`.
    private static func closing(_ delimiter: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 2 < bytes.count {
            if delimiter[0] == UInt8(ascii: "\""), bytes[i] == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if bytes[i] == delimiter[0] && bytes[i + 1] == delimiter[1] && bytes[i + 2] == delimiter[2] {
                // A closing delimiter may carry one or two more quotes of the content before it.
                var end = i + 3
                while end < bytes.count && end < i + 5 && bytes[end] == delimiter[0] { end += 1 }
                return end
            }
            i += 1
        }
        return nil
    }

    /// `name` without surrounding quotes and spaces.
    private static func keyName(_ raw: Substring) -> String {
        var key = raw.trimmingCharacters(in: .whitespaces)
        if key.count >= 2, let f = key.first, f == "\"" || f == "'", key.last == f {
            key = String(key.dropFirst().dropLast())
        }
        return key
    }

    /// The keys of an inline table `{ a = 1, b = "x, y" }` given from its `{` (one line).
    private static func inlineKeys(_ value: Substring) -> [String] {
        var keys: [String] = []
        var depth = 0
        var current = ""
        var expectingKey = true
        var inString: Character?
        var previous: Character = " "
        for ch in value {
            if let q = inString {
                if ch == q && previous != "\\" { inString = nil }
                previous = ch
                if expectingKey && depth == 1 { current.append(ch) }
                continue
            }
            switch ch {
            case "\"", "'":
                inString = ch
                if expectingKey && depth == 1 { current.append(ch) }
            case "{", "[":
                depth += 1
            case "}", "]":
                depth -= 1
            case "=" where depth == 1 && expectingKey:
                keys.append(keyName(Substring(current)))
                current = ""
                expectingKey = false
            case "," where depth == 1:
                expectingKey = true
                current = ""
            default:
                if expectingKey && depth == 1 { current.append(ch) }
            }
            previous = ch
        }
        return keys
    }

    init(text: String) {
        var current = Section(name: "", index: nil, line: 1, keys: [:])
        var arrayCounts: [String: Int] = [:]
        var lineNo = 0
        var openString: [UInt8]?  // inside a multi-line string: its closing delimiter
        var depth = 0             // inside a multi-line array or table value: brackets open
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let bytes = Array(raw.utf8)
            if let delimiter = openString {
                guard let end = Self.closing(delimiter, in: bytes, from: 0) else { continue }
                openString = nil
                let rest = Self.scan(bytes, from: end)
                depth += rest.depth
                openString = rest.openString
                continue
            }
            if depth > 0 {
                let more = Self.scan(bytes)
                depth = max(0, depth + more.depth)
                openString = more.openString
                continue
            }
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                sections.append(current)
                let name = line.dropFirst(2).prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                let idx = arrayCounts[name, default: 0]
                arrayCounts[name] = idx + 1
                current = Section(name: name, index: idx, line: lineNo, keys: [:])
            } else if line.hasPrefix("[") {
                sections.append(current)
                let name = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                current = Section(name: name, index: nil, line: lineNo, keys: [:])
            } else if let eq = line.firstIndex(of: "=") {
                let key = Self.keyName(line[..<eq])
                if current.keys[key] == nil { current.keys[key] = lineNo }
                let value = line[line.index(after: eq)...].drop { $0 == " " || $0 == "\t" }
                let scanned = Self.scan(Array(value.utf8))
                depth = max(0, scanned.depth)
                openString = scanned.openString
                if value.hasPrefix("{") {
                    // An inline table: a section of its own, all of its keys on this line.
                    let name = current.name.isEmpty ? key : "\(current.name).\(key)"
                    var keys: [String: Int] = [:]
                    for k in Self.inlineKeys(value) where keys[k] == nil { keys[k] = lineNo }
                    sections.append(Section(name: name, index: nil, line: lineNo, keys: keys))
                }
            }
        }
        sections.append(current)
    }

    /// Line of `key` in the section (or of the section header when `key` is nil or not found).
    func line(section: String, index: Int?, key: String?) -> Int? {
        guard let s = sections.first(where: { $0.name == section && $0.index == index }) else {
            if section.isEmpty, let key {
                // A top-level key may also appear as a table header.
                return sections.first(where: { $0.name == key })?.line
            }
            return nil
        }
        if let key, let l = s.keys[key] { return l }
        if section.isEmpty, let key, let h = sections.first(where: { $0.name == key }) { return h.line }
        return section.isEmpty ? nil : s.line
    }
}

/// Finds `\u0000` and `\U00000000` escapes inside TOML basic strings (`"…"`, `"""…"""`);
/// literal strings (`'…'`) and comments have no escapes.
enum TOMLNulScanner {
    /// 1-based lines holding such an escape.
    static func linesWithNul(_ text: String) -> [Int] {
        let c = Array(text.unicodeScalars)
        var lines: [Int] = []
        var line = 1
        var i = 0
        enum Mode { case code, basic, multiBasic, literal, multiLiteral, comment }
        var mode = Mode.code
        func starts(_ s: String, at k: Int) -> Bool {
            let u = Array(s.unicodeScalars)
            return k + u.count <= c.count && Array(c[k..<(k + u.count)]) == u
        }
        while i < c.count {
            let ch = c[i]
            if ch == "\n" {
                line += 1
                if mode == .comment || mode == .basic || mode == .literal { mode = .code }
                i += 1
                continue
            }
            switch mode {
            case .code:
                if ch == "#" { mode = .comment }
                else if starts("\"\"\"", at: i) { mode = .multiBasic; i += 3; continue }
                else if starts("'''", at: i) { mode = .multiLiteral; i += 3; continue }
                else if ch == "\"" { mode = .basic }
                else if ch == "'" { mode = .literal }
            case .comment:
                break
            case .literal:
                if ch == "'" { mode = .code }
            case .multiLiteral:
                if starts("'''", at: i) { mode = .code; i += 3; continue }
            case .basic, .multiBasic:
                if ch == "\\", i + 1 < c.count, c[i + 1] != "\n" {
                    if starts("\\u0000", at: i) || starts("\\U00000000", at: i) {
                        if lines.last != line { lines.append(line) }
                    }
                    i += 2   // the escaped character (a quote or backslash) is not a delimiter
                    continue
                }
                if mode == .basic, ch == "\"" { mode = .code }
                if mode == .multiBasic, starts("\"\"\"", at: i) { mode = .code; i += 3; continue }
            }
            i += 1
        }
        return lines
    }
}
