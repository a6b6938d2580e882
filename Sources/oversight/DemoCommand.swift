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
        abstract: "Try the participant screen on the bundled demo study (Tasks/demo.toml, or Tasks/protocols.toml).",
        discussion: """
            Runs from the project folder. The log goes to Sessions/<demo study id>/<participant>.jsonl \
            like any session. Without --participant, a run first offers to continue the last \
            unfinished demo session (with the same assistant); declined, or when there is none, \
            it starts a new participant (demo-<date and time>).
            """
    )

    @Option(name: .long, help: "Participant id (default: demo-<date and time>).")
    var participant: String?

    @Option(name: .long, help: "The demo study file (default: Tasks/demo.toml, or Tasks/protocols.toml with --protocols).")
    var study: String?

    @Flag(name: .long, help: "Run the demo of the consultancy and debate protocols (Tasks/protocols.toml).")
    var protocols = false

    /// The study file this run uses.
    var studyPath: String { study ?? (protocols ? "Tasks/protocols.toml" : "Tasks/demo.toml") }

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
        let study = studyPath
        guard FileManager.default.fileExists(atPath: study) else {
            SessionLauncher.printError("""
                oversight demo: \(study) not found. Run the demo from the project folder \
                (where Package.swift and Tasks/ are), or name the study with --study.
                """)
            throw ExitCode(2)
        }
        let provider = simulated ? "simulated" : nil
        let studyFile = try? StudyLoader.load(path: study)
        var id = participant ?? Self.newParticipant(studyID: studyFile?.id)
        var resume = SessionLauncher.ResumeChoice.ask
        if participant == nil, let studyFile,
           let found = UnfinishedSessions.latest(root: SessionPaths.defaultRoot, studyID: studyFile.id,
                                                 participantPrefix: "demo-",
                                                 provider: provider ?? studyFile.assistant.provider) {
            let position = SessionLauncher.describePosition(found.records)
            FileHandle.standardOutput.write(Data(
                "An unfinished demo session exists (\(found.participant), \(position)). Continue it? [Y/n] ".utf8))
            let answer = (readLine() ?? "n").trimmingCharacters(in: .whitespaces).lowercased()
            if answer.isEmpty || answer == "y" || answer == "yes" {
                id = found.participant
                resume = .always
            } else {
                print("Starting a new demo session as \(id); the other one stays as it is (\(found.url.path)).")
            }
        }
        let (chosen, path, choice) = (id, study, resume)
        let code = try await SessionLauncher.onOwnThread {
            try SessionLauncher.run(studyPath: path, participant: chosen, sessionsRoot: SessionPaths.defaultRoot,
                                    resume: choice, providerOverride: provider)
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// A new participant id, `demo-YYYYMMDD-HHMMSS`, with `-2`, `-3`... added when a log of
    /// that name exists (two runs in one second). Without a readable study, the plain id (the
    /// launcher then reports the study's problem).
    static func newParticipant(studyID: String?) -> String {
        let base = defaultParticipant()
        guard let studyID else { return base }
        var id = base
        var n = 2
        while FileManager.default.fileExists(atPath: SessionPaths.logURL(root: SessionPaths.defaultRoot, studyID: studyID,
                                                                          participant: id).path) {
            id = "\(base)-\(n)"
            n += 1
        }
        return id
    }

    /// `demo-YYYYMMDD-HHMMSS` in local time.
    static func defaultParticipant() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "demo-" + formatter.string(from: Date())
    }
}
