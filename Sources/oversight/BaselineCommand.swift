import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore

/// `oversight baseline`: the model alone on a study's (or a bank's) questions.
struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Measure the model alone on the questions (the 'model' row of the scorer).",
        discussion: """
            Asks the model every selected question with the zero-shot prompt `Question: … \
            Choices: (A) … (D) … Answer:` (the passage first for QuALITY; with --shots, worked \
            examples from the MMLU dev split of the same subject). Conventions: `likelihood` takes \
            the letter with the highest probability as the first answer token (needs \
            log-probabilities: provider openai or local); `generate` asks for the letter (the prompt \
            starts with "Reply with only the letter…") and parses it from a short reply; an \
            unparseable reply counts as wrong. With --study, the questions are every question the \
            study's blocks can draw from (after their subject, split and hard filters). Results are \
            appended to JSON-lines files as they arrive; a rerun skips questions already answered, \
            so an interrupted run resumes. They go next to the study's session logs, in \
            Sessions/<study id>/ under the current folder (or under --sessions), where `run` writes \
            its logs and `score` looks. With --judge consultancy or debate the model judges \
            instead: model consultants or debaters argue for options drawn as for a participant \
            (the study's seed and block settings), both debaters at once, for --rounds rounds; then \
            the model, as judge, states a probability per shown option (its highest is the answer; \
            no readable probabilities = wrong). Results go to \
            baseline-<model>-judge-<protocol>.jsonl and score as a model-judge row.
            """
    )

    @Option(name: .long, help: "Study file (TOML): its banks, filters and [assistant] settings.")
    var study: String?

    @Option(name: .long, help: "Task bank file or folder (instead of --study).")
    var bank: String?

    @Option(name: .long, parsing: .upToNextOption, help: "Only these MMLU subjects / QuALITY titles (with --bank).")
    var subjects: [String] = []

    @Option(name: .long, help: "Only this split: dev, val, test (with --bank).")
    var split: String?

    @Flag(name: .long, help: "Only QuALITY's hard questions (with --bank).")
    var hardOnly = false

    @Option(name: .long, help: "At most this many questions (a seeded random sample).")
    var limit: Int?

    @Option(name: .long, help: "Seed of the --limit sample.")
    var seed: UInt64 = 0

    @OptionGroup(title: "Model server")
    var server: ModelServerOptions

    @Option(name: .long, help: "likelihood, generate or both.")
    var convention: String = "both"

    @Option(name: .long, help: "Worked examples per MMLU question, from the dev split of its subject.")
    var shots: Int = 0

    @Option(name: .long, help: "MMLU dev split (folder of *_dev.csv) for --shots (default: Tasks/mmlu/dev when present).")
    var dev: String?

    @Option(name: .long, help: "Questions asked at once (a local server answers one at a time).")
    var concurrency: Int = 4

    @Option(name: .long, help: "Attempts per question on 429, 5xx or a refused connection (with backoff).")
    var attempts: Int = 3

    @Option(name: .long, help: "Folder of the session logs, as for run (default: Sessions under the current folder).")
    var sessions: String?

    @Option(name: .long, help: "Results file (default <sessions>/<study id>/baseline-<model>-<convention>.jsonl).")
    var out: String?

    @Option(name: .long, help: "Run the model as judge of this protocol: consultancy or debate.")
    var judge: String?

    @Option(name: .long, help: "With --judge: rounds of speeches before the judge decides (default: the block's min_rounds).")
    var rounds: Int?

    func validate() throws {
        if (study == nil) == (bank == nil) { throw ValidationError("give exactly one of --study FILE or --bank PATH") }
        if study != nil && (!subjects.isEmpty || split != nil || hardOnly) {
            throw ValidationError("--subjects, --split and --hard-only go with --bank (a study has its own filters)")
        }
        if !["likelihood", "generate", "both"].contains(convention) {
            throw ValidationError("--convention must be likelihood, generate or both")
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if shots < 0 || shots > 20 { throw ValidationError("--shots must be between 0 and 20") }
        if attempts < 1 || attempts > 10 { throw ValidationError("--attempts must be between 1 and 10") }
        if concurrency < 1 || concurrency > 64 { throw ValidationError("--concurrency must be between 1 and 64") }
        if let judge, !["consultancy", "debate"].contains(judge) {
            throw ValidationError("--judge must be consultancy or debate")
        }
        if let rounds, judge == nil || !(1...20).contains(rounds) {
            throw ValidationError(judge == nil ? "--rounds goes with --judge" : "--rounds must be between 1 and 20, not \(rounds)")
        }
        if judge != nil && (convention != "both" || shots != 0) {
            throw ValidationError("--judge runs its own protocol: leave out --convention and --shots")
        }
    }

    func run() async throws {
        let (studyID, config, questions) = try InputFailure.report { try loadQuestions() }
        let judging = try InputFailure.report { try judgeSettings() }
        var conventions: [BaselineConvention] = convention == "both" ? [.likelihood, .generate]
            : [BaselineConvention(rawValue: convention) ?? .generate]
        if let judge { conventions = [judge == "debate" ? .judgeDebate : .judgeConsultancy] }
        if config.provider == .anthropic && conventions.contains(.likelihood) && convention != "both" {
            throw InputFailure.fail("--convention likelihood needs log-probabilities, which provider anthropic does not give; use --convention generate")
        }
        let usable = config.provider == .anthropic ? conventions.filter { $0 != .likelihood } : conventions
        if usable.count < conventions.count {
            FileHandle.standardError.write(Data("note: provider anthropic gives no log-probabilities; running the generate convention only\n".utf8))
        }
        let shotTable = try InputFailure.report { try loadShots(for: questions) }

        // The model: a local server of our own (with log-probabilities on), or a remote API.
        let root = ProjectRoot.locate() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var genConfig = config
        genConfig.temperature = 0
        // A judge run needs whole speeches (a consultant may write 1,500 characters).
        genConfig.maxTokens = judge == nil ? 24 : 800
        genConfig.systemPrompt = nil
        let handle: AssistantHandle
        do {
            // With log-probabilities on, llama.cpp keeps logits for every context position:
            // MMLU prompts fit a much smaller context than a QuALITY article, and it is faster.
            let context = questions.contains { $0.passage != nil } ? 16384 : 4096
            handle = try await AssistantFactory.make(genConfig, projectRoot: root, seed: seed,
                                                     logitsAll: usable.contains(.likelihood),
                                                     contextTokens: context, retry: .none) { line in
                FileHandle.standardError.write(Data("\r\(line)".utf8))
            }
        } catch let e as AssistantError {
            FileHandle.standardError.write(Data("\n".utf8))
            if case .configuration = e { throw InputFailure.fail(e.message) }
            FileHandle.standardError.write(Data("oversight baseline: \(e.message)\n".utf8))
            throw ExitCode(1)
        }
        defer { handle.shutdown() }
        if handle.server != nil { FileHandle.standardError.write(Data("\n".utf8)) }

        let modelName = handle.assistant.model ?? config.model ?? config.provider.rawValue
        var scorer: OpenAIAssistant?
        if let server = handle.server {
            var c = genConfig
            c.baseURL = server.baseURL
            c.apiKeyEnv = nil
            c.model = server.modelName
            // A non-streamed answer sends no byte until the whole prompt is read: on a busy CPU
            // a QuALITY article can take minutes.
            c.timeoutSeconds = max(genConfig.timeoutSeconds, 900)
            scorer = try OpenAIAssistant(config: c, environment: [:], provider: .local)
        } else if config.provider == .openai {
            scorer = try OpenAIAssistant(config: genConfig)
        }
        var runner = BaselineRunner(provider: config.provider.rawValue, model: modelName, assistant: handle.assistant,
                                    scorer: scorer, firstTokenSteps: handle.server != nil ? BaselineRunner.llamaCppSteps : [20],
                                    retry: RetryPolicy(maxAttempts: attempts, baseDelay: 1, maxDelay: 30))
        runner.judging = judging

        let sessionsRoot = sessions.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SessionPaths.defaultRoot
        var outputs: [BaselineConvention: URL] = [:]
        for c in usable {
            if let out {
                outputs[c] = URL(fileURLWithPath: out)
            } else {
                let safeModel = String(modelName.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
                // Next to the study's session logs, where `run` writes them and `score` reads them.
                outputs[c] = sessionsRoot.appendingPathComponent(studyID, isDirectory: true)
                    .appendingPathComponent("baseline-\(safeModel)-\(c.rawValue).jsonl")
            }
        }
        var jobs: [BaselineJob] = []
        for c in usable {
            for q in questions { jobs.append(BaselineJob(question: q, shots: shotTable[q.id] ?? [], convention: c)) }
        }
        FileHandle.standardError.write(Data("\(questions.count) questions × \(usable.count) convention(s), model \(modelName) (\(config.provider))\n".utf8))

        let report: BaselineEngine.Report
        do {
            report = try await BaselineEngine.run(jobs: jobs, runner: runner, outputs: outputs,
                                                  concurrency: handle.server != nil ? 1 : concurrency)
        } catch let e as InputError {
            throw InputFailure.fail(e.description)
        } catch let held as FileLockHeld {
            let file = String(held.lockPath.dropLast(".lock".count))
            let holder = held.holder.map { " (\($0))" } ?? ""
            FileHandle.standardError.write(Data("oversight baseline: \(file) is being written by another baseline run\(holder)\n".utf8))
            throw ExitCode(1)
        } catch let e as LogWriteError {
            FileHandle.standardError.write(Data("oversight baseline: \(e.description)\n".utf8))
            throw ExitCode(1)
        } catch let e as AssistantError {
            FileHandle.standardError.write(Data("oversight baseline: \(e.message)\n".utf8))
            throw ExitCode(e == .cancelled ? 130 : (isConfiguration(e) ? 2 : 1))
        }
        if report.skipped > 0 { print("reused from earlier runs: \(report.skipped)") }
        var failed = 0
        for c in usable {
            let t = report.tallies[c] ?? BaselineTally()
            failed += t.failed
            var line = "\(c.rawValue) (\(shots)-shot, \(modelName)): \(t.correct)/\(t.total) correct, "
                + String(format: "%.1f%%", t.accuracy * 100)
            if t.unparsed > 0 { line += ", \(t.unparsed) without a readable answer (counted wrong)" }
            if t.failed > 0 { line += ", \(t.failed) failed (not recorded; rerun to retry)" }
            print(line + "  -> \(outputs[c]?.path ?? "")")
        }
        for e in report.errors { FileHandle.standardError.write(Data("  \(e)\n".utf8)) }
        if failed > 0 { throw ExitCode(1) }
    }

    private func isConfiguration(_ e: AssistantError) -> Bool {
        if case .configuration = e { return true }
        return false
    }

    /// With --judge: the study's seed, role instructions and the settings of its first block of
    /// that protocol (defaults without a study or such a block).
    private func judgeSettings() throws -> JudgeSettings {
        var j = JudgeSettings()
        j.rounds = rounds
        guard judge != nil, let study else { return j }
        let s = try StudyLoader.load(path: study)
        j.seed = s.seed
        j.instructions = s.roleInstructions
        if let c = s.blocks.first(where: { $0.condition == .consultancy })?.protocolSettings { j.consultancy = c }
        if let d = s.blocks.first(where: { $0.condition == .debate })?.protocolSettings { j.debate = d }
        return j
    }

    /// The study id (for the output folder), the assistant settings and the questions.
    private func loadQuestions() throws -> (String, AssistantConfig, [Question]) {
        var config = AssistantConfig()
        var pool: [Question] = []
        var studyID = "baseline"
        if let study {
            let s = try StudyLoader.load(path: study)
            studyID = s.id
            config = s.assistant
            var seen = Set<String>()
            var banks: [String: [Question]] = [:]
            for b in s.blocks {
                if banks[b.bankPath] == nil { banks[b.bankPath] = try TaskBank.load(path: b.bankPath) }
                let unknown = Selection.unknownSubjects(b.subjects, in: banks[b.bankPath] ?? [])
                if !unknown.isEmpty {
                    throw InputError(path: study, line: b.line, "subjects not in \(b.bank): \(unknown.joined(separator: ", "))")
                }
                for q in Selection.filter(banks[b.bankPath] ?? [], subjects: b.subjects, split: b.split, hardOnly: b.hardOnly)
                where seen.insert(q.id).inserted {
                    pool.append(q)
                }
            }
        } else if let bank {
            let all = try TaskBank.load(path: bank)
            let unknown = Selection.unknownSubjects(subjects, in: all)
            if !unknown.isEmpty { throw CLIError("\(bank): no questions for subject(s) \(unknown.joined(separator: ", "))") }
            pool = Selection.filter(all, subjects: subjects, split: split, hardOnly: hardOnly)
        }
        server.apply(to: &config)
        if config.provider == .simulated {
            throw CLIError("the study's assistant is simulated; give --provider local, openai or anthropic for a baseline")
        }
        if pool.isEmpty { throw CLIError("no questions match the selection") }
        if let limit, limit < pool.count {
            pool = try Selection.sample(pool, count: limit, seed: seed, label: "baseline")
        } else {
            pool.sort { $0.id < $1.id }
        }
        return (studyID, config, pool)
    }

    /// Worked examples per question id (MMLU only): the first `shots` dev questions of its subject.
    private func loadShots(for questions: [Question]) throws -> [String: [Question]] {
        guard shots > 0 else { return [:] }
        let mmlu = questions.filter { $0.task == .mmlu }
        guard !mmlu.isEmpty else {
            FileHandle.standardError.write(Data("note: --shots applies to MMLU only; QuALITY questions stay zero-shot\n".utf8))
            return [:]
        }
        let path = try devPath()
        let devQuestions = try TaskBank.load(path: path).filter { $0.task == .mmlu }
        var bySubject: [String: [Question]] = [:]
        for q in devQuestions { bySubject[q.subject, default: []].append(q) }
        var table: [String: [Question]] = [:]
        for q in mmlu {
            let examples = (bySubject[q.subject] ?? [])
                .filter { $0.id != q.id }
                .sorted { ($0.metadata.line, $0.id) < ($1.metadata.line, $1.id) }
            guard examples.count >= shots else {
                throw CLIError("\(path): \(examples.count) dev question(s) for subject \(q.subject), --shots asks for \(shots)")
            }
            table[q.id] = Array(examples.prefix(shots))
        }
        return table
    }

    private func devPath() throws -> String {
        if let dev { return dev }
        let root = ProjectRoot.locate() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for candidate in ["Tasks/mmlu/dev"] {
            let p = root.appendingPathComponent(candidate).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: p) { return p }
        }
        throw CLIError("--shots needs the MMLU dev split: give --dev PATH")
    }
}

extension InputFailure {
    /// Print `message` on stderr and return the bad-input exit (status 2) to throw.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data(("oversight baseline: " + message + "\n").utf8))
        return ExitCode(2)
    }
}
