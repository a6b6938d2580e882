import Foundation
import OversightCore

/// The column the monitor's rows are sorted by; `s` cycles through them in this order.
public enum MonitorSort: String, Sendable, Equatable, CaseIterable {
    case participant
    /// Quit, idle, active, finished: the ones that need a look first.
    case status
    /// Fewest answers first.
    case answers
    /// Longest on the current question first.
    case onQuestion = "on question"
    /// Longest silent first.
    case lastEvent = "last event"

    /// The next column in the cycle.
    public var next: MonitorSort {
        let all = Self.allCases
        let i = all.firstIndex(of: self) ?? 0
        return all[(i + 1) % all.count]
    }
}

/// Everything the monitor's screen shows: one track per log, the time, the sort and the scroll.
public struct MonitorState: Sendable, Equatable {
    /// The folder watched (shown in the title).
    public var folder: String
    /// Tracks by log path.
    public var tracks: [String: MonitorTrack] = [:]
    /// Wall time now (ms since 1970), set by `.tick`.
    public var nowMs: Int64
    /// No record for longer than this (while not quit or finished) is `idle`.
    public var idleMs: Int64
    public var sort: MonitorSort = .participant
    /// First row shown (scrolling when there are more rows than fit).
    public var scroll = 0
    /// Rows that fit below the header at the last size (for paging).
    public var visibleRows = 20

    public init(folder: String, nowMs: Int64, idleSeconds: Int) {
        self.folder = folder
        self.nowMs = nowMs
        idleMs = Int64(idleSeconds) * 1000
    }

    /// The rows, sorted by the current column (participant id breaks ties).
    public var rows: [MonitorRow] {
        let rows = tracks.values.map { MonitorRow($0, nowMs: nowMs, idleMs: idleMs) }
        return rows.sorted { a, b in
            let order: (MonitorRow) -> [Int]
            switch sort {
            case .participant: order = { _ in [] }
            case .status:
                let rank: [MonitorStatus: Int] = [.quit: 0, .idle: 1, .active: 2, .finished: 3]
                order = { [rank[$0.status] ?? 4] }
            case .answers: order = { [$0.answers] }
            case .onQuestion: order = { [-($0.secondsOnQuestion ?? -1)] }
            case .lastEvent: order = { [-($0.secondsSinceLastEvent ?? Int.max / 2)] }
            }
            let ka = order(a), kb = order(b)
            if ka != kb { return ka.lexicographicallyPrecedes(kb) }
            if a.participant != b.participant { return a.participant < b.participant }
            return false
        }
    }

    /// How many rows have each status.
    public var counts: [MonitorStatus: Int] {
        var c: [MonitorStatus: Int] = [:]
        for t in tracks.values { c[t.status(nowMs: nowMs, idleMs: idleMs), default: 0] += 1 }
        return c
    }
}

/// What happens to the monitor.
public enum MonitorEvent: Sendable, Equatable {
    /// Records newly appended to `file` (read incrementally).
    case records(file: String, [LogRecord])
    /// Lines of `file` that could not be read as records.
    case badLines(file: String, count: Int)
    /// `file` became shorter than what was read (replaced or cut): it is read again from the start.
    case fileReset(file: String)
    /// `file` is gone.
    case fileRemoved(file: String)
    /// The clock.
    case tick(nowMs: Int64)
    case key(Key)
    case resize(Size)
}

/// What the monitor's driver must do.
public enum MonitorEffect: Sendable, Equatable {
    case quit
}

public enum MonitorCore {
    /// Applies one event to the state.
    public static func update(_ s: inout MonitorState, _ event: MonitorEvent) -> [MonitorEffect] {
        switch event {
        case .records(let file, let records):
            var t = s.tracks[file] ?? MonitorTrack(file: file)
            for r in records { t.apply(r) }
            s.tracks[file] = t
        case .badLines(let file, let count):
            s.tracks[file, default: MonitorTrack(file: file)].badLines += count
        case .fileReset(let file):
            s.tracks[file] = MonitorTrack(file: file)
        case .fileRemoved(let file):
            s.tracks[file] = nil
        case .tick(let now):
            s.nowMs = now
        case .resize(let size):
            s.visibleRows = max(1, size.rows - MonitorRender.headerRows - 1)
        case .key(let key):
            switch key {
            case .char("q"), .char("Q"), .escape, .ctrl("c"), .ctrl("d"): return [.quit]
            case .char("s"), .char("S"): s.sort = s.sort.next
            case .down, .char("j"): s.scroll += 1
            case .up, .char("k"): s.scroll -= 1
            case .pageDown, .char(" "): s.scroll += s.visibleRows
            case .pageUp: s.scroll -= s.visibleRows
            case .home: s.scroll = 0
            case .end: s.scroll = s.tracks.count
            default: break
            }
        }
        s.scroll = max(0, min(s.scroll, s.tracks.count - s.visibleRows))
        return []
    }
}
