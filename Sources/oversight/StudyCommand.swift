import ArgumentParser
import Foundation
import OversightCore

/// `oversight study ...`: work with study files.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Validate study files.",
        subcommands: [Check.self]
    )

    /// `oversight study check FILE`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a study file and show what each block will contain.",
            discussion: """
                Loads the study and its task banks, draws each block's questions exactly as a \
                session would (seeded, the same for every participant) and prints the counts per \
                task and subject. Problems are printed as FILE:LINE: message; exit status 2.
                """
        )

        @Argument(help: "The study file (TOML).")
        var file: String

        @Flag(name: .long, help: "Also list the drawn question ids.")
        var ids = false

        @Option(name: .long, help: ArgumentHelp(
            "Also show the block order and questions of each of the first N participants.",
            discussion: "With [study] counterbalance = true, participants get arms in arrival order, round-robin."))
        var participants: Int?

        func run() throws {
            let resolved = try InputFailure.report { try StudyResolver.resolve(try StudyLoader.load(path: file)) }
            let s = resolved.study
            print("Study \(s.id): seed \(s.seed), feedback \(s.feedback ? "on" : "off"), confidence "
                  + s.confidence.map { "\($0)%" }.joined(separator: " / ")
                  + ", assistant \(s.assistant.provider)" + (s.assistant.model.map { " (\($0))" } ?? ""))
            print("Study file hash \(s.hash.prefix(16))…, questions hash \(resolved.questionsHash.prefix(16))…")
            for (i, (block, qs)) in zip(s.blocks, resolved.blocks).enumerated() {
                let limit = block.timeLimitSeconds.map { ", \($0) s per question" } ?? ", no time limit"
                print("Block \(i + 1)/\(s.blocks.count): \(block.condition.rawValue), \(qs.count) questions from \(block.bank)\(limit)")
                if let p = block.protocolSettings { print("  " + p.summary) }
                var counts: [String: Int] = [:]
                for q in qs { counts["\(q.task.rawValue) · \(q.subject)", default: 0] += 1 }
                for (key, n) in counts.sorted(by: { $0.key < $1.key }) { print("  \(n)\t\(key)") }
                let hard = qs.filter { $0.metadata.difficult == true }.count
                if qs.contains(where: { $0.task == .quality }) { print("  \(hard) of \(qs.count) in the QuALITY hard subset") }
                if ids { for q in qs { print("    \(q.id)") } }
            }
            if s.blocks.contains(where: { $0.condition.isProtocol }) {
                let r = s.roleInstructions, d = RoleInstructions()
                print("Role instructions: consultant \(r.consultant == d.consultant ? "default" : "from the study"), "
                      + "debater \(r.debater == d.debater ? "default" : "from the study"), "
                      + "judge \(r.judge == d.judge ? "default" : "from the study")")
            }
            if let participants {
                guard participants >= 1 else {
                    FileHandle.standardError.write(Data("--participants must be 1 or more, not \(participants)\n".utf8))
                    throw ExitCode(2)
                }
                let arms = Counterbalance.armCount(s)
                print(s.counterbalance ? "Counterbalanced: \(arms) arms, given in arrival order, round-robin"
                                       : "Not counterbalanced: every participant sees the blocks above, in order")
                for p in 0..<participants {
                    let mine = resolved.arranged(arm: p % arms)
                    let arm = mine.study.arm.map { "arm \($0.index + 1) of \($0.count)" } ?? "arm 1 of 1"
                    let order = mine.study.arm.map { $0.order.map { String($0 + 1) } }
                        ?? s.blocks.indices.map { String($0 + 1) }
                    print("Participant \(p + 1): \(arm), block order \(order.joined(separator: ", "))")
                    let sets = mine.study.arm?.presentedSets ?? Array(s.blocks.indices)
                    for (i, (block, qs)) in zip(mine.study.blocks, mine.blocks).enumerated() {
                        print("  \(i + 1). \(block.condition.rawValue): questions of block \(sets[i] + 1): "
                              + qs.map(\.id).joined(separator: " "))
                    }
                }
            }
        }
    }
}
