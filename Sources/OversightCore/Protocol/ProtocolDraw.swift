import Foundation

/// The seeded draws of consultancy and debate blocks: which options a question shows, in which
/// order, and which option each role defends. Pure functions of the study seed, the participant
/// and the question, so a resumed session and the scorer see the same draw.
public enum ProtocolDraw {
    /// The distractor shown with the gold when a question shows two options: the record's
    /// annotated best distractor when it has one, else a draw seeded by the study seed and the
    /// question (the same for every participant, so the item is the same for all).
    public static func distractor(for question: Question, seed: UInt64) -> Int {
        if let best = question.metadata.bestDistractor, best != question.gold, (0..<4).contains(best) {
            return best
        }
        let others = (0..<4).filter { $0 != question.gold }
        var rng = SeededRandom(seed: seed, label: "protocol-distractor/" + question.id)
        return others[rng.below(others.count)]
    }

    /// The original indices (0-3) shown, in screen order: all four in their order when `count`
    /// is 4; else the gold and one distractor in an order seeded by study seed, participant and
    /// question.
    public static func optionsShown(for question: Question, count: Int, seed: UInt64, participant: String) -> [Int] {
        guard count == 2 else { return [0, 1, 2, 3] }
        var shown = [question.gold, distractor(for: question, seed: seed)].sorted()
        var rng = SeededRandom(seed: seed, label: "protocol-order/\(participant)/\(question.id)")
        rng.shuffle(&shown)
        return shown
    }

    /// The option each role of `condition` defends, among the `shown` options.
    ///
    /// Consultancy: the consultant defends the gold with probability 0.5, else one of the shown
    /// distractors (drawn uniformly). Debate: debater A defends the gold with probability 0.5 and
    /// B the other shown option, or the other way round. Seeded by study seed, participant and
    /// question. Empty for `assisted` and `unaided`.
    public static func roles(condition: Condition, question: Question, shown: [Int], seed: UInt64,
                             participant: String) -> [RoleAssignment] {
        var rng = SeededRandom(seed: seed, label: "protocol-roles/\(participant)/\(question.id)")
        let honest = rng.unit() < 0.5
        let distractors = shown.filter { $0 != question.gold }
        guard let firstDistractor = distractors.first else { return [] }
        switch condition {
        case .consultancy:
            let option = honest ? question.gold : distractors[rng.below(distractors.count)]
            return [RoleAssignment(role: .consultant, option: option)]
        case .debate:
            let other = distractors.count == 1 ? firstDistractor : distractors[rng.below(distractors.count)]
            return honest
                ? [RoleAssignment(role: .debaterA, option: question.gold), RoleAssignment(role: .debaterB, option: other)]
                : [RoleAssignment(role: .debaterA, option: other), RoleAssignment(role: .debaterB, option: question.gold)]
        case .assisted, .unaided:
            return []
        }
    }

    /// Everything drawn for one question of a protocol block.
    public struct Draw: Sendable, Equatable {
        public var optionsShown: [Int]
        public var roles: [RoleAssignment]

        /// The option `role` defends, if it plays here.
        public func option(of role: ProtocolRole) -> Int? { roles.first { $0.role == role }?.option }
    }

    /// The draw of one question of a block with `settings`.
    public static func draw(condition: Condition, settings: ProtocolSettings, question: Question, seed: UInt64,
                            participant: String) -> Draw {
        let shown = optionsShown(for: question, count: settings.options, seed: seed, participant: participant)
        return Draw(optionsShown: shown,
                    roles: roles(condition: condition, question: question, shown: shown, seed: seed,
                                 participant: participant))
    }

    /// The label of the option at `position` on screen: "A", "B", ... by place, whatever its
    /// original index (prompts and the screen use the same labels).
    public static func label(position: Int) -> String {
        Question.letters.indices.contains(position) ? Question.letters[position] : "?"
    }
}
