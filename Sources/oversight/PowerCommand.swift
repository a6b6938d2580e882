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

/// The power table as text, JSON and an HTML page with the curve.
enum PowerReport {
    static func text(_ points: [PowerPoint], design: PowerDesign, model: PowerModel, effect: Double, alpha: Double,
                     resamples: Int, seconds: Double) -> String {
        var out = "Power to detect assisted - unaided = \(fmt(effect)) points on \(design.task.rawValue) "
            + "(\(design.unaidedItems) unaided, \(design.assistedItems) assisted questions per participant), alpha \(fmt(alpha))\n"
        out += "Model: unaided accuracy \(String(format: "%.1f%%", 100 * model.unaidedAccuracy)), participant SD "
            + "\(String(format: "%.2f", model.participantSD)), item SD \(String(format: "%.2f", model.itemSD)) logits; \(model.source)\n"
        out += "Test: the scorer's two-way bootstrap interval (\(resamples) resamples) excludes 0\n\n"
        out += "participants   power   MC SE   simulations\n"
        for p in points {
            out += pad(String(p.participants), 12) + pad(String(format: "%.3f", p.power), 8)
                + pad(String(format: "%.3f", p.se), 8) + pad(String(p.simulations), 14) + "\n"
        }
        out += String(format: "\n%.1f s", seconds)
        if min(design.unaidedItems, design.assistedItems) < 20 {
            out += "\nWith fewer than 20 questions per condition power levels off however many people take part "
                + "(more questions per block help most), and the test may not hold its level: check the "
                + "false-positive rate with --effect 0"
        }
        return out
    }

    static func json(_ points: [PowerPoint]) -> String {
        "[" + points.map { p in
            "{\"participants\": \(p.participants), \"power\": \(num(p.power)), \"se\": \(num(p.se))}"
        }.joined(separator: ", ") + "]"
    }

    static func num(_ x: Double) -> String { String(format: "%.4f", x) }

    static func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    static func pad(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A self-contained page: the table and an SVG curve of power against participants, with
    /// ±1.96 Monte Carlo SE bars and lines at 0.8 and at alpha.
    static func html(_ points: [PowerPoint], design: PowerDesign, model: PowerModel, effect: Double, alpha: Double,
                     study: String) -> String {
        let w = 640.0, h = 360.0, left = 60.0, right = 20.0, top = 20.0, bottom = 50.0
        let ns = points.map { Double($0.participants) }
        let lo = log(ns.min() ?? 1), hi = log(ns.max() ?? 2)
        func x(_ n: Double) -> Double {
            hi > lo ? left + (log(n) - lo) / (hi - lo) * (w - left - right) : (left + w - right) / 2
        }
        func y(_ p: Double) -> Double { top + (1 - p) * (h - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"power curve\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(w))\" height=\"\(Int(h))\" fill=\"#fff\"/>\n"
        for t in stride(from: 0.0, through: 1.0, by: 0.2) {
            svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(t))\" y2=\"\(y(t))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(left - 8)\" y=\"\(y(t) + 4)\" text-anchor=\"end\" font-size=\"12\">\(String(format: "%.1f", t))</text>\n"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(0.8))\" y2=\"\(y(0.8))\" stroke=\"#2a7\" stroke-dasharray=\"6 4\"/>"
        svg += "<text x=\"\(w - right)\" y=\"\(y(0.8) - 4)\" text-anchor=\"end\" font-size=\"11\" fill=\"#2a7\">0.8</text>\n"
        svg += "<line x1=\"\(left)\" x2=\"\(w - right)\" y1=\"\(y(alpha))\" y2=\"\(y(alpha))\" stroke=\"#c44\" stroke-dasharray=\"2 4\"/>"
        svg += "<text x=\"\(w - right)\" y=\"\(y(alpha) - 4)\" text-anchor=\"end\" font-size=\"11\" fill=\"#c44\">alpha</text>\n"
        let path = points.map { "\(x(Double($0.participants))),\(y($0.power))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#236\" stroke-width=\"2\"/>\n"
        for p in points {
            let cx = x(Double(p.participants))
            svg += "<line x1=\"\(cx)\" x2=\"\(cx)\" y1=\"\(y(min(1, p.power + 1.96 * p.se)))\" y2=\"\(y(max(0, p.power - 1.96 * p.se)))\" stroke=\"#236\"/>"
            svg += "<circle cx=\"\(cx)\" cy=\"\(y(p.power))\" r=\"4\" fill=\"#236\"><title>\(p.participants) participants: power \(String(format: "%.3f", p.power)) ± \(String(format: "%.3f", p.se))</title></circle>"
            svg += "<text x=\"\(cx)\" y=\"\(h - bottom + 18)\" text-anchor=\"middle\" font-size=\"12\">\(p.participants)</text>\n"
        }
        svg += "<text x=\"\((left + w - right) / 2)\" y=\"\(h - 10)\" text-anchor=\"middle\" font-size=\"12\">participants (log scale)</text>\n"
        svg += "<text x=\"14\" y=\"\((top + h - bottom) / 2)\" transform=\"rotate(-90 14 \((top + h - bottom) / 2))\" text-anchor=\"middle\" font-size=\"12\">power</text>\n"
        svg += "</svg>"
        var rows = ""
        for p in points {
            rows += "<tr><td>\(p.participants)</td><td>\(String(format: "%.3f", p.power))</td><td>\(String(format: "%.3f", p.se))</td><td>\(p.simulations)</td></tr>\n"
        }
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Power: \(esc(study))</title>
            <style>body{font-family:sans-serif;margin:2em;max-width:760px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}.meta{color:#444}</style>
            </head><body>
            <h1>Power of study \(esc(study))</h1>
            <p class="meta">Difference to detect: assisted − unaided = \(esc(fmt(effect))) accuracy points on \(design.task.rawValue) \
            (\(design.unaidedItems) unaided and \(design.assistedItems) assisted questions per participant); alpha \(esc(fmt(alpha))); \
            the scorer's two-way bootstrap interval excluding 0.</p>
            <p class="meta">Model: unaided accuracy \(String(format: "%.1f%%", 100 * model.unaidedAccuracy)), participant SD \
            \(String(format: "%.2f", model.participantSD)), item SD \(String(format: "%.2f", model.itemSD)) logits; \(esc(model.source)).</p>
            \(svg)
            <table><tr><th>participants</th><th>power</th><th>MC SE</th><th>simulations</th></tr>
            \(rows)</table>
            </body></html>

            """
    }
}
