import ArgumentParser
import Foundation
import OversightCore

/// `oversight tasks`: inspect task banks.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "Inspect task banks (MMLU CSV files, QuALITY JSON-lines files).",
        subcommands: [Check.self]
    )

    /// `oversight tasks check PATH...`: load banks, print their counts or every problem.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Load task banks and print question counts per task, subject and split.",
            discussion: """
                Each PATH is a bank file or a folder (searched recursively for .csv, .jsonl and \
                .json files). The format is told from the content. On bad input every problem is \
                printed as PATH:LINE: message on standard error and the exit status is 2.
                """
        )

        @Argument(help: "Bank files or folders.")
        var paths: [String]

        func run() async throws {
            let questions = try InputFailure.report { try TaskBank.load(paths: paths) }
            print(BankSummary(questions: questions).render())
        }
    }
}
