import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore
import OversightScoring

/// `oversight stance`: which option the assistant advocated on each assisted question of a
/// study's sessions, for the scorer's reliance measures.
struct StanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stance",
        abstract: "Find the option the assistant advocated on each assisted question (for the reliance measures).",
        discussion: """
            Reads every session log in a study folder (Sessions/<study id>/) and, for each \
            assisted question that was answered, finds the option the assistant endorsed, or \
            none. --method model asks the study's provider (or --provider …) with a short fixed \
            prompt: the question and options, the chat as the participant saw it, and "Reply with \
            only the letter, or NONE"; the reply is read like the baseline's letters, and a reply \
            naming no option counts as none. --method simulated reads the simulated assistant's \
            own record: it is deterministic given the study's seed and what it was sent, so the \
            option it argued for is derived from the logged requests (a logged reply it would not \
            have given is an error, not a guess); it covers the sessions run with the simulated \
            assistant (session_start's assistant_provider). The default is simulated when every \
            session used the simulated assistant, else model. Results go to <folder>/stance-<method>[-<model>].jsonl \
            (or --out), one JSON line per participant and question: participant, question_id, \
            stance (0-3 = A-D, or null), method, model; a rerun skips the questions already in the \
            file, so an interrupted run continues. A hand-coded file in the same format \
            (stance-hand.jsonl) is read by `score` the same way. Exit status 2 on bad input.
            """
    )

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case model
        case simulated
    }

    @Argument(help: "The study folder of session logs (Sessions/<study id>).")
    var folder: String

    @Option(name: .long, help: "The study file (TOML): its questions, seed and [assistant] settings.")
    var study: String

    @Option(name: .long, help: "model (ask a model) or simulated (the simulated assistant's record).")
    var method: Method?

    @OptionGroup(title: "Model server (--method model)")
    var server: ModelServerOptions

    @Option(name: .long, help: "Attempts per question on 429, 5xx or a refused connection (with backoff).")
    var attempts: Int = 3

    @Option(name: .long, help: "Results file (default <folder>/stance-<method>[-<model>].jsonl).")
    var out: String?

    func validate() throws {
        if attempts < 1 || attempts > 10 { throw ValidationError("--attempts must be between 1 and 10") }
        if method == .simulated && server.anyGiven {
            throw ValidationError("--provider, --base-url, --model, --api-key-env and --timeout go with --method model")
        }
    }

    func run() async throws {
        let (resolved, logs) = try InputFailure.report { () throws -> (ResolvedStudy, [String]) in
            let s = try StudyLoader.load(path: study)
            let r = try StudyResolver.resolve(s)
            do {
                return (r, try DatasetLoader.discover(path: folder).logs)
            } catch let e as ScoreInputError {
                throw CLIError(e.message)
            }
        }
        let s = resolved.study
        // Every assisted question answered in the folder's logs of this study, with the
        // assistant each session used (`oversight demo --simulated` runs a study with the
        // simulated one).
        var transcripts: [(chat: ChatTranscript, simulated: Bool)] = []
        var otherStudy = 0
        for path in logs {
            let read = SessionLogReader.read(url: URL(fileURLWithPath: path))
            guard case .sessionStart(let start)? = read.records.first?.event else { continue }
            if start.studyID != s.id {
                otherStudy += 1
                continue
            }
            let simulated = start.assistantProvider == Provider.simulated.rawValue
            transcripts += ChatTranscript.assisted(in: read.records).map { ($0, simulated) }
        }
        if otherStudy > 0 {
            FileHandle.standardError.write(Data("note: \(otherStudy) log(s) of another study skipped\n".utf8))
        }
        var config = s.assistant
        let allSimulated = !transcripts.isEmpty && transcripts.allSatisfy(\.simulated)
        let method = self.method ?? (allSimulated || (transcripts.isEmpty && config.provider == .simulated) ? .simulated : .model)
        server.apply(to: &config)
        if method == .model && config.provider == .simulated {
            throw fail("the study's assistant is simulated: use --method simulated, or give --provider local, openai or anthropic")
        }
        if method == .simulated {
            let other = transcripts.filter { !$0.simulated }.count
            if other > 0 {
                FileHandle.standardError.write(Data("note: \(other) question(s) of sessions with another assistant skipped (use --method model for them)\n".utf8))
            }
            transcripts = transcripts.filter(\.simulated)
        }

        // The model, for --method model: temperature 0, a few tokens, no system prompt.
        var handle: AssistantHandle?
        var modelName: String?
        if method == .model {
            var c = config
            c.temperature = 0
            c.maxTokens = 8
            c.systemPrompt = nil
            do {
                let root = ProjectRoot.locate() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                handle = try await AssistantFactory.make(c, projectRoot: root, seed: s.seed, contextTokens: 8192,
                                                         retry: .none) { line in
                    FileHandle.standardError.write(Data("\r\(line)".utf8))
                }
            } catch let e as AssistantError {
                if case .configuration = e { throw fail(e.message) }
                FileHandle.standardError.write(Data("oversight stance: \(e.message)\n".utf8))
                throw ExitCode(1)
            }
            modelName = handle?.assistant.model ?? c.model ?? c.provider.rawValue
        }
        defer { handle?.shutdown() }

        let outURL = out.map { URL(fileURLWithPath: $0) } ?? URL(fileURLWithPath: folder).appendingPathComponent(
            StanceFile.prefix + method.rawValue + (modelName.map { "-" + Self.safe($0) } ?? "") + ".jsonl")
        let writer: StanceWriter
        do {
            writer = try StanceWriter(url: outURL)
        } catch let e as InputErrors {
            for line in e.lines() { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("oversight stance: \(outURL.path): \(error.localizedDescription)\n".utf8))
            throw ExitCode(1)
        }
        defer { writer.close() }

        let pending = transcripts.map(\.chat).filter { !writer.done.contains(StanceWriter.key($0.participant, $0.questionID)) }
        FileHandle.standardError.write(Data("\(transcripts.count) assisted question(s), \(pending.count) to classify (\(method.rawValue))\n".utf8))
        let simulated = SimulatedAssistant(seed: s.seed, accuracy: s.assistant.accuracy, wordDelayMs: 0)
        let classifier = handle.map {
            StanceClassifier(assistant: $0.assistant, retry: RetryPolicy(maxAttempts: attempts, baseDelay: 1, maxDelay: 30))
        }
        var written = 0, none = 0, unreadable = 0, failed = 0
        for t in pending {
            guard let q = resolved.question(id: t.questionID) else {
                FileHandle.standardError.write(Data("  \(t.participant) \(t.questionID): not a question of \(study); skipped\n".utf8))
                failed += 1
                continue
            }
            var stance: Int?
            if !t.hasReply {
                stance = nil    // the assistant said nothing: it endorsed nothing
            } else if let classifier {
                do {
                    let r = try await classifier.classify(question: q, transcript: t)
                    stance = r.stance
                    if !r.readable { unreadable += 1 }
                } catch let e as AssistantError {
                    FileHandle.standardError.write(Data("  \(t.participant) \(t.questionID): \(e.message) (not recorded; rerun to retry)\n".utf8))
                    failed += 1
                    if case .configuration = e { break }
                    continue
                }
            } else {
                do {
                    stance = try simulated.advocated(in: t, question: q, systemPrompt: s.assistant.systemPrompt,
                                                     sendQuestion: s.assistant.sendQuestion)
                } catch {
                    FileHandle.standardError.write(Data("  \(t.participant) \(t.questionID): a logged reply is not the simulated assistant's (seed \(s.seed), accuracy \(s.assistant.accuracy)); not recorded\n".utf8))
                    failed += 1
                    continue
                }
            }
            if stance == nil { none += 1 }
            do {
                try writer.append(StanceRecord(participant: t.participant, questionID: t.questionID, stance: stance,
                                               method: method.rawValue, model: modelName))
            } catch {
                FileHandle.standardError.write(Data("oversight stance: \(outURL.path): \(error.localizedDescription)\n".utf8))
                throw ExitCode(1)
            }
            written += 1
        }
        var line = "\(written) stance(s) written, \(transcripts.count - pending.count) already in the file"
        if none > 0 { line += ", \(none) with no option endorsed" }
        if unreadable > 0 { line += " (\(unreadable) of them a reply naming no option)" }
        if failed > 0 { line += ", \(failed) failed (rerun to retry)" }
        print(line + "  -> \(outURL.path)")
        if failed > 0 { throw ExitCode(1) }
    }

    /// A model name as part of a file name.
    static func safe(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
    }

    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data(("oversight stance: " + message + "\n").utf8))
        return ExitCode(2)
    }
}

/// Appends stance records to a file, one line each, as they are found; the records already
/// there are read first (a line cut short by an interrupted run is cut off).
final class StanceWriter {
    private let handle: FileHandle
    /// `participant\nquestion_id` of the records in the file.
    private(set) var done: Set<String> = []

    static func key(_ participant: String, _ questionID: String) -> String { participant + "\n" + questionID }

    init(url: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forUpdating: url)
        var data = try handle.readToEnd() ?? Data()
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            try handle.truncate(atOffset: UInt64(keep))
            data = data.prefix(keep)
        }
        for r in try StanceFile.parse(data, path: url.path) { done.insert(Self.key(r.participant, r.questionID)) }
        _ = try handle.seekToEnd()
    }

    func append(_ r: StanceRecord) throws {
        try handle.write(contentsOf: Data((r.line() + "\n").utf8))
        try handle.synchronize()
        done.insert(Self.key(r.participant, r.questionID))
    }

    func close() { try? handle.close() }
}
