import ArgumentParser
import Foundation
import OversightCore
import OversightScoring

/// `oversight-bench score`: generate a synthetic study, then time the scorer on it.
struct ScoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Time `oversight score` on a synthetic study (default 10,000 sessions x 100 answers).",
        discussion: """
            Writes the synthetic logs to a temporary folder (not timed), resets the peak-memory \
            mark, then reads, checks and scores them (2,000 bootstrap resamples) and renders the \
            text report. Prints the scoring time, MB/s over the log bytes and the peak resident \
            memory (VmHWM). With --compare-decoder it also reads and checks the same logs \
            with the core reader (Foundation's JSONDecoder) and prints how much slower that is than \
            the scanner's JSONCursor. Build in release: swift build -c release --product oversight-bench.
            """
    )

    @Option(help: "Number of sessions (one log each).")
    var sessions = 10_000

    @Option(help: "Answers per session.")
    var answers = 100

    @Option(help: "Mean chat turns per assisted question.")
    var turns = 3.0

    @Option(help: "Bootstrap resamples.")
    var resamples = 2000

    @Option(help: "Threads (default: the number of cores).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Folder of logs: scored as is when it exists, else generated there (and kept).")
    var dir: String?

    @Flag(help: "Keep the generated folder.")
    var keep = false

    @Flag(help: "Reliance: initial answers on assisted questions and a stance file for them (read and scored in the timed part).")
    var reliance = false

    @Flag(help: "Also read and check the logs with the core reader (JSONDecoder), to compare with the scanner.")
    var compareDecoder = false

    @Flag(help: "Generate logs with a consultancy and a debate block too (judgments, rounds, quotes).")
    var protocols = false

    func run() async throws {
        let folder: URL
        var generated = false
        if let dir, FileManager.default.fileExists(atPath: dir) {
            folder = URL(fileURLWithPath: dir)
        } else {
            folder = dir.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
                .appendingPathComponent("oversight-score-bench-\(getpid())", isDirectory: true)
            var study = SyntheticStudy()
            study.sessions = sessions
            study.answersPerSession = answers
            study.meanTurns = turns
            study.initialAnswers = reliance
            study.protocols = protocols
            let t0 = Date()
            let w = try study.write(to: folder, jobs: jobs)
            generated = true
            print(String(format: "generated %d logs, %.1f MB in %.1f s at %@", w.files, Double(w.bytes) / 1e6,
                         Date().timeIntervalSince(t0), folder.path))
        }
        defer {
            if generated && !keep && dir == nil { try? FileManager.default.removeItem(at: folder) }
        }
        if reliance {
            // A stance per assisted answer (not timed): seeded, right about 60% of the time.
            let inputs = try DatasetLoader.discover(path: folder.path)
            let d = DatasetLoader.load(logs: inputs.logs, baselines: [], jobs: jobs)
            var rng = SeededRandom(seed: 11, label: "bench-stance")
            var text = ""
            for a in d.answers where a.condition == .assisted {
                let stance = rng.unit() < 0.6 ? Int(a.gold) : (Int(a.gold) + 1 + rng.below(3)) % 4
                text += StanceRecord(participant: d.participants[Int(a.participant)], questionID: d.items[Int(a.item)],
                                     stance: rng.below(10) == 0 ? nil : stance, method: "hand", model: nil).line() + "\n"
            }
            try Data(text.utf8).write(to: folder.appendingPathComponent("stance-bench.jsonl"))
        }
        let hwmBefore = PeakMemory.megabytes()
        PeakMemory.reset()
        let start = Date()
        let inputs = try DatasetLoader.discover(path: folder.path)
        var dataset = DatasetLoader.load(logs: inputs.logs, baselines: inputs.baselines, jobs: jobs)
        try StanceLoader.apply(paths: inputs.stances, to: &dataset)
        let loaded = Date()
        var options = ScoreOptions()
        options.resamples = resamples
        options.jobs = jobs
        let report = Scorer.score(dataset, options: options)
        let text = TextRenderer.render(report)
        let end = Date()
        let total = end.timeIntervalSince(start)
        let mb = Double(dataset.bytesRead) / 1e6
        print(String(format: "scored %d logs, %d answers, %.1f MB", dataset.filesRead, dataset.answers.count, mb))
        print(String(format: "read+check: %.2f s (%.0f MB/s); statistics+render: %.2f s; total: %.2f s (%.0f MB/s)",
                     loaded.timeIntervalSince(start), mb / loaded.timeIntervalSince(start),
                     end.timeIntervalSince(loaded), total, mb / total))
        print(String(format: "peak RSS while scoring: %.0f MB (before: %.0f MB); %d threads, %d cores, %d resamples, %d warnings, %d chars of report",
                     PeakMemory.megabytes(), hwmBefore, jobs, ProcessInfo.processInfo.activeProcessorCount, resamples,
                     report.warnings.count, text.count))
        if compareDecoder {
            // The same logs through the core's reader: Foundation's JSONDecoder into typed records,
            // the same hash-chain checks, the same threads. Only the records' count is kept.
            let paths = inputs.logs
            let work = SharedCount()
            let records = SharedCount()
            let t0 = Date()
            DispatchQueue.concurrentPerform(iterations: max(1, min(jobs, paths.count))) { _ in
                while true {
                    let i = work.add(1) - 1
                    guard i < paths.count else { return }
                    var n = 0
                    SessionLogReader.forEach(url: URL(fileURLWithPath: paths[i])) { _ in n += 1 }
                    _ = records.add(n)
                }
            }
            let seconds = Date().timeIntervalSince(t0)
            let scannerSeconds = loaded.timeIntervalSince(start)
            print(String(format: "read+check with the core reader (JSONDecoder): %.2f s (%.0f MB/s), %.1fx the scanner's %.2f s; %d records",
                         seconds, mb / seconds, seconds / scannerSeconds, scannerSeconds, records.add(0)))
        }
        if let load = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) {
            print("load average (1, 5, 15 min): \(load.split(separator: " ").prefix(3).joined(separator: " "))")
        }
    }
}

/// A counter shared by threads.
final class SharedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    /// Adds `n` and returns the new value.
    func add(_ n: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += n
        return value
    }
}
