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

    @Flag(name: .long, help: "Continue an unfinished session without asking.")
    var resume = false

    @Flag(name: .customLong("no-resume"), help: "Never continue an unfinished session: stop instead.")
    var noResume = false

    func run() async throws {
        let root = sessions.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SessionPaths.defaultRoot
        var choice: SessionLauncher.ResumeChoice = resume ? .always : (noResume ? .never : .ask)
        let (study, conflict) = (study, resume && noResume)
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

/// Everything between the command line and the screen: checks, the log, the resume question,
/// the assistant, the terminal. Shared by `run` and `demo`.
enum SessionLauncher {
    /// Runs `body` on a thread of its own and waits for it without blocking a thread of the
    /// concurrency pool: the session loop blocks in `poll()` for its whole length, and the pool
    /// must stay free for the assistant's streaming tasks (a pool of one thread on a one-CPU
    /// machine would otherwise never run them).
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try body() })
            }
            thread.name = "oversight-terminal"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// What to do with an unfinished log.
    enum ResumeChoice { case ask, always, never }

    /// Runs one session; returns the exit status (0 finished, 1 quit or nothing to do).
    /// Bad input is reported on stderr and thrown as exit status 2.
    /// `providerOverride` replaces the study's assistant provider (the demo's `--simulated`); the
    /// provider used is recorded in the log's first record.
    static func run(studyPath: String, participant: String, sessionsRoot: URL, resume: ResumeChoice,
                    resumeFlagsConflict: Bool = false, providerOverride: String? = nil) throws -> Int32 {
        let (study, logURL, secret) = try InputFailure.report { () throws -> (Study, URL, StudySecret?) in
            if resumeFlagsConflict { throw CLIError("--resume and --no-resume cannot be used together") }
            guard Identifier.isValid(participant) else {
                throw CLIError("invalid participant id \"\(Printable.escaped(participant))\": use 1 to 64 letters, digits, '-' or '_'")
            }
            var study = try StudyLoader.load(path: studyPath)
            if let providerOverride { study.assistant.provider = providerOverride }
            if study.counterbalance, participant + ".jsonl" == Assignments.fileName {
                throw CLIError("participant id \"\(participant)\" is reserved in a counterbalanced study (\(Assignments.fileName))")
            }
            let secret = try StudySecret.load(for: study)
            return (study, SessionPaths.logURL(root: sessionsRoot, studyID: study.id, participant: participant), secret)
        }

        // One process per log: the lock is taken before the questions are drawn (large banks
        // take seconds), the log is read or the terminal touched, and held until this function
        // returns (the kernel frees it if the process dies).
        let lock: FileLock
        do {
            lock = try FileLock.acquire(for: logURL)
        } catch let held as FileLockHeld {
            printError("oversight: the session of \(participant) in study \(study.id) is already running"
                       + (held.holder.map { " (\($0))" } ?? "") + "; log: \(logURL.path)")
            return 1
        } catch let error as LogWriteError {
            printError(error.description)
            throw ExitCode(2)
        }
        defer { lock.release() }
        var resolved = try InputFailure.report { try StudyResolver.resolve(study) }

        let exists = FileManager.default.fileExists(atPath: logURL.path)
        let existing = exists ? SessionLogReader.read(url: logURL) : nil
        if let existing, let code = finishedCode(existing.records) {
            printError("The session of \(participant) in study \(resolved.study.id) is already finished; "
                       + "its completion code is \(code) (log: \(logURL.path)).")
            return 1
        }
        // A log that cannot be continued is refused before anyone is asked to continue it.
        if let existing, let refusal = existing.resumeRefusal {
            printError("\(logURL.path): \(refusal)")
            throw ExitCode(2)
        }
        let size: Size
        do {
            size = try NcursesTerminal.preflight()
        } catch let error as TerminalError {
            printError("oversight: \(error)")
            return 1
        }
        if let existing {
            let position = describePosition(existing.records)
            switch existing.records.isEmpty ? .always : resume {
            case .never:
                printError("An unfinished session of \(participant) exists (\(position), log: \(logURL.path)); "
                           + "not resuming it (--no-resume).")
                return 1
            case .ask:
                FileHandle.standardOutput.write(Data("Resume the session of \(participant) \(position)? [Y/n] ".utf8))
                let answer = (readLine() ?? "n").trimmingCharacters(in: .whitespaces).lowercased()
                guard answer.isEmpty || answer == "y" || answer == "yes" else {
                    print("Not resumed. The log stays as it is: \(logURL.path)")
                    return 1
                }
            case .always:
                break
            }
        }

        // Counterbalanced: the participant's arm (kept from an earlier start, or the next one).
        if study.counterbalance {
            let arms = Counterbalance.armCount(study)
            let url = Assignments.url(root: sessionsRoot, studyID: study.id)
            do {
                let arm = try InputFailure.report {
                    try Assignments.arm(for: participant, arms: arms, studyHash: study.hash, url: url)
                }
                resolved = resolved.arranged(arm: arm - 1)
            } catch let error as LogWriteError {
                printError(error.description)
                throw ExitCode(2)
            } catch let held as FileLockHeld {
                printError("oversight: \(held)")
                return 1
            }
        }

        // The assistant starts after the questions (a local model takes seconds to load) and
        // before the log is touched, so a missing model leaves no log behind.
        let handle: AssistantHandle
        do {
            handle = try makeAssistant(config: resolved.study.assistant, seed: resolved.study.seed)
        } catch {
            printError("oversight: " + ((error as? AssistantError)?.message ?? "cannot start the assistant: \(error)"))
            throw ExitCode(2)
        }
        defer { handle.shutdown() }

        let writer: SessionLogWriter
        var previous: LogReadResult?
        if existing != nil {
            do {
                let (w, read) = try SessionLogWriter.resume(at: logURL)
                writer = w
                previous = read
            } catch let error as LogWriteError {
                printError(error.description)
                throw ExitCode(2)
            }
        } else {
            do {
                writer = try SessionLogWriter.create(at: logURL)
            } catch let error as LogWriteError {
                printError(error.description)
                return 1
            }
        }

        return try runScreen(resolved: resolved, participant: participant, assistant: handle.assistant,
                             writer: writer, history: previous?.records ?? [], size: size, secret: secret,
                             resumeHint: resumeHint(studyPath: studyPath, participant: participant,
                                                    sessionsRoot: sessionsRoot))
    }

    /// Runs the session on the terminal and reports the outcome once the terminal is restored.
    static func runScreen(resolved: ResolvedStudy, participant: String, assistant: any Assistant,
                          writer: SessionLogWriter, history: [LogRecord], size: Size, secret: StudySecret?,
                          resumeHint: String) throws -> Int32 {
        defer { writer.close() }
        let runtime: SessionRuntime
        do {
            runtime = try SessionRuntime(study: resolved, participant: participant, assistant: assistant,
                                         log: writer, history: history, size: size, secret: secret)
        } catch let error as SessionRuntimeError {
            printError("\(writer.url.path): \(error)")
            if case .alreadyFinished = error { return 1 }
            throw ExitCode(2)
        }
        defer { runtime.shutdown() }
        let session = try RuntimeScreenSession(runtime: runtime)
        let driver = TerminalDriver(noColor: NcursesTerminal.colorDisabled(environment: ProcessInfo.processInfo.environment))
        let exit: DriverExit
        do {
            exit = try driver.run(session)
        } catch let error as TerminalError {
            // The driver has already restored the terminal.
            printError("oversight: \(error)")
            return 1
        }
        if let problem = runtime.lastLogError {
            printError("oversight: the session log could not be written: \(problem) (\(writer.url.path))")
        }
        switch runtime.outcome {
        case .finished(let code):
            print("The session is complete. Completion code: \(code)")
            return 0
        case .quit, .running:
            if exit != .hangup {
                print("The session was saved and can be continued with:\n  \(resumeHint)")
            }
            return 1
        }
    }

    /// The command that continues this session.
    static func resumeHint(studyPath: String, participant: String, sessionsRoot: URL) -> String {
        let sessions = sessionsRoot.standardizedFileURL == SessionPaths.defaultRoot.standardizedFileURL
            ? "" : " --sessions=\(shellQuoted(sessionsRoot.path))"
        // Name the program as it was started (e.g. .build/release/oversight), so the line works as is.
        let program = CommandLine.arguments.first.flatMap { $0.contains("/") ? $0 : nil } ?? "oversight"
        // `--name=value`, so a value starting with '-' (a participant "-rf") is not read as a flag.
        return "\(shellQuoted(program)) run --study=\(shellQuoted(studyPath)) --participant=\(shellQuoted(participant))"
            + "\(sessions) --resume"
    }

    /// `s` as one shell word: as is when it holds only characters no shell treats specially,
    /// otherwise in single quotes.
    static func shellQuoted(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_./,:@%+=".unicodeScalars.contains($0))
        }
        return plain ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Builds the study's assistant (starting the local model server when the study uses it),
    /// printing start-up progress on stderr. Runs on the launcher's own thread, so it may block
    /// while the factory works on the concurrency pool.
    static func makeAssistant(config: AssistantConfig, seed: UInt64) throws -> AssistantHandle {
        let outcome = OutcomeBox()
        let done = DispatchSemaphore(value: 0)
        let interactive = isatty(STDERR_FILENO) == 1
        Task.detached {
            do {
                let handle = try await AssistantFactory.make(config, seed: seed) { message in
                    let line = interactive ? "\r\u{1B}[K\(message)" : "\(message)\n"
                    FileHandle.standardError.write(Data(line.utf8))
                }
                outcome.set(.success(handle))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        if interactive, config.provider == "local" { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return try outcome.get()
    }

    /// The factory's result, handed from its task to the waiting launcher thread.
    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<AssistantHandle, Error> = .failure(AssistantError.configuration("not started"))
        func set(_ r: Result<AssistantHandle, Error>) { lock.withLock { result = r } }
        func get() throws -> AssistantHandle { try lock.withLock { result }.get() }
    }

    /// The completion code of a finished log (from its `session_end`), nil when unfinished.
    static func finishedCode(_ records: [LogRecord]) -> String? {
        for record in records.reversed() {
            if case .sessionEnd(let code) = record.event { return code }
        }
        return nil
    }

    /// "at block 2 question 3" from the last question shown in a log (1-based for people).
    static func describePosition(_ records: [LogRecord]) -> String {
        for record in records.reversed() {
            if case .questionShown(let shown) = record.event {
                return "at block \(shown.block + 1) question \(shown.index + 1)"
            }
        }
        return "at the instructions"
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
