import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to write the session log. The app must not go on as if an event were saved.
public struct LogWriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Appends records to one session log. Each record is written with a single `write` and, for
/// durable events, `fsync`'d before `append` returns, so nothing the screen calls saved can be
/// lost; a crash can at worst cut the last line, which readers report and a resume drops.
///
/// Not thread-safe: only the app's serial event funnel writes.
public final class SessionLogWriter {
    public let url: URL
    private let fd: Int32
    private var nextSeq: Int
    /// SHA-256 of the last line written (or read, on resume): the `prev` of the next record.
    public private(set) var lastHash: String
    /// `mono_ms` of the last record written (or read, on resume).
    public private(set) var lastMonoMs: Int64
    /// Wall time of the last record written (or read, on resume).
    public private(set) var lastWallMs: Int64
    private let wallClock: @Sendable () -> Int64
    private var closed = false

    /// Current UTC time in milliseconds.
    public static func wallNow() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    private init(url: URL, fd: Int32, nextSeq: Int, lastHash: String, lastMonoMs: Int64, lastWallMs: Int64,
                 wallClock: @escaping @Sendable () -> Int64) {
        self.url = url
        self.fd = fd
        self.nextSeq = nextSeq
        self.lastHash = lastHash
        self.lastMonoMs = lastMonoMs
        self.lastWallMs = lastWallMs
        self.wallClock = wallClock
    }

    deinit { if !closed { closeDescriptor(fd) } }

    /// Create a new log (and its folder); fails if the file already exists.
    public static func create(at url: URL,
                              wallClock: @escaping @Sendable () -> Int64 = SessionLogWriter.wallNow) throws -> SessionLogWriter {
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw LogWriteError(path: dir.path, message: "cannot create the folder: \(error.localizedDescription)")
        }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LogWriteError(path: url.path, message: errno == EEXIST ? "a log already exists here"
                                    : "cannot create the log: \(String(cString: strerror(errno)))")
        }
        syncDirectory(dir)
        return SessionLogWriter(url: url, fd: fd, nextSeq: 0, lastHash: LogRecord.genesis, lastMonoMs: 0,
                                lastWallMs: 0, wallClock: wallClock)
    }

    /// Open an existing log to continue it. A cut-off last line (from a crash) is removed; the
    /// chain, sequence and active time continue from the last sound record. Returns what was read.
    public static func resume(at url: URL,
                              wallClock: @escaping @Sendable () -> Int64 = SessionLogWriter.wallNow) throws
        -> (SessionLogWriter, LogReadResult) {
        let read = SessionLogReader.read(url: url)
        return (try resume(at: url, after: read, wallClock: wallClock), read)
    }

    /// Open an existing log to continue it, from what was already read of it (`read`, taken
    /// while the session's lock is held, so the file has not changed since).
    public static func resume(at url: URL, after read: LogReadResult,
                              wallClock: @escaping @Sendable () -> Int64 = SessionLogWriter.wallNow) throws
        -> SessionLogWriter {
        if let refusal = read.resumeRefusal { throw LogWriteError(path: url.path, message: refusal) }
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else {
            throw LogWriteError(path: url.path, message: "cannot open the log: \(String(cString: strerror(errno)))")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? read.soundLength
        if size != read.soundLength {
            if !read.tornTail, size > read.soundLength, !read.records.isEmpty {
                // The final record is sound but lost its newline: keep it and add the newline.
                let nl: [UInt8] = [0x0A]
                let n = nl.withUnsafeBytes { write(fd, $0.baseAddress, 1) }
                guard n == 1 else {
                    closeDescriptor(fd)
                    throw LogWriteError(path: url.path, message: "cannot repair the log's last line")
                }
            } else if ftruncate(fd, off_t(read.soundLength)) != 0 {
                // Drop the cut-off last line so the file stays line-sound.
                closeDescriptor(fd)
                throw LogWriteError(path: url.path, message: "cannot drop the cut-off last line: \(String(cString: strerror(errno)))")
            }
            fsync(fd)
        }
        let last = read.records.last
        return SessionLogWriter(url: url, fd: fd, nextSeq: (last?.seq ?? -1) + 1, lastHash: read.lastHash,
                                lastMonoMs: last?.monoMs ?? 0, lastWallMs: last?.wallMs ?? 0, wallClock: wallClock)
    }

    /// Append one event. `monoMs` is the active session time; it is clamped so it never goes
    /// backwards. Durable events are fsync'd before this returns.
    @discardableResult
    public func append(_ event: SessionEvent, monoMs: Int64) throws -> LogRecord {
        guard !closed else { throw LogWriteError(path: url.path, message: "the log is closed") }
        let record = LogRecord(seq: nextSeq, wallMs: wallClock(), monoMs: max(monoMs, lastMonoMs), event: event,
                               prev: lastHash)
        let line: String
        do {
            line = try record.encodedLine()
        } catch {
            throw LogWriteError(path: url.path, message: "cannot encode a \(event.type) record: \(error)")
        }
        var bytes = Array(line.utf8)
        let hash = SHA256.hex(bytes)
        bytes.append(0x0A)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                write(fd, buf.baseAddress.map { $0 + written }, buf.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw LogWriteError(path: url.path, message: "write failed: \(String(cString: strerror(errno)))")
            }
            written += n
        }
        if event.isDurable, fsync(fd) != 0 {
            throw LogWriteError(path: url.path, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
        nextSeq += 1
        lastHash = hash
        lastMonoMs = record.monoMs
        lastWallMs = record.wallMs
        return record
    }

    /// Nil when the file on disk still holds exactly the chain this writer wrote (or resumed):
    /// sound, as many records, ending in the line whose hash the writer holds. Otherwise what
    /// differs, in a few words. Reads the whole file; meant for the end of a session.
    public func changedOnDisk() -> String? {
        let read = SessionLogReader.read(url: url)
        if let issue = read.issues.first {
            let line = issue.line.map { "line \($0): " } ?? ""
            return "\(line)\(issue.message)"
        }
        if read.records.count != nextSeq {
            return "the file holds \(read.records.count) records, this session wrote \(nextSeq)"
        }
        if read.lastHash != lastHash {
            return "the records on disk are not the ones this session wrote (the hash chain was rewritten)"
        }
        return nil
    }

    /// Flush everything to disk.
    public func sync() throws {
        if fsync(fd) != 0 {
            throw LogWriteError(path: url.path, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Flush and close. Further appends fail.
    public func close() {
        guard !closed else { return }
        fsync(fd)
        closeDescriptor(fd)
        closed = true
    }

    private static func syncDirectory(_ dir: URL) {
        let dfd = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            closeDescriptor(dfd)
        }
    }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}

/// Where session logs live.
public enum SessionPaths {
    /// `ROOT/<study id>/<participant>.jsonl`. Both ids must be valid `Identifier`s.
    public static func logURL(root: URL, studyID: String, participant: String) -> URL {
        root.appendingPathComponent(studyID, isDirectory: true).appendingPathComponent("\(participant).jsonl")
    }

    /// Default root: `Sessions/` under the current directory.
    public static var defaultRoot: URL {
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Sessions", isDirectory: true)
    }
}
