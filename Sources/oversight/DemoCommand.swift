import ArgumentParser
import Foundation
import OversightCore
#if canImport(Glibc)
import Glibc
#endif

/// `oversight demo`: try the participant screen on the bundled demo study.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try the participant screen on the bundled demo study (Tasks/demo.toml).",
        discussion: """
            Runs from the project folder. The log goes to Sessions/<demo study id>/<participant>.jsonl \
            like any session; each run uses a new participant id unless --participant is given.
            """
    )

    @Option(name: .long, help: "Participant id (default: demo-<date and time>).")
    var participant: String?

    @Option(name: .long, help: "The demo study file.")
    var study = "Tasks/demo.toml"

    @Flag(name: .long, help: "Use the simulated assistant instead of the study's (no model needed).")
    var simulated = false

    func run() async throws {
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            SessionLauncher.printError("""
                oversight demo: this is a full-screen program and needs an interactive terminal, but \
                stdout or stdin is not one (output piped or redirected?). Run it directly in a terminal.
                """)
            throw ExitCode(1)
        }
        guard FileManager.default.fileExists(atPath: study) else {
            SessionLauncher.printError("""
                oversight demo: \(study) not found. Run the demo from the project folder \
                (where Package.swift and Tasks/ are), or name the study with --study.
                """)
            throw ExitCode(2)
        }
        let (id, study, provider) = (participant ?? Self.defaultParticipant(), study, simulated ? "simulated" : nil)
        let code = try await SessionLauncher.onOwnThread {
            try SessionLauncher.run(studyPath: study, participant: id, sessionsRoot: SessionPaths.defaultRoot,
                                    resume: .ask, providerOverride: provider)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// `demo-YYYYMMDD-HHMMSS` in local time.
    static func defaultParticipant() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "demo-" + formatter.string(from: Date())
    }
}
