import ArgumentParser
import Foundation
import OversightCore
import OversightTUI
import TmuxSupport
#if canImport(Glibc)
import Glibc
#endif

/// Times `oversight run` from launch to its first frame in a private tmux server.
struct LaunchTimer {
    let words: Int
    let launches: Int
    let logDir: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func run() throws {
        let tmux = try TmuxServer(socketPrefix: "oversight-bench")
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let app = exe.deletingLastPathComponent().appendingPathComponent("oversight").path
        guard FileManager.default.isExecutableFile(atPath: app) else {
            throw Failure(description: "\(app) not built (swift build -c release --product oversight)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oversight-bench-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let question = RenderBench.question(words: words)
        let record: [String: Any] = [
            "article_id": "bench_story", "set_unique_id": "bench_set", "title": "The Lighthouse",
            "article": question.passage?.text ?? "",
            "questions": [["question": question.text, "question_unique_id": question.id, "options": question.options,
                           "gold_label": 1, "writer_label": 1, "difficult": 1]],
        ]
        let line = try JSONSerialization.data(withJSONObject: record) + Data("\n".utf8)
        try line.write(to: dir.appendingPathComponent("bench_dev.jsonl"))
        let study = dir.appendingPathComponent("bench.toml")
        try """
            [study]
            id = "bench"
            seed = 1
            feedback = true

            [[blocks]]
            condition = "assisted"
            bank = "bench_dev.jsonl"
            questions = 1
            time_limit_seconds = 300

            [assistant]
            provider = "simulated"
            """.write(to: study, atomically: true, encoding: .utf8)

        defer { tmux.shutdown() }
        // One session stays for the whole run, so the server is up before every timed launch and
        // killing a timed session never shuts it down (a new server would race the old one).
        let keep = try tmux.newSession("keep", cols: 80, rows: 24, command: ["sleep", "600"])
        guard keep == 0 else { throw Failure(description: "tmux new-session failed (\(keep))") }
        var baseline: [Double] = []
        var launch: [Double] = []
        var appPeakKB: [Int] = []
        for i in 0..<launches {
            baseline.append(try timeToScreen(tmux, session: "base\(i)",
                                             command: ["sh", "-c", "printf 'READY\\n'; exec sleep 60"], marker: "READY").ms)
            let logRoot = logDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? dir
            let sessions = logRoot.appendingPathComponent("oversight-bench-\(getpid())-Sessions-\(i)").path
            defer { try? FileManager.default.removeItem(atPath: sessions) }
            let result = try timeToScreen(tmux, session: "app\(i)",
                                          command: ["env", "LANG=C.UTF-8", "TERM=tmux-256color", app, "run",
                                                    "--study", study.path, "--participant", "bench\(i)",
                                                    "--sessions", sessions],
                                          marker: "What does the keeper do")
            launch.append(result.ms)
            if let kb = PeakMemory.kilobytes(pid: result.pid) { appPeakKB.append(kb) }
            _ = try? tmux.run(["kill-session", "-t", "app\(i)"])
            _ = try? tmux.run(["kill-session", "-t", "base\(i)"])
        }
        let b = baseline.sorted()[baseline.count / 2]
        let l = launch.sorted()[launch.count / 2]
        print(String(format: "  launch to first frame (median of %d): %.1f ms in tmux, %.1f ms for a trivial "
                     + "program started the same way, so about %.1f ms for the app (target < 100 ms)",
                     launches, l, b, max(0, l - b)))
        if let peak = appPeakKB.max() {
            print("  peak memory of the app at its first frame (VmHWM): \(peak / 1024) MB (target < 50 MB)")
        }
    }

    /// Starts `command` in a new detached 200x60 session and polls until `marker` is on screen.
    private func timeToScreen(_ tmux: TmuxServer, session: String, command: [String],
                              marker: String) throws -> (ms: Double, pid: pid_t?) {
        var start = Date()
        var status = try tmux.newSession(session, cols: 200, rows: 60, command: command)
        if status != 0 {
            // A server still starting or shutting down on this socket refuses now and then: retry once.
            usleep(200_000)
            start = Date()
            status = try tmux.newSession(session, cols: 200, rows: 60, command: command)
        }
        guard status == 0 else { throw Failure(description: "tmux new-session failed (\(status))") }
        let deadline = start.addingTimeInterval(10)
        while Date() < deadline {
            let screen = (try? tmux.capture(session)) ?? ""
            if screen.contains(marker) {
                let ms = Date().timeIntervalSince(start) * 1000
                return (ms, try? tmux.panePID(session))
            }
            usleep(2_000)
        }
        let screen = (try? tmux.capture(session)) ?? ""
        throw Failure(description: "no first frame within 10 s; screen:\n\(screen)")
    }
}
