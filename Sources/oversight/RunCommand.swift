import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore
import OversightTUI
#if canImport(Glibc)
import Glibc
#endif

/// `oversight run`: one participant works through a study on the terminal.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a study for one participant on this terminal.",
        discussion: """
            Every event is written to Sessions/<study id>/<participant>.jsonl (or under --sessions). \
            If that log exists and is unfinished, the session continues where it stopped: you are \
            asked first, unless --resume or --no-resume says what to do. One process at a time \
            runs a session: a second one exits at once, saying where the first runs. Without \
            --participant or --participant-env, an id screen asks for the id (label and pattern from \
            the study's participant_label and participant_pattern); Ctrl-C there leaves with status 1 \
            and writes nothing. Exit status: \
            0 the study is finished, 1 the participant quit (the session can be resumed), it was \
            already finished (its completion code is printed) or it is already running, 2 bad input.
            """
    )

    @Option(name: .long, help: "The study file (TOML).")
    var study: String

    @Option(name: .long, help: "Participant id: letters, digits, '-' and '_' (at most 64). Without it (and without --participant-env) the participant types it on an id screen.")
    var participant: String?

    @Option(name: .customLong("participant-env"), help: ArgumentHelp("Take the participant id from this environment variable (for gateways that know it).", valueName: "NAME"))
    var participantEnv: String?

    @Option(name: .long, help: "Folder of the session logs (default: Sessions under the current folder).")
    var sessions: String?

    @Option(name: .customLong("prefill-env"), help: ArgumentHelp("Start the id screen with the id in this environment variable, checked like a typed one: when accepted, the screen is skipped (for gateways whose address carries the id).", valueName: "NAME"))
    var prefillEnv: String?

    /// What to do with an unfinished log, when the command line says it (else the question).
    enum ResumeFlag: String, EnumerableFlag {
        case resume, noResume

        static func help(for value: ResumeFlag) -> ArgumentHelp? {
            switch value {
            case .resume: "Continue an unfinished session without asking."
            case .noResume: "Never continue an unfinished session: stop instead."
            }
        }
    }

    @Flag var resumeFlags: [ResumeFlag] = []

    func run() async throws {
        let root = sessions.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SessionPaths.defaultRoot
        let given = Set(resumeFlags)
        let conflict = given.count > 1
        let noResume = given.contains(.noResume)
        var choice: SessionLauncher.ResumeChoice = conflict ? .ask : (given.first.map { $0 == .resume ? .always : .never } ?? .ask)
        let study = study
        let participant: String
        if let given = self.participant {
            if participantEnv != nil {
                try InputFailure.report { throw CLIError("--participant and --participant-env cannot be used together") }
            }
            participant = given
        } else if let name = participantEnv {
            participant = try Arrival.fromEnvironment(name, studyPath: study)
        } else {
            if conflict { try InputFailure.report { throw CLIError("--resume and --no-resume cannot be used together") } }
            guard let accepted = try await SessionLauncher.onOwnThread({
                try Arrival.ask(studyPath: study, sessionsRoot: root,
                                prefill: prefillEnv.flatMap { ProcessInfo.processInfo.environment[$0] })
            }) else { throw ExitCode(1) }
            participant = accepted.participant
            if accepted.resumeConfirmed && !noResume { choice = .always }
        }
        let resumeChoice = choice
        let code = try await SessionLauncher.onOwnThread {
            try SessionLauncher.run(studyPath: study, participant: participant, sessionsRoot: root,
                                    resume: resumeChoice, resumeFlagsConflict: conflict)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
