import Foundation

/// The two task families the app runs.
public enum TaskKind: String, Codable, Sendable, CaseIterable, Comparable {
    case mmlu
    case quality

    public static func < (a: TaskKind, b: TaskKind) -> Bool { a.rawValue < b.rawValue }
}

/// A reading passage shared by all questions about one article. Immutable and shared by
/// reference, so an article's text is held once however many questions point at it.
public final class Passage: Sendable, Hashable {
    /// Stable id of the article (QuALITY `article_id`, or a hash of the text).
    public let id: String
    public let title: String
    /// Plain text of the article; paragraphs separated by blank lines.
    public let text: String

    public init(id: String, title: String, text: String) {
        self.id = id
        self.title = title
        self.text = text
    }

    public static func == (a: Passage, b: Passage) -> Bool {
        a === b || (a.id == b.id && a.title == b.title && a.text == b.text)
    }

    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// Where a question came from and what the release says about it.
public struct QuestionMetadata: Sendable, Hashable, Codable {
    /// QuALITY's `difficult` flag (hard subset); nil for MMLU.
    public var difficult: Bool?
    /// The file the question was read from, as given to the loader.
    public var source: String
    /// Line (JSONL) or record start line (CSV) in `source`, 1-based.
    public var line: Int
    /// Split name (`dev`, `val`, `test`, `train`), when known.
    public var split: String?
    /// QuALITY: the distractor (0...3) the validators named best most often
    /// (`validation[].untimed_best_distractor`); nil when the record names none.
    public var bestDistractor: Int?

    public init(difficult: Bool? = nil, source: String, line: Int, split: String? = nil,
                bestDistractor: Int? = nil) {
        self.difficult = difficult
        self.source = source
        self.line = line
        self.split = split
        self.bestDistractor = bestDistractor
    }
}

/// One four-option multiple-choice question of either task.
public struct Question: Sendable, Hashable, Identifiable {
    /// Stable id: QuALITY's `question_unique_id`; for MMLU `mmlu/<subject>/<split>/<n>` where n
    /// is the 1-based record number in its file.
    public let id: String
    public let task: TaskKind
    /// MMLU subject (e.g. `college_physics`) or QuALITY article title.
    public let subject: String
    public let text: String
    /// Exactly four options, A to D.
    public let options: [String]
    /// Index (0...3) of the correct option.
    public let gold: Int
    /// The article, for QuALITY; nil for MMLU.
    public let passage: Passage?
    public let metadata: QuestionMetadata

    public init(id: String, task: TaskKind, subject: String, text: String, options: [String],
                gold: Int, passage: Passage?, metadata: QuestionMetadata) {
        self.id = id
        self.task = task
        self.subject = subject
        self.text = text
        self.options = options
        self.gold = gold
        self.passage = passage
        self.metadata = metadata
    }

    /// Option letters in display order.
    public static let letters = ["A", "B", "C", "D"]

    /// Letter for an option index, or "-" for none.
    public static func letter(_ index: Int?) -> String {
        guard let index, (0..<4).contains(index) else { return "-" }
        return letters[index]
    }
}
