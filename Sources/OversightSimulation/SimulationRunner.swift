import Foundation
import OversightCore
import OversightTUI

/// Why a simulation cannot start (exit status 2 in the CLI).
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Progress of a simulation run, reported after each finished participant.
public struct SimulationProgress: Sendable {
    public var done: Int
    public var total: Int
    public var answers: Int
    public var elapsedSeconds: Double

    /// "12/40 participants, 96 answers, 310.2 answers/s, ETA 4 s"
    public var line: String {
        let rate = elapsedSeconds > 0 ? Double(answers) / elapsedSeconds : 0
        let eta = done > 0 ? elapsedSeconds / Double(done) * Double(total - done) : 0
        return "\(done)/\(total) participants, \(answers) answers, \(String(format: "%.1f", rate)) answers/s, ETA \(Int(eta.rounded(.up))) s"
    }
}

/// Runs N simulated participants of one study, at most `jobs` at a time, each writing its own
/// log `ROOT/<study>/sim-NNN.jsonl` (under the same lock `run` takes).
public enum SimulationRunner {
    /// Participant ids `sim-001` ... (as many digits as N needs, at least 3).
    public static func participantIDs(_ n: Int) -> [String] {
        let width = max(3, String(n).count)
        return (1...max(1, n)).prefix(n).map { i in
            let s = String(i)
            return "sim-" + String(repeating: "0", count: max(0, width - s.count)) + s
        }
    }

    /// Run the simulation. Refuses (before writing anything) when one of the logs exists.
    public static func run(study: ResolvedStudy, policy: SimulationPolicy, seed: UInt64, participants: Int,
                           jobs: Int, sessionsRoot: URL, assistant: any Assistant, secret: StudySecret? = nil,
                           participantModel: ParticipantModel? = nil,
                           wallClock: @escaping @Sendable () -> Int64 = SessionLogWriter.wallNow,
                           progress: @escaping @Sendable (SimulationProgress) -> Void = { _ in })
        async throws -> [SimulatedSessionSummary] {
        if let problem = policy.problem(withScale: study.study.confidence) { throw SimulationError(problem.description) }
        let ids = participantIDs(participants)
        let urls = ids.map { SessionPaths.logURL(root: sessionsRoot, studyID: study.study.id, participant: $0) }
        for url in urls where FileManager.default.fileExists(atPath: url.path) {
            throw SimulationError("\(url.path): a log already exists here; simulate into another --sessions folder "
                                  + "or remove the earlier simulated logs")
        }
        // Counterbalanced: the simulated participants arrive in id order and get arms round-robin.
        var arranged = [ResolvedStudy](repeating: study, count: ids.count)
        if study.study.counterbalance {
            let arms = Counterbalance.armCount(study.study)
            let url = Assignments.url(root: sessionsRoot, studyID: study.study.id)
            for (i, id) in ids.enumerated() {
                let arm = try Assignments.arm(for: id, arms: arms, studyHash: study.study.hash, url: url,
                                              wallNowMs: wallClock)
                arranged[i] = study.arranged(arm: arm - 1)
            }
        }
        let start = Date()
        return try await withThrowingTaskGroup(of: (Int, SimulatedSessionSummary).self) { group in
            var next = 0
            var results = [SimulatedSessionSummary?](repeating: nil, count: ids.count)
            var done = 0, answers = 0
            func launch(_ i: Int) {
                let id = ids[i], url = urls[i], study = arranged[i]
                group.addTask {
                    let lock = try FileLock.acquire(for: url)
                    defer { lock.release() }
                    let writer = try SessionLogWriter.create(at: url, wallClock: wallClock)
                    defer { writer.close() }
                    let player = SimulatedParticipant(policy: policy, seed: seed, participant: id,
                                                      model: participantModel)
                    let summary = try await player.run(study: study, assistant: assistant, log: writer, secret: secret)
                    return (i, summary)
                }
            }
            while next < min(max(1, jobs), ids.count) { launch(next); next += 1 }
            while let (i, summary) = try await group.next() {
                results[i] = summary
                done += 1
                answers += summary.answers
                progress(SimulationProgress(done: done, total: ids.count, answers: answers,
                                            elapsedSeconds: Date().timeIntervalSince(start)))
                if next < ids.count { launch(next); next += 1 }
            }
            return results.compactMap { $0 }
        }
    }
}
