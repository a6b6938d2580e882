import Foundation
import OversightCore

/// Input the scorer cannot work with at all (no logs, unreadable folder): exit status 2.
public struct ScoreInputError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Finds, reads and merges session logs and baseline files into a `Dataset`.
///
/// The parts live beside this file: `InputDiscovery` (which files), `ParallelWork` (the
/// threads), `ScanMerger` (collecting the scans), `SessionSelection` (which sessions count) and
/// `BaselineLoader` (model rows from baseline files); `Scan/` reads one log.
public enum DatasetLoader {
    /// Read every log (concurrently, at most `jobs` at a time) and baseline file, and decide
    /// which sessions are scored. Never throws on bad content: problems become warnings.
    /// A log with a broken hash link is scored only up to the record before the break, unless
    /// `keepDamaged`; two logs of one session (same `session_id`) are scored once.
    public static func load(logs: [String], baselines: [String], exclude: [String] = [],
                            jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
                            keepDamaged: Bool = false, kinds: ParticipantKinds = .real) -> Dataset {
        let paths = logs.sorted()
        let merger = Merger(fileCount: paths.count)
        ParallelWork.forEach(count: paths.count, jobs: jobs, local: { ReadBuffer() }) { buffer, i in
            merger.add(SessionScanner.scan(path: paths[i], buffer: buffer, keepDamaged: keepDamaged), index: i)
        }
        return merger.finish(baselines: baselines, exclude: exclude, kinds: kinds)
    }
}
