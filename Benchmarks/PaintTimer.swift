import ArgumentParser
import Foundation
import OversightCore
import OversightTUI
import TmuxSupport
#if canImport(Glibc)
import Glibc
#endif

/// Times painting whole frames through ncurses (erase, write every cell run, refresh), inside a
/// 200x60 tmux pane so the terminal output is really written and consumed.
enum PaintTimer {
    /// Starts this benchmark in paint-worker mode in tmux and prints what it measured.
    static func measure(frames: Int, words: Int, messages: Int) throws {
        let tmux = try TmuxServer(socketPrefix: "oversight-paint")
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let result = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-paint-\(getpid()).txt")
        defer { try? FileManager.default.removeItem(at: result) }
        defer { tmux.shutdown() }
        let status = try tmux.newSession("paint", cols: 200, rows: 60, command: [
            "env", "LANG=C.UTF-8", "TERM=tmux-256color", exe, "render", "--paint-worker", result.path,
            "--frames", String(frames), "--words", String(words), "--messages", String(messages),
        ])
        guard status == 0 else { throw LaunchTimer.Failure(description: "tmux new-session failed (\(status))") }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if let text = try? String(contentsOf: result, encoding: .utf8), text.hasSuffix("\n") {
                print("  " + text.trimmingCharacters(in: .whitespacesAndNewlines))
                return
            }
            usleep(50_000)
        }
        throw LaunchTimer.Failure(description: "the paint worker wrote no result within 120 s")
    }

    /// Paint-worker mode: runs on the tmux pane's terminal and writes one result line.
    static func worker(resultPath: String, frames: Int, words: Int, messages: Int) throws {
        let question = RenderBench.question(words: words)
        let terminal = NcursesTerminal()
        try terminal.start(noColor: false)
        let size = terminal.size
        var state = RenderBench.loadedState(question: question, size: size, messages: messages)
        RenderBench.step(&state, .key(.function(2)))
        let keys: [Key] = [.pageDown, .down, .pageDown, .up, .home, .end, .pageUp]
        var samples: [Double] = []
        for i in 0..<frames {
            RenderBench.step(&state, .key(keys[i % keys.count]))
            let grid = AppCore.render(state, size: size)
            samples.append(RenderBench.time { terminal.paint(grid) })
        }
        terminal.stop()
        let sorted = samples.sorted()
        let line = String(format: "painting through ncurses at %dx%d: median %.3f ms  p95 %.3f ms  (%d frames, "
                          + "not included above)\n", size.cols, size.rows, sorted[sorted.count / 2],
                          sorted[sorted.count * 95 / 100], sorted.count)
        let temp = resultPath + ".tmp"
        try line.write(toFile: temp, atomically: false, encoding: .utf8)
        _ = rename(temp, resultPath)
    }
}
