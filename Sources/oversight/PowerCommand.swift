import ArgumentParser
import Foundation
import OversightCore
import OversightScoring

/// `oversight power`: how many participants a study needs, by simulation.
struct PowerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Estimate by simulation the power to detect an assisted - unaided difference.",
        discussion: """
            Draws many studies of the study file's design (its questions per condition on one \
            task; every participant answers the same questions) from a model with crossed \
            participant and item variation, runs on each the scorer's own test (the two-way \
            bootstrap interval of assisted - unaided, resampling participants and items within \
            the conditions' strata) and reports how often the interval excludes 0, with its \
            Monte Carlo standard error. With --effect 0 that share is the false-positive rate. \
            The model's numbers (unaided accuracy, participant and item spread in logits) come \
            from --pilot DIR (session logs of a pilot; simulated ones count only when there are \
            no real ones) or from the defaults: unaided accuracy 57% (MMLU) or 49% (QuALITY), \
            participant SD 0.5, item SD 1.0.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(name: .long, help: "The study file (TOML).")
    var study: String

    @Option(name: .long, help: "The assisted - unaided difference to detect, in accuracy points (10 = 10 points).")
    var effect: Double

    @Option(name: .long, help: "Numbers of participants, comma-separated.")
    var participants: String = "10,20,40,80"

    @Option(name: .long, help: "Simulated studies per number of participants.")
    var simulations: Int = 500

    @Option(name: .long, help: "Significance level: the test's interval has level 1 - alpha.")
    var alpha: Double = 0.05

    @Option(name: .long, help: "Bootstrap resamples per simulated study (the scorer uses 2000).")
    var resamples: Int = 2000

    @Option(name: .long, help: ArgumentHelp("Estimate participant and item variation from these pilot logs.", valueName: "dir"))
    var pilot: String?

    @Option(name: .long, help: "Task to compare on (mmlu or quality); default: the first the study asks in both conditions.")
    var task: String?

    @Option(name: .long, help: "Seed (same seed, same table).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Threads.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output on stdout: text (a table) or json.")
    var format: Format = .text

    @Option(name: .customLong("html"), help: ArgumentHelp("Also write the power curve as a self-contained HTML page.", valueName: "file"))
    var htmlPath: String?

    func sizes() throws -> [Int] {
        let parts = participants.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ (2...100_000).contains($0) }) else {
            throw ValidationError("--participants must be a comma-separated list of whole numbers from 2 to 100000, e.g. 10,20,40,80")
        }
        return values
    }

    func validate() throws {
        _ = try sizes()
        if !(effect > -100 && effect < 100) { throw ValidationError("--effect must be between -100 and 100 (accuracy points)") }
        if simulations < 10 { throw ValidationError("--simulations must be at least 10") }
        if !(alpha > 0 && alpha < 0.5) { throw ValidationError("--alpha must be between 0 and 0.5") }
        if resamples < 100 { throw ValidationError("--resamples must be at least 100") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let task, TaskKind(rawValue: task) == nil { throw ValidationError("--task must be mmlu or quality") }
    }

    func run() async throws {
        let studyPath = study
        let resolved = try InputFailure.report { try StudyResolver.resolve(try StudyLoader.load(path: studyPath)) }
        let designs = PowerDesign.designs(of: resolved)
        let wanted = task.flatMap(TaskKind.init(rawValue:))
        guard let design = wanted.map({ t in designs.first { $0.task == t } }) ?? designs.first else {
            let which = wanted.map { " on \($0.rawValue)" } ?? ""
            FileHandle.standardError.write(Data("\(studyPath): the study has no task with both unaided and assisted questions\(which); there is no difference to test\n".utf8))
            throw ExitCode(2)
        }
        var model = PowerModel.defaults(task: design.task)
        if let pilot {
            let inputs: DatasetLoader.Inputs
            do {
                inputs = try DatasetLoader.discover(path: pilot)
            } catch let e as ScoreInputError {
                FileHandle.standardError.write(Data("oversight power: \(e.message)\n".utf8))
                throw ExitCode(2)
            }
            var data = DatasetLoader.load(logs: inputs.logs, baselines: [], kinds: .real)
            if data.sessions.isEmpty { data = DatasetLoader.load(logs: inputs.logs, baselines: [], kinds: .simulated) }
            guard let estimated = PowerPilot.estimate(data, task: design.task) else {
                FileHandle.standardError.write(Data("oversight power: \(pilot): too few \(design.task.rawValue) answers to estimate from (need unaided answers of at least 2 participants on 2 questions)\n".utf8))
                throw ExitCode(2)
            }
            model = estimated
            model.source = "\(pilot): " + estimated.source
                + (data.sessions.contains(where: \.simulated) ? " [simulated participants]" : "")
        }
        let d = effect / 100
        if !(model.unaidedAccuracy + d > 0 && model.unaidedAccuracy + d < 1) {
            FileHandle.standardError.write(Data("oversight power: unaided accuracy \(pct(model.unaidedAccuracy)) plus an effect of \(effect) points is outside 0-100%\n".utf8))
            throw ExitCode(2)
        }
        var options = PowerOptions()
        options.simulations = simulations
        options.resamples = resamples
        options.alpha = alpha
        options.seed = seed
        options.jobs = jobs
        let ns = try sizes()
        let started = Date()
        let interactive = isatty(STDERR_FILENO) == 1
        let points = PowerSimulation.run(design: design, model: model, effect: d, participants: ns, options: options) { done, total in
            if interactive {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(done)/\(total) simulated studies".utf8))
            }
        }
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let seconds = Date().timeIntervalSince(started)
        if let htmlPath {
            do {
                try Data(PowerReport.html(points, design: design, model: model, effect: effect, alpha: alpha,
                                          study: resolved.study.id).utf8).write(to: URL(fileURLWithPath: htmlPath))
            } catch {
                FileHandle.standardError.write(Data("oversight power: \(htmlPath): cannot write: \(error.localizedDescription)\n".utf8))
                throw ExitCode(1)
            }
        }
        switch format {
        case .json:
            print(PowerReport.json(points))
        case .text:
            print(PowerReport.text(points, design: design, model: model, effect: effect, alpha: alpha,
                                   resamples: resamples, seconds: seconds))
        }
    }

    func pct(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
}
