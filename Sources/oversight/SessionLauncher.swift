import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore
import OversightTUI
#if canImport(Glibc)
import Glibc
#endif

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
                    resumeFlagsConflict: Bool = false, providerOverride: Provider? = nil) throws -> Int32 {
        let (study, logURL, secret) = try InputFailure.report { () throws -> (Study, URL, StudySecret?) in
            if resumeFlagsConflict { throw CLIError("--resume and --no-resume cannot be used together") }
            guard Identifier.isValid(participant) else {
                throw CLIError("invalid participant id \"\(Printable.escaped(participant))\": use 1 to 64 letters, digits, '-' or '_'")
            }
            var study = try StudyLoader.load(path: studyPath)
            if let providerOverride { study.assistant.provider = providerOverride }
            if let reserved = StudyFolderFile.reservedParticipant(participant) {
                throw CLIError("participant id \"\(participant)\" cannot be used: \(reserved)")
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

        // The log is read once, under the lock: what it says decides everything below, and its
        // records go on to the writer and the replay.
        let exists = FileManager.default.fileExists(atPath: logURL.path)
        let existing: LogReadResult?
        switch ExistingSession.examine(url: logURL) {
        case .finished(let code):
            printError("The session of \(participant) in study \(resolved.study.id) is already finished; "
                       + "its completion code is \(code) (log: \(logURL.path)).")
            return 1
        case .refused(let refusal):
            // A log that cannot be continued is refused before anyone is asked to continue it.
            printError("\(logURL.path): \(refusal)")
            throw ExitCode(2)
        case .unfinished(let read):
            existing = read
        case .none:
            existing = nil
        }
        let size: Size
        do {
            size = try NcursesTerminal.preflight()
        } catch let error as TerminalError {
            printError("oversight: \(error)")
            return 1
        }
        if let existing {
            let position = describePosition(existing)
            switch resume {
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
        if exists {
            // A log file with no record (cut off before its first line was whole) is continued
            // like any other: the writer drops the cut-off line and starts the chain.
            let read = existing ?? SessionLogReader.read(url: logURL)
            do {
                writer = try SessionLogWriter.resume(at: logURL, after: read)
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
        if interactive, config.provider == .local { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return try outcome.get()
    }

    /// The factory's result, handed from its task to the waiting launcher thread.
    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<AssistantHandle, Error> = .failure(AssistantError.configuration("not started"))
        func set(_ r: Result<AssistantHandle, Error>) { lock.withLock { result = r } }
        func get() throws -> AssistantHandle { try lock.withLock { result }.get() }
    }

    /// "at block 2 question 3" from the last question shown in a log (1-based for people).
    static func describePosition(_ read: LogReadResult) -> String {
        guard let (block, index) = read.lastQuestionShown else { return "at the instructions" }
        return "at block \(block + 1) question \(index + 1)"
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
