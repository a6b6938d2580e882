import Foundation
import OversightCore
import OversightTUI

/// Where `run` gets the participant id from when `--participant` is not given: an environment
/// variable (`--participant-env`) or the id screen on the terminal.
enum Arrival {
    /// The id and whether the participant already agreed to continue an unfinished session.
    struct Accepted: Equatable {
        var participant: String
        var resumeConfirmed: Bool
    }

    /// The id held by the environment variable `name`. Missing, empty or not matching the
    /// study's pattern is bad input (exit 2); the id rules are checked by the launcher.
    static func fromEnvironment(_ name: String, studyPath: String,
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try InputFailure.report {
            guard let value = environment[name], !value.isEmpty else {
                throw CLIError("--participant-env \(Printable.escaped(name)): the environment variable is not set or is empty")
            }
            let study = try StudyLoader.load(path: studyPath)
            if let pattern = study.participantPattern, Identifier.isValid(value),
               ArrivalScreen.problem(with: value, label: "id", pattern: pattern) != nil {
                throw CLIError("--participant-env \(Printable.escaped(name)): the participant id \"\(value)\" "
                               + "does not match study.participant_pattern")
            }
            return value
        }
    }

    /// Shows the id screen until an id is accepted; nil when the participant leaves (Ctrl-C).
    /// Nothing is written before an id is accepted. A `prefill` id (a gateway's address) is
    /// entered as if typed: accepted, it skips the screen; refused, the screen shows why.
    static func ask(studyPath: String, sessionsRoot: URL, prefill: String? = nil) throws -> Accepted? {
        let study = try InputFailure.report { try StudyLoader.load(path: studyPath) }
        do {
            _ = try NcursesTerminal.preflight()
        } catch let error as TerminalError {
            SessionLauncher.printError("oversight: \(error)")
            return nil
        }
        let session = ArrivalScreenSession(
            state: ArrivalState(label: study.participantLabel, pattern: study.participantPattern),
            lookUp: { id in lookUp(SessionPaths.logURL(root: sessionsRoot, studyID: study.id, participant: id)) })
        if let id = prefill, !id.isEmpty {
            enter(id, into: session)
            if case .accepted(let id, let resume) = session.state.phase { return Accepted(participant: id, resumeConfirmed: resume) }
        }
        let driver = TerminalDriver(noColor: NcursesTerminal.colorDisabled(environment: ProcessInfo.processInfo.environment))
        do {
            _ = try driver.run(session)
        } catch let error as TerminalError {
            SessionLauncher.printError("oversight: \(error)")
            return nil
        }
        guard case .accepted(let id, let resume) = session.state.phase else { return nil }
        return Accepted(participant: id, resumeConfirmed: resume)
    }

    /// Types `id` into the id screen and presses Enter.
    static func enter(_ id: String, into session: ArrivalScreenSession) {
        for c in id { session.handle(.key(.char(c))) }
        session.handle(.key(.enter))
    }

    /// What is on disk for the log at `logURL`, read without creating anything.
    static func lookUp(_ logURL: URL) -> ArrivalLookup {
        // The lock file exists once a session has run; probing it creates nothing new.
        if FileManager.default.fileExists(atPath: FileLock.lockPath(for: logURL)) {
            do {
                let lock = try FileLock.acquire(for: logURL)
                lock.release()
            } catch let held as FileLockHeld {
                return .running(holder: held.holder)
            } catch {
                return .refused(reason: "its lock file cannot be opened")
            }
        }
        switch ExistingSession.examine(url: logURL) {
        case .none: return .new
        case .finished(let code): return .finished(code: code)
        case .refused(let reason): return .refused(reason: reason)
        case .unfinished(let read): return .unfinished(position: SessionLauncher.describePosition(read))
        }
    }
}
