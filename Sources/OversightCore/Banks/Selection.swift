import Foundation

/// Why questions could not be drawn from a bank.
public enum SelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer questions are left after filtering (and exclusions) than a block asks for.
    case notEnoughQuestions(requested: Int, available: Int)
    /// A negative count was asked for.
    case invalidCount(Int)

    public var description: String {
        switch self {
        case .notEnoughQuestions(let requested, let available):
            "asks for \(requested) questions but only \(available) are available"
                + " (after the subject, split and hard filters and the questions of earlier blocks)"
        case .invalidCount(let n): "question count must be 0 or more, found \(n)"
        }
    }
}

/// Filtering and seeded sampling of questions for study blocks. Results depend only on the set of
/// questions, the seed and the label, never on the order the bank was read in.
public enum Selection {
    /// Questions matching every given filter: subjects (MMLU subject or QuALITY title; empty =
    /// any), split (nil = any) and, when `hardOnly`, QuALITY's `difficult` flag.
    public static func filter(_ questions: [Question], subjects: [String], split: String?,
                              hardOnly: Bool) -> [Question] {
        let wanted = Set(subjects)
        return questions.filter { q in
            if !wanted.isEmpty, !wanted.contains(q.subject) { return false }
            if let split, q.metadata.split != split { return false }
            if hardOnly, q.metadata.difficult != true { return false }
            return true
        }
    }

    /// The requested subjects that match no question (to report typos in a study file).
    public static func unknownSubjects(_ subjects: [String], in questions: [Question]) -> [String] {
        let present = Set(questions.map(\.subject))
        return subjects.filter { !present.contains($0) }
    }

    /// Draw `count` distinct questions, none of whose ids is in `excluding` and none about a
    /// passage in `excludingPassages`, with a generator
    /// seeded by `seed` and `label` (use the block's label so blocks get independent draws).
    /// Questions sharing a passage are kept together in the result, in the order their first
    /// question was drawn; MMLU questions come in drawn order.
    public static func sample(_ questions: [Question], count: Int, seed: UInt64, label: String,
                              excluding: Set<String> = [],
                              excludingPassages: Set<String> = []) throws -> [Question] {
        guard count >= 0 else { throw SelectionError.invalidCount(count) }
        var pool = questions.filter { q in
            !excluding.contains(q.id) && !(q.passage.map { excludingPassages.contains($0.id) } ?? false)
        }
        pool.sort { $0.id < $1.id }
        // Drop exact duplicates of an id (a bank loaded twice), keeping the first.
        var unique: [Question] = []
        unique.reserveCapacity(pool.count)
        for q in pool where unique.last?.id != q.id { unique.append(q) }
        guard unique.count >= count else {
            throw SelectionError.notEnoughQuestions(requested: count, available: unique.count)
        }
        var rng = SeededRandom(seed: seed, label: label)
        rng.shuffle(&unique)
        return groupedByPassage(Array(unique.prefix(count)))
    }

    /// Draw several blocks from one pool so that no question appears in two of them. Each entry
    /// is (count, label); returns one list per entry, in order. With `disjointPassages`, a later
    /// block also avoids the passages an earlier block drew from (a participant who has read an
    /// article for one condition would otherwise carry it into the other).
    public static func sampleDisjoint(_ questions: [Question], blocks: [(count: Int, label: String)],
                                      seed: UInt64, disjointPassages: Bool = false) throws -> [[Question]] {
        var used = Set<String>()
        var usedPassages = Set<String>()
        var result: [[Question]] = []
        for block in blocks {
            let drawn = try sample(questions, count: block.count, seed: seed, label: block.label,
                                   excluding: used, excludingPassages: disjointPassages ? usedPassages : [])
            for q in drawn {
                used.insert(q.id)
                if let p = q.passage { usedPassages.insert(p.id) }
            }
            result.append(drawn)
        }
        return result
    }

    /// Reorder so that questions about the same passage are adjacent, keeping the order in which
    /// each passage (or passage-less question) first appears.
    public static func groupedByPassage(_ questions: [Question]) -> [Question] {
        var groups: [String: [Question]] = [:]
        var order: [String] = []
        for q in questions {
            let key = q.passage.map { "p:" + $0.id } ?? "q:" + q.id
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(q)
        }
        return order.flatMap { groups[$0] ?? [] }
    }
}

extension Selection {
    /// Draw the questions of every block of a study, in block order: each block's bank is
    /// loaded once, filtered by the block's subjects, split and hard flag, and sampled with the
    /// study's seed and the block's number as label. No question appears in two blocks, even
    /// when blocks name overlapping banks. Reading questions of a later block avoid the articles
    /// of earlier blocks when the bank has enough questions for that, so that a participant does
    /// not meet an article already read under the other condition; otherwise only the questions
    /// themselves are kept apart. Problems are reported against the study file and the line of
    /// the block's `[[blocks]]` header.
    public static func drawBlocks(of study: Study) throws -> [[Question]] {
        var banks: [String: [Question]] = [:]
        var usedIDs = Set<String>()
        var usedPassages = Set<String>()
        var result: [[Question]] = []
        var errors: [InputError] = []
        for (index, block) in study.blocks.enumerated() {
            let questions: [Question]
            if let cached = banks[block.bankPath] {
                questions = cached
            } else {
                do {
                    questions = try TaskBank.load(path: block.bankPath)
                } catch let e as InputErrors {
                    errors += e.errors
                    result.append([])
                    continue
                }
                banks[block.bankPath] = questions
            }
            let unknown = unknownSubjects(block.subjects, in: questions)
            if !unknown.isEmpty {
                errors.append(InputError(path: study.path, line: block.line,
                    "block \(index + 1): no questions of subject " + unknown.map { "\"\($0)\"" }.joined(separator: ", ")
                    + " in \(block.bank)"))
                result.append([])
                continue
            }
            let pool = filter(questions, subjects: block.subjects, split: block.split, hardOnly: block.hardOnly)
            let label = "block-\(index + 1)"
            var drawn: [Question]
            do {
                drawn = try sample(pool, count: block.questions, seed: study.seed, label: label,
                                   excluding: usedIDs, excludingPassages: usedPassages)
            } catch SelectionError.notEnoughQuestions where !usedPassages.isEmpty {
                do {
                    drawn = try sample(pool, count: block.questions, seed: study.seed, label: label, excluding: usedIDs)
                } catch let e as SelectionError {
                    errors.append(InputError(path: study.path, line: block.line, "block \(index + 1) \(e.description)"))
                    drawn = []
                }
            } catch let e as SelectionError {
                errors.append(InputError(path: study.path, line: block.line, "block \(index + 1) \(e.description)"))
                drawn = []
            }
            for q in drawn {
                usedIDs.insert(q.id)
                if let p = q.passage { usedPassages.insert(p.id) }
            }
            result.append(drawn)
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        return result
    }
}
