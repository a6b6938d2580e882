import Foundation
import OversightCore

/// One unit of baseline work: a question under a convention, with its worked examples.
public struct BaselineJob: Sendable {
    public var question: Question
    public var shots: [Question]
    public var convention: BaselineConvention

    public init(question: Question, shots: [Question], convention: BaselineConvention) {
        self.question = question
        self.shots = shots
        self.convention = convention
    }

    /// Identity of the job in a results file (a rerun skips jobs already there).
    public var key: String { BaselineFile.key(convention: convention.rawValue, shots: shots.count, questionID: question.id) }
}

/// Correct / total per convention, plus what could not be scored.
public struct BaselineTally: Sendable, Equatable {
    public var correct = 0
    public var total = 0
    /// Replies from which no letter could be read (counted wrong).
    public var unparsed = 0
    /// Questions that failed with an error (not recorded; a rerun retries them).
    public var failed = 0

    public init() {}

    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    public mutating func add(_ r: BaselineResult) {
        total += 1
        if r.correct { correct += 1 }
        if r.predicted == nil { unparsed += 1 }
    }
}

/// Reading and appending baseline results files (JSON lines of `BaselineResult`).
public enum BaselineFile {
    /// Whether a file name is a baseline results file's (`baseline-*.jsonl`), as `score`,
    /// `verify` and `baseline` itself name them.
    public static func isBaselineName(_ name: String) -> Bool {
        StudyFolderFile.kind(of: name) == .baselineResults
    }

    public static func key(convention: String, shots: Int, questionID: String) -> String {
        "\(convention)|\(shots)|\(questionID)"
    }

    /// The results already in `url` (none when it does not exist). A final line cut short by
    /// an interrupted run is ignored; any other unreadable line is an `InputError`.
    public static func load(_ url: URL) throws -> [BaselineResult] {
        guard let lines = BaselineResultReader.lines(path: url.path) else { return [] }
        var out: [BaselineResult] = []
        for line in lines {
            switch line.result {
            case .success(let r): out.append(r)
            case .failure:
                if !line.terminated { continue }
                throw InputError(path: url.path, line: line.number, "not a baseline result line")
            }
        }
        return out
    }
}

/// Appends results to a file, one JSON line each, as they arrive.
actor BaselineWriter {
    private let handle: FileHandle
    private let encoder: JSONEncoder

    init(url: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !fm.fileExists(atPath: url.path) { _ = fm.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forUpdating: url)
        // A run killed mid-line left a partial record: cut it off so the file stays readable.
        let data = try handle.readToEnd() ?? Data()
        if let last = data.last, last != UInt8(ascii: "\n") {
            let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            try handle.truncate(atOffset: UInt64(keep))
        }
        _ = try handle.seekToEnd()
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func append(_ r: BaselineResult) throws {
        var line = try encoder.encode(r)
        line.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: line)
    }

    func close() {
        try? handle.synchronize()
        try? handle.close()
    }
}

/// A one-line progress bar with ETA, written to standard error.
public final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let interactive: Bool
    private let start = DispatchTime.now().uptimeNanoseconds
    private let lock = NSLock()
    private var done = 0
    private var lastPrinted = -1

    public init(total: Int, label: String, interactive: Bool = isatty(STDERR_FILENO) == 1) {
        self.total = total
        self.label = label
        self.interactive = interactive
    }

    /// One more item finished.
    public func step() {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let tenth = max(1, total / 10)
        guard interactive || done == total || done / tenth != lastPrinted / tenth else { return }
        lastPrinted = done
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" : "") .utf8) + Data(line().utf8)
                                       + Data((interactive && done < total ? "" : "\n").utf8))
    }

    /// `[#####-----] 12/40  30%  ETA 1:23  label`.
    func line() -> String {
        let width = 24
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int(fraction * Double(width))
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let eta = done == 0 ? "--:--" : ProgressBar.clock(elapsed / Double(done) * Double(total - done))
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            + "] \(done)/\(total) \(Int(fraction * 100))%  ETA \(eta)  \(label)"
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Runs baseline jobs with bounded concurrency, appending each result as it arrives and
/// skipping jobs whose results are already in the output file.
public enum BaselineEngine {
    /// What a run did.
    public struct Report: Sendable {
        /// Per convention, over every selected question (including results of earlier runs).
        public var tallies: [BaselineConvention: BaselineTally]
        /// Jobs skipped because an earlier run had done them.
        public var skipped: Int
        /// First error message per failed question id (first few).
        public var errors: [String]
    }

    /// Run `jobs`, appending to `outputs[convention]`. Each output file is locked (`FILE.lock`)
    /// for the whole run before it is read: a second run on one file throws `FileLockHeld`.
    public static func run(jobs: [BaselineJob], runner: BaselineRunner, outputs: [BaselineConvention: URL],
                           concurrency: Int, showProgress: Bool = true) async throws -> Report {
        var tallies: [BaselineConvention: BaselineTally] = [:]
        var writers: [URL: BaselineWriter] = [:]
        var doneKeys = Set<String>()
        var earlier: [String: BaselineResult] = [:]
        var locks: [FileLock] = []
        defer { for l in locks { l.release() } }
        for url in Set(outputs.values).sorted(by: { $0.path < $1.path }) {
            locks.append(try FileLock.acquire(for: url))
        }
        for url in Set(outputs.values) {
            for r in try BaselineFile.load(url) where r.model == runner.model {
                earlier[BaselineFile.key(convention: r.convention, shots: r.shots, questionID: r.questionID)] = r
            }
            writers[url] = try BaselineWriter(url: url)
        }
        var todo: [BaselineJob] = []
        for job in jobs {
            tallies[job.convention, default: BaselineTally()].total += 0
            if let r = earlier[job.key] {
                if doneKeys.insert(job.key).inserted { tallies[job.convention, default: BaselineTally()].add(r) }
            } else {
                todo.append(job)
            }
        }
        let skipped = jobs.count - todo.count
        let label = Set(jobs.map(\.convention.rawValue)).sorted().joined(separator: "+")
        let bar = showProgress && !todo.isEmpty ? ProgressBar(total: todo.count, label: label) : nil
        var errors: [String] = []
        try await withThrowingTaskGroup(of: (BaselineJob, Result<BaselineResult, AssistantError>).self) { group in
            var next = 0
            func launch() {
                let job = todo[next]
                next += 1
                group.addTask {
                    do {
                        return (job, .success(try await runner.run(job.question, shots: job.shots, convention: job.convention)))
                    } catch {
                        return (job, .failure(error as? AssistantError ?? .dropped("unexpected failure")))
                    }
                }
            }
            while next < todo.count && next < max(1, concurrency) { launch() }
            while let (job, result) = try await group.next() {
                switch result {
                case .success(let r):
                    if let url = outputs[job.convention], let w = writers[url] { try await w.append(r) }
                    tallies[job.convention, default: BaselineTally()].add(r)
                case .failure(let e):
                    if e == .cancelled || Task.isCancelled { throw e }
                    tallies[job.convention, default: BaselineTally()].failed += 1
                    if errors.count < 5 { errors.append("\(job.question.id) (\(job.convention.rawValue)): \(e.message)") }
                    // Configuration problems fail every question alike: stop at the first.
                    if case .configuration = e { throw e }
                }
                bar?.step()
                if next < todo.count { launch() }
            }
        }
        for w in writers.values { await w.close() }
        return Report(tallies: tallies, skipped: skipped, errors: errors)
    }
}
