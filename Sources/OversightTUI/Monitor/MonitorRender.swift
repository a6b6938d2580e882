import Foundation

/// Draws the monitor: a title, the counts, a header, one row per participant, a key line.
public enum MonitorRender {
    /// Rows above the first participant row.
    public static let headerRows = 3

    /// Columns: title and width (the last takes what is left).
    static let columns: [(String, Int)] = [
        ("PARTICIPANT", 17), ("STATUS", 12), ("BLOCK", 7), ("QUESTION", 10), ("ANSWERS", 9),
        ("ON QUESTION", 13), ("LAST EVENT", 0),
    ]

    /// The column a sort orders by.
    static func sortColumn(_ sort: MonitorSort) -> Int {
        switch sort {
        case .participant: 0
        case .status: 1
        case .answers: 4
        case .onQuestion: 5
        case .lastEvent: 6
        }
    }

    /// `42s`, `3m05s`, `2h07m`, `3d04h`.
    public static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m" + String(format: "%02ds", seconds % 60) }
        if seconds < 86_400 { return "\(seconds / 3600)h" + String(format: "%02dm", (seconds % 3600) / 60) }
        return "\(seconds / 86_400)d" + String(format: "%02dh", (seconds % 86_400) / 3600)
    }

    /// The cells of one row, in column order.
    public static func cells(_ r: MonitorRow) -> [String] {
        let status: String
        switch r.status {
        case .idle: status = r.secondsSinceLastEvent.map { "idle \(duration($0))" } ?? "idle"
        default: status = r.status.rawValue
        }
        let block = r.block.map { "\($0)/\(r.blocks)" } ?? "-"
        let question = r.question.map { q in r.questionsInBlock.map { "\(q)/\($0)" } ?? "\(q)" } ?? "-"
        let answers = "\(r.answers)/\(r.planned)"
        let onQuestion = r.secondsOnQuestion.map(duration) ?? "-"
        var last = r.lastEvent.map { e in r.secondsSinceLastNamedEvent.map { "\(e), \(duration($0)) ago" } ?? e } ?? "-"
        if r.badLines > 0 { last += " [\(r.badLines) unreadable line(s)]" }
        let name = r.simulated ? r.participant + " (sim)" : r.participant
        return [name, status, block, question, answers, onQuestion, last]
    }

    /// The counts line.
    public static func countsLine(_ s: MonitorState) -> String {
        let c = s.counts
        let n = s.tracks.count
        return "\(n) participant\(n == 1 ? "" : "s"): \(c[.active] ?? 0) active, \(c[.idle] ?? 0) idle, "
            + "\(c[.quit] ?? 0) quit, \(c[.finished] ?? 0) finished"
    }

    /// The whole frame. With `keys: false` (printing once) the key line is left out.
    public static func render(_ s: MonitorState, size: Size, keys: Bool = true) -> CellGrid {
        var canvas = Canvas(size: size)
        let w = size.cols
        canvas.text("oversight monitor: \(s.folder)", col: 0, row: 0, maxWidth: w, style: Style(.title, bold: true))
        canvas.text(countsLine(s), col: 0, row: 1, maxWidth: w)
        var x = 0
        for (i, (title, width)) in columns.enumerated() {
            let sorted = i == sortColumn(s.sort)
            let label = sorted ? title + "*" : title
            canvas.text(label, col: x, row: 2, maxWidth: width == 0 ? w - x : width - 1,
                        style: Style(sorted ? .selected : .title, bold: true))
            x += width
        }
        let rows = s.rows
        let body = keys ? max(0, size.rows - headerRows - 1) : max(0, size.rows - headerRows)
        let first = keys ? s.scroll : 0
        for (k, r) in rows.dropFirst(first).prefix(body).enumerated() {
            let style: Style
            switch r.status {
            case .active: style = .plain
            case .idle: style = Style(.warning)
            case .quit: style = Style(.danger)
            case .finished: style = Style(.success)
            }
            var col = 0
            for (i, text) in cells(r).enumerated() {
                let width = columns[i].1
                canvas.text(text, col: col, row: headerRows + k, maxWidth: width == 0 ? w - col : width - 1,
                            style: i == 1 ? style : .plain)
                col += width
            }
        }
        if keys, size.rows > headerRows {
            var line = "s: sort (\(s.sort.rawValue))  q: quit"
            if rows.count > body {
                line += "  up/down: scroll (\(min(rows.count, first + 1))-\(min(rows.count, first + body)) of \(rows.count))"
            }
            canvas.text(line, col: 0, row: size.rows - 1, maxWidth: w, style: Style(.dim))
        }
        return canvas.grid
    }

    /// The rows as the JSON array of `--once --format json`: keys `participant`, `status`,
    /// `block`, `question` (1-based, null before the first question), `answers`,
    /// `seconds_since_last_event` (null when the log has no record yet).
    public static func json(_ rows: [MonitorRow]) -> String {
        func str(_ s: String) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            let data = (try? encoder.encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        func num(_ i: Int?) -> String { i.map(String.init) ?? "null" }
        let objects = rows.map { r in
            "  {\"participant\": \(str(r.participant)), \"status\": \"\(r.status.rawValue)\", "
                + "\"block\": \(num(r.block)), \"question\": \(num(r.question)), \"answers\": \(r.answers), "
                + "\"seconds_since_last_event\": \(num(r.secondsSinceLastEvent))}"
        }
        return objects.isEmpty ? "[]\n" : "[\n" + objects.joined(separator: ",\n") + "\n]\n"
    }
}
