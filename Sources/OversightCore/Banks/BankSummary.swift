import Foundation

/// Counts of a loaded bank, as `oversight tasks check` prints them: per task, per subject and
/// split, hard questions and distinct articles.
public struct BankSummary: Sendable, Equatable {
    /// One line of the summary: a task, subject (MMLU subject or QuALITY title) and split.
    public struct Row: Sendable, Equatable {
        public var task: TaskKind
        public var subject: String
        public var split: String?
        public var questions: Int
        /// Questions flagged `difficult` (QuALITY only; 0 for MMLU).
        public var hard: Int
    }

    /// Totals of one task.
    public struct TaskTotals: Sendable, Equatable {
        public var task: TaskKind
        public var questions: Int
        public var hard: Int
        public var subjects: Int
        /// Distinct articles (QuALITY), 0 for MMLU.
        public var articles: Int
        /// Questions per split; nil key = split unknown.
        public var splits: [String?: Int]
    }

    public var rows: [Row]
    public var tasks: [TaskTotals]
    public var total: Int

    /// Summarise questions (any order; rows come sorted by task, subject, split).
    public init(questions: [Question]) {
        struct Key: Hashable { var task: TaskKind; var subject: String; var split: String? }
        var counts: [Key: (Int, Int)] = [:]
        for q in questions {
            let k = Key(task: q.task, subject: q.subject, split: q.metadata.split)
            let hard = q.metadata.difficult == true ? 1 : 0
            let c = counts[k] ?? (0, 0)
            counts[k] = (c.0 + 1, c.1 + hard)
        }
        rows = counts.map { Row(task: $0.key.task, subject: $0.key.subject, split: $0.key.split,
                                questions: $0.value.0, hard: $0.value.1) }
            .sorted { a, b in
                if a.task != b.task { return a.task < b.task }
                if a.subject != b.subject { return a.subject < b.subject }
                return (a.split ?? "") < (b.split ?? "")
            }
        var totals: [TaskTotals] = []
        for task in TaskKind.allCases.sorted() {
            let qs = questions.filter { $0.task == task }
            guard !qs.isEmpty else { continue }
            var splits: [String?: Int] = [:]
            for q in qs { splits[q.metadata.split, default: 0] += 1 }
            totals.append(TaskTotals(
                task: task, questions: qs.count,
                hard: qs.filter { $0.metadata.difficult == true }.count,
                subjects: Set(qs.map(\.subject)).count,
                articles: Set(qs.compactMap { $0.passage?.id }).count,
                splits: splits))
        }
        tasks = totals
        total = questions.count
    }

    /// The summary as plain text lines.
    public func render() -> String {
        var out: [String] = []
        for t in tasks {
            switch t.task {
            case .mmlu:
                out.append("mmlu: \(t.questions) questions, \(t.subjects) subjects")
            case .quality:
                out.append("quality: \(t.questions) questions (\(t.hard) hard), \(t.articles) "
                    + (t.articles == 1 ? "article" : "articles"))
            }
            let splitText = t.splits.sorted { ($0.key ?? "") < ($1.key ?? "") }
                .map { "\($0.key ?? "(none)") \($0.value)" }.joined(separator: ", ")
            out.append("  splits: \(splitText)")
            let mine = rows.filter { $0.task == t.task }
            let width = min(40, mine.map { $0.subject.count }.max() ?? 0)
            for r in mine {
                let name = r.subject.padding(toLength: max(width, r.subject.count), withPad: " ", startingAt: 0)
                var line = "  \(name)  \(r.split ?? "(none)")  \(r.questions)"
                if r.task == .quality { line += " (\(r.hard) hard)" }
                out.append(line)
            }
        }
        out.append("total: \(total) questions")
        return out.joined(separator: "\n")
    }
}
