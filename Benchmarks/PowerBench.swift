import ArgumentParser
import Foundation
import OversightCore
import OversightScoring

/// `oversight-bench power`: time the power table (the target: 4 sample sizes x 500 simulated
/// studies in under a minute on two cores).
struct PowerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "power",
        abstract: "Time `oversight power` (default: 10,20,40,80 participants x 500 simulations, 2000 resamples).",
        discussion: """
            Runs the same simulation as `oversight power` on a design of --unaided and --assisted \
            questions per participant with the default model, and prints the table, the time, \
            and the simulated studies per second. Build in release: \
            swift build -c release --product oversight-bench.
            """
    )

    @Option(help: "Numbers of participants, comma-separated.")
    var participants = "10,20,40,80"

    @Option(help: "Simulated studies per number of participants.")
    var simulations = 500

    @Option(help: "Bootstrap resamples per study.")
    var resamples = 2000

    @Option(help: "Unaided questions per participant.")
    var unaided = 20

    @Option(help: "Assisted questions per participant.")
    var assisted = 20

    @Option(help: "Effect in accuracy points.")
    var effect = 10.0

    @Option(help: "Threads (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    func run() async throws {
        let ns = participants.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !ns.isEmpty, ns.allSatisfy({ $0 >= 2 }) else { throw ValidationError("--participants: e.g. 10,20,40,80") }
        var options = PowerOptions()
        options.simulations = simulations
        options.resamples = resamples
        options.jobs = jobs
        let design = PowerDesign(task: .mmlu, unaidedItems: unaided, assistedItems: assisted)
        let started = Date()
        let points = PowerSimulation.run(design: design, model: .defaults(task: .mmlu), effect: effect / 100,
                                         participants: ns, options: options)
        let seconds = Date().timeIntervalSince(started)
        for p in points {
            print(String(format: "%6d participants  power %.3f  (MC SE %.3f)", p.participants, p.power, p.se))
        }
        let studies = simulations * ns.count
        print(String(format: "%d simulated studies (%d resamples each) in %.2f s with %d thread(s): %.1f studies/s; "
                     + "load average at the end %@", studies, resamples, seconds, jobs, Double(studies) / seconds,
                     loadAverage()))
    }

    func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
            .map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "unknown"
    }
}
