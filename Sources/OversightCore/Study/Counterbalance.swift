import Foundation

/// One arm of a counterbalanced study: which drawn question set each block shows and the order
/// the blocks come in. Blocks are numbered as in the study file, from 0 here.
public struct StudyArm: Sendable, Equatable {
    /// 0-based arm number, below `count`.
    public var index: Int
    /// How many arms the study has.
    public var count: Int
    /// Study-file blocks in presentation order.
    public var order: [Int]
    /// For each study-file block, the study-file block whose drawn question set it shows.
    public var sets: [Int]

    public init(index: Int, count: Int, order: [Int], sets: [Int]) {
        self.index = index
        self.count = count
        self.order = order
        self.sets = sets
    }

    /// For each presented block, the study-file block whose drawn set it shows.
    public var presentedSets: [Int] { order.map { sets[$0] } }
}

/// The arms of a study with `[study] counterbalance = true`.
///
/// Blocks that name the same bank with the same subjects, split, hard flag and question count
/// form a group. The questions are drawn once, per study-file block, exactly as without
/// counterbalancing; an arm then (1) shifts the drawn sets within each group by `s` places
/// (group member j shows the set drawn for member (j + s) mod k) and (2) rotates the block
/// order by `o` places (block (i + o) mod n comes i-th). With n blocks and L the least common
/// multiple of the group sizes there are L × n arms; arm a has o = a mod n and s = a div n, so
/// every run of L × n consecutive participants sees every question under every condition of
/// its group equally often, and each block in each position equally often.
public enum Counterbalance {
    /// Groups of two or more interchangeable blocks (study-file indices, in file order).
    public static func groups(_ blocks: [StudyBlock]) -> [[Int]] {
        var keys: [String] = []
        var members: [String: [Int]] = [:]
        for (i, b) in blocks.enumerated() {
            let key = [b.bankPath, b.subjects.sorted().joined(separator: "\u{1}"), b.split ?? "\u{2}",
                       b.hardOnly ? "hard" : "all", String(b.questions)].joined(separator: "\u{0}")
            if members[key] == nil { keys.append(key) }
            members[key, default: []].append(i)
        }
        return keys.compactMap { members[$0] }.filter { $0.count > 1 }
    }

    /// How many arms the study has: 1 without counterbalancing.
    public static func armCount(_ study: Study) -> Int {
        guard study.counterbalance, !study.blocks.isEmpty else { return 1 }
        let cycle = groups(study.blocks).reduce(1) { lcm($0, $1.count) }
        return cycle * study.blocks.count
    }

    /// Arm `index` (taken modulo the number of arms).
    public static func arm(_ index: Int, of study: Study) -> StudyArm {
        let n = study.blocks.count
        let count = armCount(study)
        let a = ((index % count) + count) % count
        guard study.counterbalance, n > 0 else {
            return StudyArm(index: 0, count: 1, order: Array(0..<n), sets: Array(0..<n))
        }
        let rotation = a % n
        let shift = a / n
        var sets = Array(0..<n)
        for group in groups(study.blocks) {
            for (j, block) in group.enumerated() { sets[block] = group[(j + shift) % group.count] }
        }
        return StudyArm(index: a, count: count, order: (0..<n).map { ($0 + rotation) % n }, sets: sets)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
    static func lcm(_ a: Int, _ b: Int) -> Int { a / gcd(a, b) * b }
}

extension ResolvedStudy {
    /// What a participant in arm `index` sees: blocks in the arm's order, each with the question
    /// set the arm gives it; `study.arm` records the arm. Without counterbalancing the study
    /// comes back unchanged.
    public func arranged(arm index: Int) -> ResolvedStudy {
        guard study.counterbalance else { return self }
        let arm = Counterbalance.arm(index, of: study)
        var s = study
        s.blocks = arm.order.map { study.blocks[$0] }
        s.arm = arm
        return ResolvedStudy(study: s, blocks: arm.presentedSets.map { blocks[$0] })
    }
}
