import ArgumentParser
import Foundation
import OversightCore

/// The `oversight` command: run scalable-oversight studies in the terminal and score them.
@main
struct Oversight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oversight",
        abstract: "Run human + AI-assistant question-answering studies in the terminal, and score them.",
        discussion: """
            A participant answers multiple-choice questions (MMLU, or QuALITY reading questions \
            under a time limit), alone or while chatting with an unreliable AI assistant. Every \
            event goes to an append-only session log under Sessions/<study id>/, which the \
            scorer turns into unaided / model-alone / human+model accuracies.
            """,
        version: AppInfo.version,
        subcommands: [
            DemoCommand.self,
            RunCommand.self,
            TasksCommand.self,
            StudyCommand.self,
            VerifyCommand.self,
            BaselineCommand.self,
            ScoreCommand.self,
            StanceCommand.self,
            SimulateCommand.self,
            PowerCommand.self,
            MonitorCommand.self,
            ModelCommand.self,
            ServeCommand.self,
        ]
    )
}
