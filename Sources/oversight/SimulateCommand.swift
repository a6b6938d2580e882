import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore
import OversightSimulation
import OversightTUI

/// `oversight simulate`: simulated participants through the real session runtime (a pilot).
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run simulated participants through a study (a pilot before anyone is paid).",
        discussion: """
            Each simulated participant goes through the study with the real session runtime: \
            it presses the keys a person would, its messages go to the study's assistant (the \
            real provider, or the seeded simulated one with --simulated), and the runtime writes \
            an ordinary session log, Sessions/<study>/sim-NNN.jsonl, marked "simulated": true \
            in session_start. `oversight score` leaves such logs out unless asked. Time is \
            simulated, not slept: time limits, heartbeats and countdowns happen as in a real \
            session. A policy file (TOML) sets how the participants behave (accuracy alone, \
            how often they ask and adopt the assistant's answer, confidence, time per question); \
            the defaults give a plausible crowdworker. Same seed: same logs, except wall_ms and \
            what depends on it (prev, completion_code). Exit status: 0 every session finished, \
            1 one did not (its log says why), 2 bad input.
            """
    )

    @Option(name: .long, help: "The study file (TOML).")
    var study: String

    @Option(name: .long, help: "Number of simulated participants (sim-001, sim-002, ...).")
    var participants: Int

    @Option(name: .long, help: "Seed of the participants' behaviour (same seed, same logs).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Participants simulated at the same time.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .long, help: ArgumentHelp("How the participants behave (TOML; see the README).", valueName: "file"))
    var policy: String?

    @Option(name: .long, help: "Folder of the session logs (default: Sessions under the current folder).")
    var sessions: String?

    @Flag(name: .long, help: "Use the seeded simulated assistant instead of the study's provider.")
    var simulated = false

    @Option(name: .customLong("participant-model"),
            help: ArgumentHelp("A language model plays the participants (OpenAI-compatible chat API) instead of the policy's choices.", valueName: "model"))
    var participantModel: String?

    @Option(name: .customLong("participant-base-url"),
            help: ArgumentHelp("Server of --participant-model (default: OpenAI's API).", valueName: "url"))
    var participantBaseURL: String?

    @Option(name: .customLong("participant-api-key-env"),
            help: ArgumentHelp("Environment variable holding the key of --participant-model's server.", valueName: "name"))
    var participantKeyEnv: String?

    func validate() throws {
        if participants < 1 || participants > 100_000 { throw ValidationError("--participants must be between 1 and 100000") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if participantModel == nil && (participantBaseURL != nil || participantKeyEnv != nil) {
            throw ValidationError("--participant-base-url and --participant-api-key-env need --participant-model")
        }
    }

    /// The client of `--participant-model`, or nil when the policy decides.
    func makeParticipantModel() throws -> ParticipantModel? {
        guard let participantModel else { return nil }
        var config = AssistantConfig()
        config.provider = .openai
        config.model = participantModel
        config.baseURL = participantBaseURL
        config.apiKeyEnv = participantKeyEnv
        config.maxTokens = 200
        config.temperature = 0
        return ParticipantModel(client: try OpenAIAssistant(config: config))
    }

    func run() async throws {
        let root = sessions.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SessionPaths.defaultRoot
        let (studyPath, policyPath, useSimulated) = (study, policy, simulated)
        let (resolved, behaviour, secret) = try InputFailure.report {
            () throws -> (ResolvedStudy, SimulationPolicy, StudySecret?) in
            var s = try StudyLoader.load(path: studyPath)
            if useSimulated { s.assistant.provider = .simulated }
            // Streamed pieces take simulated time (policy chunk_ms), not real pauses.
            if s.assistant.provider == .simulated { s.assistant.wordDelayMs = 0 }
            let p = try policyPath.map { try SimulationPolicyLoader.load(path: $0) } ?? SimulationPolicy()
            if let problem = p.problem(withScale: s.confidence) { throw problem }
            return (try StudyResolver.resolve(s), p, try StudySecret.load(for: s))
        }
        let player: ParticipantModel?
        do {
            player = try makeParticipantModel()
        } catch {
            SessionLauncher.printError("oversight simulate: --participant-model: "
                + ((error as? AssistantError)?.message ?? "\(error)"))
            throw ExitCode(2)
        }
        let handle: AssistantHandle
        do {
            handle = try await AssistantFactory.make(resolved.study.assistant, seed: resolved.study.seed) { message in
                FileHandle.standardError.write(Data("\(message)\n".utf8))
            }
        } catch {
            SessionLauncher.printError("oversight: " + ((error as? AssistantError)?.message ?? "cannot start the assistant: \(error)"))
            throw ExitCode(2)
        }
        defer { handle.shutdown() }
        let interactive = isatty(STDERR_FILENO) == 1
        let summaries: [SimulatedSessionSummary]
        do {
            summaries = try await SimulationRunner.run(
                study: resolved, policy: behaviour, seed: seed, participants: participants, jobs: jobs,
                sessionsRoot: root, assistant: handle.assistant, secret: secret, participantModel: player,
                progress: { p in
                    let line = interactive ? "\r\u{1B}[K" + p.line : p.line + "\n"
                    FileHandle.standardError.write(Data(line.utf8))
                })
        } catch let e as SimulationError {
            SessionLauncher.printError("oversight simulate: \(e.message)")
            throw ExitCode(2)
        } catch let e as LogWriteError {
            SessionLauncher.printError(e.description)
            throw ExitCode(2)
        } catch let e as FileLockHeld {
            SessionLauncher.printError("oversight simulate: a simulated log is in use by another process (\(e.lockPath))")
            throw ExitCode(1)
        } catch let e as SessionRuntimeError {
            SessionLauncher.printError("oversight simulate: \(e)")
            throw ExitCode(2)
        } catch let e as InputErrors {
            for line in e.lines() { SessionLauncher.printError(line) }
            throw ExitCode(2)
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        let answers = summaries.reduce(0) { $0 + $1.answers }
        let correct = summaries.reduce(0) { $0 + $1.correct }
        let messages = summaries.reduce(0) { $0 + $1.messages }
        let failed = summaries.reduce(0) { $0 + $1.failedReplies }
        let timedOut = summaries.reduce(0) { $0 + $1.timedOut }
        let unparsed = summaries.reduce(0) { $0 + $1.unparsedDecisions }
        let unfinished = summaries.filter { if case .finished = $0.outcome { return false } else { return true } }
        let folder = root.appendingPathComponent(resolved.study.id, isDirectory: true).path
        print("Simulated \(summaries.count) participant(s) of study \(resolved.study.id) "
              + "(assistant: \(resolved.study.assistant.provider), seed \(seed)): \(answers) answers, "
              + "\(correct) correct, \(timedOut) timed out, \(messages) chat messages, \(failed) failed replies.")
        if player != nil {
            print("Participant model \(participantModel ?? ""): \(unparsed) repl(ies) named neither a message nor an option"
                  + (unparsed > 0 ? " (asked again; after two such replies on a question it guessed)" : ""))
        }
        print("Logs: \(folder) (score them with: oversight score \(folder))")
        for u in unfinished {
            print("\(u.participant): the session did not finish" + (u.logError.map { ": \($0)" } ?? ""))
        }
        if !unfinished.isEmpty { throw ExitCode(1) }
    }
}
