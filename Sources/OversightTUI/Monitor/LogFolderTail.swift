import Foundation
import OversightCore

/// Follows the session logs of a study folder as they grow, read-only: it remembers how many
/// bytes of each log it has taken and reads only what was appended since. A last line without
/// its newline yet (a record being written, or cut off by a crash) is left for the next read.
/// Files are opened for reading only and never locked; `<log>.lock` side files and baseline
/// files (`baseline-*.jsonl`) are passed over.
public final class LogFolderTail {
    public let folder: URL
    /// Bytes taken so far, by log path.
    public private(set) var offsets: [String: Int] = [:]
    private let decoder = JSONDecoder()

    public init(folder: URL) {
        self.folder = folder
    }

    /// The session logs in the folder now, sorted.
    public func logPaths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { StudyFolderFile.kind(of: $0) == .sessionLog }
            .sorted().map { folder.appendingPathComponent($0).path }
    }

    /// Reads what was appended to every log since the last call, as monitor events.
    public func poll() -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        let paths = logPaths()
        for gone in offsets.keys.sorted() where !paths.contains(gone) {
            offsets[gone] = nil
            events.append(.fileRemoved(file: gone))
        }
        for path in paths { events += read(path) }
        return events
    }

    private func read(_ path: String) -> [MonitorEvent] {
        var events: [MonitorEvent] = []
        var offset = offsets[path] ?? 0
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              attrs[.type] as? FileAttributeType == .typeRegular,
              let size = (attrs[.size] as? NSNumber)?.intValue else { return [] }
        if size < offset {
            offset = 0
            events.append(.fileReset(file: path))
        }
        if offsets[path] == nil { events.append(.records(file: path, [])) }   // shown before its first record
        offsets[path] = offset
        guard size > offset, let handle = FileHandle(forReadingAtPath: path) else { return events }
        defer { try? handle.close() }
        let data: Data
        do {
            try handle.seek(toOffset: UInt64(offset))
            data = try handle.readToEnd() ?? Data()
        } catch {
            return events
        }
        let (lines, consumed) = Self.completeLines(data)
        offsets[path] = offset + consumed
        var records: [LogRecord] = []
        var bad = 0
        for line in lines {
            if let r = try? decoder.decode(LogRecord.self, from: line) { records.append(r) } else { bad += 1 }
        }
        if !records.isEmpty { events.append(.records(file: path, records)) }
        if bad > 0 { events.append(.badLines(file: path, count: bad)) }
        return events
    }

    /// The newline-terminated lines at the start of `data` (without their newlines), and how
    /// many bytes they take; bytes after the last newline are not taken.
    public static func completeLines(_ data: Data) -> (lines: [Data], consumed: Int) {
        guard let lastNL = data.lastIndex(of: 0x0A) else { return ([], 0) }
        let whole = data[data.startIndex...lastNL]
        let lines = whole.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Data($0) }
        return (lines, whole.count)
    }
}
