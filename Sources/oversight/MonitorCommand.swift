import ArgumentParser
import Foundation
import OversightCore
import OversightTUI

/// `oversight monitor`: a live, read-only view of a study's session logs.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch a study's participants live, from their session logs (read-only).",
        discussion: """
            Shows one row per session log in a study folder (Sessions/<study>/): status, block \
            and question, answers so far, time on the current question and the last event, \
            with counts at the top, refreshed every half second as the logs grow (only what was \
            appended is read). s cycles the sort column, up/down scroll, q quits. Status: \
            finished (session_end), quit (the last run ended with a quit record), idle (no \
            record for more than --idle-seconds), active. A running session writes a heartbeat \
            every second while a question is on screen, so silence there means the program \
            stopped or hangs; on the instructions and feedback screens nothing is written \
            until a key, so idle there means no key for that long. The monitor only reads: it \
            never locks, creates or changes a file. --once prints the table (or, with --format \
            json, an array of objects with participant, status, block, question, answers, \
            seconds_since_last_event; block and question 1-based, null before the first \
            question) and exits.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Argument(help: "A study folder of session logs (Sessions/<study>).")
    var folder: String

    @Flag(help: "Print the table once and exit (no terminal needed).")
    var once = false

    @Option(help: "Output of --once: text or json.")
    var format: Format = .text

    @Option(name: .customLong("idle-seconds"), help: "Seconds without any record after which a session is idle.")
    var idleSeconds: Int = 15

    func validate() throws {
        if !(1...86_400).contains(idleSeconds) { throw ValidationError("--idle-seconds must be between 1 and 86400") }
        if format != .text && !once { throw ValidationError("--format is only used with --once") }
    }

    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("oversight monitor: \(message)\n".utf8))
        return ExitCode(2)
    }

    func run() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir) else {
            throw fail("\(folder): no such folder")
        }
        guard isDir.boolValue else { throw fail("\(folder): not a folder (give the study folder, Sessions/<study>)") }
        let tail = LogFolderTail(folder: URL(fileURLWithPath: folder, isDirectory: true))
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        var state = MonitorState(folder: folder, nowMs: now, idleSeconds: idleSeconds)
        if once {
            for e in tail.poll() { _ = MonitorCore.update(&state, e) }
            switch format {
            case .json: print(MonitorRender.json(state.rows), terminator: "")
            case .text:
                let grid = MonitorRender.render(state, size: Size(cols: 120, rows: MonitorRender.headerRows + state.tracks.count),
                                                keys: false)
                print(grid.plainLines().joined(separator: "\n"))
            }
            return
        }
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            throw fail("the live view needs an interactive terminal; use --once (with --format json) in scripts")
        }
        let session = MonitorScreenSession(state: state, tail: tail)
        let driver = TerminalDriver(noColor: NcursesTerminal.colorDisabled(environment: ProcessInfo.processInfo.environment))
        do {
            _ = try driver.run(session)
        } catch let error as TerminalError {
            throw fail("\(error)")
        }
    }
}
