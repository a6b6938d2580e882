import ArgumentParser
import Foundation
import OversightCore
import OversightScoring

/// `oversight score`: unaided / model-alone / human+model accuracies from session logs.
struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score a study's session logs (and model baselines) into the Table-1 comparison.",
        discussion: """
            Reads every session log in a study folder (Sessions/<study>/*.jsonl; files named \
            baseline-*.jsonl there are model baselines, stance-*.jsonl the assistant's stance per \
            question from `oversight stance` or coded by hand) and prints, per task, accuracy with a \
            95% CI, calibration error, Brier score and mean confidence for unaided, assisted, \
            their confidence-weighted votes, and each model run; the differences \
            assisted - unaided and assisted - model; per-block timing and assistant use; and \
            one row per participant, with outliers flagged (never excluded unless asked). \
            With initial answers (initial_answer blocks) or stance files, assisted rows also get \
            the reliance measures (agreement, switch rate, RAIR, RSR, over- and under-reliance, \
            confidence shift; see the README); --reliance-csv writes them as CSV; a malformed \
            stance line stops the scorer (exit 2, naming the file and line). \
            Sessions run with different assistants get separate human + model rows, named after \
            the assistant, and a warning. The text fits 100 columns (--wide: one line per row). \
            Damaged input never stops the scorer: each problem is a warning naming the file \
            and line, and only sound records are scored. A log whose hash chain is broken is \
            scored only up to the record before the first broken link (the warning says how many \
            records were dropped; --keep-damaged keeps them). Two files of one session (same \
            session_id) are scored once. Sessions played by `oversight simulate` ("simulated": \
            true in session_start) are never mixed with real participants: they are left out \
            (a note on stderr counts them), scored alone with --simulated (or when the folder \
            holds nothing else), or together with the real ones with --include-simulated; a \
            report with simulated sessions says so on its first line (JSON: the first key, \
            "simulated_sessions"). Exit status 2 when there is nothing to score. \
            --payments FILE writes one CSV row per finished real participant \
            (participant,completion_code,answers,correct,bonus; the code from the log's \
            session_end record, the bonus = correct x bonus_per_correct of the study file given \
            by --study, 0 without it); unfinished and damaged sessions are listed on stderr and \
            not paid; simulated sessions are never paid; --exclude does not \
            affect payments.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "A study folder of session logs, or one log file.")
    var path: String

    @Option(name: .customLong("baseline"), help: ArgumentHelp("A baseline results file (repeatable).", valueName: "file"))
    var baselines: [String] = []

    @Option(name: .customLong("exclude"), help: ArgumentHelp("Leave a participant out (repeatable).", valueName: "id"))
    var excluded: [String] = []

    @Option(help: "Output on stdout: text (tables) or json.")
    var format: Format = .text

    @Flag(help: "Text tables with each row on one line, however wide (default: fit 100 columns, long labels wrapped).")
    var wide = false

    @Option(name: .customLong("csv"), help: ArgumentHelp("Also write one CSV row per answer to this file.", valueName: "file"))
    var csvPath: String?

    @Option(name: .customLong("html"), help: ArgumentHelp("Also write a self-contained HTML report to this file.", valueName: "file"))
    var htmlPath: String?

    @Option(name: .customLong("reliance-csv"),
            help: ArgumentHelp("Also write the reliance measures (per condition and participant) as CSV to this file.",
                               valueName: "file"))
    var relianceCSVPath: String?

    @Option(name: .customLong("payments"),
            help: ArgumentHelp("Also write a CSV of finished participants to pay (completion code, bonus).", valueName: "file"))
    var paymentsPath: String?

    @Option(name: .customLong("study"),
            help: ArgumentHelp("The study file whose [study] bonus_per_correct sets the --payments bonus.", valueName: "file"))
    var studyPath: String?

    @Flag(name: .customLong("keep-damaged"),
          help: "Also score the records of a log from the one before its first broken hash link on (the report says so on its first line).")
    var keepDamaged = false

    @Flag(name: .customLong("simulated"), help: "Score only the simulated sessions (oversight simulate).")
    var simulatedOnly = false

    @Flag(name: .customLong("include-simulated"),
          help: "Score simulated sessions together with real participants (the report says so first).")
    var includeSimulated = false

    @Option(help: "Seed of the bootstrap (same seed, same intervals).")
    var seed: UInt64 = 1

    @Option(help: "Bootstrap resamples (at least 2000).")
    var resamples: Int = 2000

    @Option(help: "Threads for reading logs and resampling (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if resamples < 2000 { throw ValidationError("--resamples must be at least 2000") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if studyPath != nil && paymentsPath == nil {
            throw ValidationError("--study is only used with --payments")
        }
        if simulatedOnly && includeSimulated {
            throw ValidationError("--simulated and --include-simulated cannot be used together")
        }
    }

    func run() async throws {
        let inputs: DatasetLoader.Inputs
        do {
            inputs = try DatasetLoader.discover(path: path)
        } catch let e as ScoreInputError {
            FileHandle.standardError.write(Data("oversight score: \(e.message)\n".utf8))
            throw ExitCode(2)
        }
        for b in baselines where !FileManager.default.fileExists(atPath: b) {
            FileHandle.standardError.write(Data("oversight score: \(b): no such baseline file\n".utf8))
            throw ExitCode(2)
        }
        if let paymentsPath { try PaymentsOutput(path: paymentsPath, studyPath: studyPath).write(logs: inputs.logs) }
        func load(_ kinds: ParticipantKinds) -> Dataset {
            DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines + baselines,
                               exclude: excluded, jobs: jobs, keepDamaged: keepDamaged, kinds: kinds)
        }
        var dataset = load(includeSimulated ? .all : simulatedOnly ? .simulated : .real)
        // A folder of simulated sessions only (a pilot) is scored as such, and labelled.
        if dataset.sessions.isEmpty && dataset.leftOutSimulated > 0 && !simulatedOnly && !includeSimulated {
            dataset = load(.simulated)
        }
        do {
            try StanceLoader.apply(paths: inputs.stances, to: &dataset)
        } catch let e as InputErrors {
            for line in e.lines() { FileHandle.standardError.write(Data("oversight score: \(line)\n".utf8)) }
            throw ExitCode(2)
        }
        if dataset.sessions.isEmpty {
            FileHandle.standardError.write(Data("oversight score: \(path): no session could be scored\n".utf8))
            for w in dataset.warnings.prefix(20) { FileHandle.standardError.write(Data("  \(w)\n".utf8)) }
            throw ExitCode(2)
        }
        var options = ScoreOptions()
        options.seed = seed
        options.resamples = resamples
        options.jobs = jobs
        let report = Scorer.score(dataset, options: options)
        let simulatedCount = dataset.sessions.filter(\.simulated).count
        if dataset.leftOutSimulated > 0 {
            FileHandle.standardError.write(Data(("oversight score: \(dataset.leftOutSimulated) simulated session(s) left out "
                + "(--simulated scores them alone, --include-simulated with the real participants)\n").utf8))
        }
        let label = SimulatedLabel(simulated: simulatedCount, sessions: dataset.sessions.count)
        do {
            if let csvPath { try CSVWriter.write(dataset, to: csvPath) }
            if let relianceCSVPath { try Data(RelianceCSV.render(report).utf8).write(to: URL(fileURLWithPath: relianceCSVPath)) }
            if let htmlPath {
                let html = label.html(HTMLRenderer.render(report))
                try Data(html.utf8).write(to: URL(fileURLWithPath: htmlPath))
            }
        } catch {
            FileHandle.standardError.write(Data("oversight score: \(error)\n".utf8))
            throw ExitCode(1)
        }
        switch format {
        case .text: print(label.text(TextRenderer.render(report, width: wide ? nil : TextRenderer.defaultWidth)), terminator: "")
        case .json: print(label.json(JSONRenderer.render(report)), terminator: "")
        }
    }
}

/// The first line (or JSON key, or HTML paragraph) of a report that scores simulated sessions,
/// so such a report can never pass for one of real participants.
struct SimulatedLabel {
    var simulated: Int
    var sessions: Int

    var notice: String? {
        guard simulated > 0 else { return nil }
        if simulated == sessions {
            return "SIMULATED PARTICIPANTS: all \(sessions) session(s) were played by oversight simulate, not by people"
        }
        return "SIMULATED PARTICIPANTS INCLUDED (--include-simulated): \(simulated) of \(sessions) session(s) "
            + "were played by oversight simulate, not by people"
    }

    func text(_ report: String) -> String {
        notice.map { $0 + "\n" + report } ?? report
    }

    /// `"simulated_sessions": N` as the first key of the report object.
    func json(_ report: String) -> String {
        guard simulated > 0, report.hasPrefix("{") else { return report }
        return "{\n  \"simulated_sessions\": \(simulated)," + report.dropFirst()
    }

    func html(_ page: String) -> String {
        guard let notice, let body = page.range(of: "<body>") else { return page }
        return page.replacingCharacters(in: body, with: "<body><p class=\"meta\"><strong>\(notice)</strong></p>")
    }
}
