import OversightCore

/// How evenly a counterbalanced study's items were answered under the two conditions:
/// for each item, its assisted answers against its unaided answers, over all participants.
public struct BalanceReport: Sendable, Equatable {
    /// Sessions whose `session_start` names an arm.
    public var counterbalancedSessions: Int
    /// Items answered at least once.
    public var items: Int
    /// Items answered under both conditions.
    public var itemsUnderBoth: Int
    /// Items whose assisted and unaided counts differ by at most one answer.
    public var balancedItems: Int
    /// The largest |assisted − unaided| of one item.
    public var largestGap: Int
    /// Participants per arm (1-based arm, participants), sorted by arm.
    public var participantsPerArm: [(arm: Int, participants: Int)]

    public static func == (a: BalanceReport, b: BalanceReport) -> Bool {
        a.counterbalancedSessions == b.counterbalancedSessions && a.items == b.items
            && a.itemsUnderBoth == b.itemsUnderBoth && a.balancedItems == b.balancedItems
            && a.largestGap == b.largestGap
            && a.participantsPerArm.map(\.arm) == b.participantsPerArm.map(\.arm)
            && a.participantsPerArm.map(\.participants) == b.participantsPerArm.map(\.participants)
    }

    /// True when every item's two counts are within one answer of each other.
    public var isBalanced: Bool { balancedItems == items }

    /// One line for the text report.
    public var summary: String {
        "Counterbalancing: \(counterbalancedSessions) session(s) with an arm ("
            + participantsPerArm.map { "arm \($0.arm): \($0.participants)" }.joined(separator: ", ")
            + "); \(items) item(s), \(itemsUnderBoth) answered under both conditions, \(balancedItems) balanced "
            + "(assisted and unaided answers within 1), largest gap \(largestGap)"
    }
}

enum Balance {
    /// The balance of a dataset, or nil when no session was counterbalanced (studies without
    /// `[study] counterbalance` get no report and no warning). The warning says when it is off.
    static func report(_ d: Dataset) -> (BalanceReport, ScoreWarning?)? {
        let arms = d.sessions.compactMap(\.arm)
        guard !arms.isEmpty else { return nil }
        var assisted = [Int](repeating: 0, count: d.items.count)
        var unaided = [Int](repeating: 0, count: d.items.count)
        for a in d.answers {
            let i = Int(a.item)
            guard assisted.indices.contains(i) else { continue }
            if a.condition == .assisted { assisted[i] += 1 } else { unaided[i] += 1 }
        }
        var items = 0, both = 0, balanced = 0, gap = 0
        for i in assisted.indices where assisted[i] + unaided[i] > 0 {
            items += 1
            if assisted[i] > 0 && unaided[i] > 0 { both += 1 }
            let g = abs(assisted[i] - unaided[i])
            if g <= 1 { balanced += 1 }
            gap = max(gap, g)
        }
        var perArm: [Int: Int] = [:]
        for arm in arms { perArm[arm, default: 0] += 1 }
        let report = BalanceReport(counterbalancedSessions: arms.count, items: items, itemsUnderBoth: both,
                                   balancedItems: balanced, largestGap: gap,
                                   participantsPerArm: perArm.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let warning = report.isBalanced ? nil : ScoreWarning(path: nil, line: nil, kind: .balance,
            message: "counterbalancing is off: \(items - balanced) of \(items) item(s) were answered more often under "
                + "one condition than the other (largest gap \(gap) answers); complete rounds of the study's arms, "
                + "finished sessions and no exclusions keep it even")
        return (report, warning)
    }
}
