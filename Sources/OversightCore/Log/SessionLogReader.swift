import Foundation

/// A problem found in a session log, printed as `PATH:LINE: message`.
public struct LogIssue: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The last line was cut off by a crash (expected after kill -9; the rest is sound).
        case truncatedTail
        /// A line is not a valid record.
        case corrupt
        /// The record is from a newer schema than this app knows.
        case newerSchema
        /// `seq` does not follow the previous record.
        case sequence
        /// `prev` does not match the previous line's hash: a line was edited, removed or inserted.
        case chain
        /// The file could not be read at all.
        case unreadable
    }
    public var path: String
    /// 1-based line number, nil for whole-file problems.
    public var line: Int?
    public var kind: Kind
    public var message: String

    public init(path: String, line: Int?, kind: Kind, message: String) {
        self.path = path
        self.line = line
        self.kind = kind
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// Everything read from one log.
public struct LogReadResult: Sendable {
    public var path: String
    public var records: [LogRecord]
    public var issues: [LogIssue]
    /// The last line was cut off (no newline and not a valid record).
    public var tornTail: Bool
    /// Byte length of the sound prefix of the file (through the newline of the last good line
    /// before any torn tail); a resumed writer truncates the file to this length.
    public var soundLength: Int
    /// SHA-256 of the last sound line (the `prev` of the next record).
    public var lastHash: String

    /// The first problem that is not a torn tail, if any.
    public var firstDamage: LogIssue? { issues.first { $0.kind != .truncatedTail } }

    /// Why a session cannot be continued from this log (unreadable or damaged), or nil. Checked
    /// before the participant is asked whether to resume.
    public var resumeRefusal: String? {
        if let bad = issues.first(where: { $0.kind == .unreadable }) { return bad.message }
        if let damage = firstDamage { return "cannot continue a damaged log: \(damage)" }
        return nil
    }
}

/// Reads session logs line by line, checking sequence numbers and the hash chain. Never throws
/// on bad content: every problem becomes a `LogIssue` and reading goes on with what is sound.
public enum SessionLogReader {
    /// Read a whole log into memory.
    public static func read(url: URL) -> LogReadResult {
        var records: [LogRecord] = []
        var result = forEach(url: url) { records.append($0) }
        result.records = records
        return result
    }

    /// Stream a log's records to `body` without keeping them; the result's `records` is empty.
    @discardableResult
    public static func forEach(url: URL, _ body: (LogRecord) throws -> Void) rethrows -> LogReadResult {
        let path = url.path
        var issues: [LogIssue] = []
        var torn = false
        var soundLength = 0
        var expectedSeq = 0
        var prevHash = LogRecord.genesis
        var lineNo = 0
        let decoder = JSONDecoder()

        guard let handle = FileHandle(forReadingAtPath: path) else {
            issues.append(LogIssue(path: path, line: nil, kind: .unreadable, message: "cannot open the log for reading"))
            return LogReadResult(path: path, records: [], issues: issues, tornTail: false, soundLength: 0,
                                 lastHash: prevHash)
        }
        defer { try? handle.close() }

        var pending = Data()
        var offset = 0  // bytes consumed before `pending`
        var eof = false
        while !eof || !pending.isEmpty {
            // Find the next newline; read more when needed.
            var nl = pending.firstIndex(of: 0x0A)
            while nl == nil && !eof {
                let chunk: Data
                do {
                    chunk = try handle.read(upToCount: 1 << 16) ?? Data()
                } catch {
                    issues.append(LogIssue(path: path, line: lineNo + 1, kind: .unreadable,
                                           message: "read failed: \(error.localizedDescription)"))
                    chunk = Data()
                }
                if chunk.isEmpty { eof = true } else {
                    let searchFrom = pending.endIndex
                    pending.append(chunk)
                    nl = pending[searchFrom...].firstIndex(of: 0x0A)
                }
            }
            let lineData: Data
            let hasNewline: Bool
            if let nl {
                lineData = pending[pending.startIndex..<nl]
                hasNewline = true
            } else {
                if pending.isEmpty { break }
                lineData = pending
                hasNewline = false
            }
            lineNo += 1
            let consumed = lineData.count + (hasNewline ? 1 : 0)
            let hash = SHA256.hex(lineData)
            defer {
                offset += consumed
                pending = hasNewline ? Data(pending[(pending.startIndex + consumed)...]) : Data()
            }
            if lineData.isEmpty {
                issues.append(LogIssue(path: path, line: lineNo, kind: .corrupt, message: "empty line"))
                continue
            }
            let record: LogRecord
            do {
                record = try decoder.decode(LogRecord.self, from: lineData)
            } catch let e as LogDecodingError {
                issues.append(LogIssue(path: path, line: lineNo, kind: e.newerSchema ? .newerSchema : .corrupt,
                                       message: e.message))
                prevHash = hash
                expectedSeq += 1
                continue
            } catch {
                if !hasNewline {
                    torn = true
                    issues.append(LogIssue(path: path, line: lineNo, kind: .truncatedTail,
                                           message: "last record is cut off (\(lineData.count) bytes); ignored"))
                } else {
                    issues.append(LogIssue(path: path, line: lineNo, kind: .corrupt,
                                           message: "not a valid record: \(describe(error))"))
                    prevHash = hash
                    expectedSeq += 1
                }
                continue
            }
            if record.seq != expectedSeq {
                issues.append(LogIssue(path: path, line: lineNo, kind: .sequence,
                                       message: "sequence number \(record.seq), expected \(expectedSeq)"))
            }
            if record.prev != prevHash {
                issues.append(LogIssue(path: path, line: lineNo, kind: .chain,
                                       message: "hash chain broken: prev does not match line \(lineNo - 1)"
                                           + " (a line was edited, removed or inserted)"))
            }
            expectedSeq = record.seq + 1
            prevHash = hash
            try body(record)
            if hasNewline { soundLength = offset + consumed }
        }
        return LogReadResult(path: path, records: [], issues: issues, tornTail: torn, soundLength: soundLength,
                             lastHash: prevHash)
    }

    /// A short reason from a decoding error (no Swift type dumps).
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return "wrong type for \"\(path)\""
        case DecodingError.dataCorrupted(let ctx):
            if ctx.codingPath.isEmpty { return "invalid JSON" }
            return "invalid value for \"\(ctx.codingPath.map(\.stringValue).joined(separator: "."))\""
        case let e as LogDecodingError: return e.message
        default: return "invalid JSON"
        }
    }
}

/// Checks a log's integrity for `oversight verify`.
public enum SessionLogVerifier {
    /// The outcome of verifying one log.
    public struct Report: Sendable {
        public var path: String
        public var records: Int
        public var issues: [LogIssue]
        /// No issues at all (a torn tail counts: the file is sound up to it, but not complete).
        public var ok: Bool { issues.isEmpty }
        /// The first bad line, if any.
        public var firstBad: LogIssue? { issues.first }
        /// Whether the session reached its end record.
        public var finished: Bool
    }

    /// Verify the log at `url`, handing each record read to `each` on the way (one pass for
    /// callers that also need what the log says).
    public static func verify(url: URL, each: (LogRecord) -> Void = { _ in }) -> Report {
        var count = 0
        var finished = false
        let r = SessionLogReader.forEach(url: url) { rec in
            count += 1
            if case .sessionEnd = rec.event { finished = true }
            each(rec)
        }
        var issues = r.issues
        if count == 0 && issues.isEmpty {
            issues.append(LogIssue(path: url.path, line: nil, kind: .corrupt, message: "the log holds no records"))
        }
        return Report(path: url.path, records: count, issues: issues, finished: finished)
    }
}
