import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of `assignments.jsonl`: a participant and the arm given to them.
public struct Assignment: Codable, Sendable, Equatable {
    public var participant: String
    /// 1-based arm.
    public var arm: Int
    /// Number of arms of the study when the arm was given.
    public var arms: Int
    /// SHA-256 of the study file then.
    public var studyHash: String
    public var wallMs: Int64

    public init(participant: String, arm: Int, arms: Int, studyHash: String, wallMs: Int64) {
        self.participant = participant
        self.arm = arm
        self.arms = arms
        self.studyHash = studyHash
        self.wallMs = wallMs
    }

    enum CodingKeys: String, CodingKey {
        case participant, arm, arms, studyHash = "study_hash", wallMs = "wall_ms"
    }
}

/// The arms given so far in a counterbalanced study, kept in `ROOT/<study id>/assignments.jsonl`:
/// participants get arms in arrival order, round-robin; a participant seen before keeps theirs.
/// Reading, choosing and appending happen under the file's exclusive lock (`FileLock`), so two
/// participants arriving together get different arms.
public enum Assignments {
    public static let fileName = "assignments.jsonl"

    /// `ROOT/<study id>/assignments.jsonl`.
    public static func url(root: URL, studyID: String) -> URL {
        root.appendingPathComponent(studyID, isDirectory: true).appendingPathComponent(fileName)
    }

    /// Read the assignments at `url` (none when the file does not exist). A line that is not an
    /// assignment is reported as an `InputErrors` naming the file and line.
    public static func read(url: URL) throws -> [Assignment] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw InputErrors([InputError(path: url.path, line: nil, "cannot read the assignments file")])
        }
        var result: [Assignment] = []
        let decoder = JSONDecoder()
        for (i, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated()
        where !line.isEmpty {
            guard let a = try? decoder.decode(Assignment.self, from: Data(line)), a.arm >= 1, a.arm <= a.arms else {
                throw InputErrors([InputError(path: url.path, line: i + 1,
                    "not an assignment (expected {\"participant\", \"arm\", \"arms\", \"study_hash\", \"wall_ms\"})")])
            }
            result.append(a)
        }
        return result
    }

    /// The arm (1-based) of `participant`: the one recorded for them, or else the next one
    /// round-robin, recorded before it is returned. Waits up to `lockWait` seconds for another
    /// process holding the lock. Throws `InputErrors` for a damaged file or an arm recorded
    /// under a different number of arms, `LogWriteError` when the file cannot be written, and
    /// `FileLockHeld` when the lock stays taken.
    public static func arm(for participant: String, arms: Int, studyHash: String, url: URL,
                           lockWait: TimeInterval = 30,
                           wallNowMs: () -> Int64 = SessionLogWriter.wallNow) throws -> Int {
        let lock = try acquireWaiting(url, seconds: lockWait)
        defer { lock.release() }
        let existing = try read(url: url)
        if let mine = existing.first(where: { $0.participant == participant }) {
            guard mine.arms == arms else {
                throw InputErrors([InputError(path: url.path, line: nil,
                    "\(participant) was given arm \(mine.arm) of \(mine.arms), but the study now has \(arms) arms;"
                    + " the blocks changed since: use a new study id")])
            }
            return mine.arm
        }
        let arm = existing.count % max(1, arms) + 1
        let entry = Assignment(participant: participant, arm: arm, arms: arms, studyHash: studyHash, wallMs: wallNowMs())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var line: Data
        do { line = try encoder.encode(entry) } catch {
            throw LogWriteError(path: url.path, message: "cannot encode the assignment")
        }
        line.append(UInt8(ascii: "\n"))
        try append(line, to: url)
        return arm
    }

    private static func acquireWaiting(_ url: URL, seconds: TimeInterval) throws -> FileLock {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            do {
                return try FileLock.acquire(for: url)
            } catch let held as FileLockHeld {
                if Date() >= deadline { throw held }
                usleep(2_000)
            }
        }
    }

    /// Append and flush to disk: the arm is on disk before anyone is shown its questions.
    private static func append(_ bytes: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LogWriteError(path: url.path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { _ = close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogWriteError(path: url.path, message: "cannot write: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        guard fsync(fd) == 0 else {
            throw LogWriteError(path: url.path, message: "cannot flush to disk: \(String(cString: strerror(errno)))")
        }
    }
}
