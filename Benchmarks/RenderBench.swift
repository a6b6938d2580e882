import ArgumentParser
import Foundation
import OversightCore
import OversightTUI
import TmuxSupport
#if canImport(Glibc)
import Glibc
#endif

/// `oversight-bench render`: frame cost of the participant screen on a heavy question (an
/// 8,000-word passage and a 100-message chat at 200x60), time to first frame, peak memory.
struct RenderBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Measure update+render time per frame, launch to first frame, and peak memory.",
        discussion: """
            Frames: the pure path the event loop runs for every event (update, apply the logged \
            events, render the whole CellGrid); painting through ncurses is not included. Three \
            workloads: passage scrolling, typing in the chat input, and streamed reply chunks. \
            Launch to first frame: the real `oversight run` binary (found next to this one) is \
            started in a private tmux server and the screen is polled every 2 ms until the first \
            frame shows; the cost of starting a trivial program the same way is measured too and \
            subtracted. Peak memory: VmHWM of this process and of the app.
            Targets: under 2 ms per frame (release), under 100 ms to first frame, under 50 MB.
            """
    )

    @Option(help: "Frames per workload.")
    var frames = 600

    @Option(help: "Words in the passage.")
    var words = 8000

    @Option(help: "Chat messages already in the transcript.")
    var messages = 100

    @Option(help: "Launches to time (0 skips the launch measurement).")
    var launches = 5

    @Option(help: "Folder for the launched app's session logs (default: a temporary folder). The app fsyncs its first records before the first frame, so the disk under this folder counts.")
    var logDir: String?

    @Flag(help: "Also time painting frames through ncurses into a 200x60 tmux pane.")
    var paint = false

    @Option(help: .hidden)
    var paintWorker: String?

    func run() throws {
        if let paintWorker { return try PaintTimer.worker(resultPath: paintWorker, frames: frames, words: words,
                                                          messages: messages) }
        let size = Size(cols: 200, rows: 60)
        let question = Self.question(words: words)
        var state = Self.loadedState(question: question, size: size, messages: messages)
        print("render benchmark: \(words)-word passage, \(messages)-message chat, \(size.cols)x\(size.rows)")

        // Warm up (first wrap of the passage is cached afterwards, as in the app).
        _ = AppCore.render(state, size: size)
        let firstRender = Self.time { _ = AppCore.render(state, size: size) }
        print(String(format: "  one render after warm-up: %.3f ms", firstRender))

        var scroll: [Double] = []
        Self.step(&state, .key(.function(2)))
        let scrollKeys: [Key] = [.pageDown, .pageDown, .down, .down, .pageUp, .down, .end, .home, .char("j"), .pageDown]
        for i in 0..<frames {
            let key = scrollKeys[i % scrollKeys.count]
            scroll.append(Self.time {
                Self.step(&state, .key(key))
                _ = AppCore.render(state, size: size)
            })
        }

        var typing: [Double] = []
        Self.step(&state, .key(.function(4)))
        let sentence = Array("Which part of the story mentions the storm at night? ")
        for i in 0..<frames {
            let key: Key = (i % 80 == 79) ? .ctrl("u") : .char(sentence[i % sentence.count])
            typing.append(Self.time {
                Self.step(&state, .key(key))
                _ = AppCore.render(state, size: size)
            })
        }

        var stream: [Double] = []
        let requestID = state.nextRequestID
        AppCore.apply(&state, .chatSent(questionID: question.id, requestID: requestID, text: "Summarise the story."),
                      monoMs: state.nowMs)
        for i in 0..<frames {
            stream.append(Self.time {
                Self.step(&state, .assistantChunk(requestID: requestID, .text("word\(i % 97) ")))
                _ = AppCore.render(state, size: size)
            })
        }

        for (name, samples) in [("scroll keys", scroll), ("typing", typing), ("stream chunks", stream)] {
            let sorted = samples.sorted()
            let label = name.padding(toLength: 14, withPad: " ", startingAt: 0)
            print("  \(label) " + String(format: "median %.3f ms  p95 %.3f ms  max %.3f ms  (%d frames)",
                         sorted[sorted.count / 2], sorted[sorted.count * 95 / 100],
                         sorted.last ?? 0, sorted.count))
        }
        let all = (scroll + typing + stream).sorted()
        print(String(format: "  all frames     median %.3f ms  (target < 2 ms)", all[all.count / 2]))
        print("  peak memory of this process (VmHWM): \(PeakMemory.kilobytes().map { "\($0 / 1024) MB" } ?? "n/a")")

        if launches > 0 {
            do {
                try LaunchTimer(words: words, launches: launches, logDir: logDir).run()
            } catch {
                print("  launch to first frame: not measured (\(error))")
            }
        }
        if paint {
            do {
                try PaintTimer.measure(frames: frames, words: words, messages: messages)
            } catch {
                print("  painting: not measured (\(error))")
            }
        }
    }

    /// One event through the serial path: update, then apply the logged events it asks for.
    static func step(_ state: inout AppState, _ event: AppEvent) {
        let effects = AppCore.update(&state, event)
        for effect in effects {
            if case .appendLog(let e) = effect { AppCore.apply(&state, e, monoMs: state.nowMs) }
        }
    }

    static func time(_ body: () -> Void) -> Double {
        var a = timespec(), b = timespec()
        clock_gettime(CLOCK_MONOTONIC, &a)
        body()
        clock_gettime(CLOCK_MONOTONIC, &b)
        return Double(b.tv_sec - a.tv_sec) * 1000 + Double(b.tv_nsec - a.tv_nsec) / 1_000_000
    }

    /// Prose of `words` words in paragraphs, deterministic.
    static func passageText(words: Int) -> String {
        let vocabulary = ["the", "keeper", "climbed", "stairs", "of", "lighthouse", "while", "storm", "rolled",
                          "across", "grey", "water", "and", "ships", "waited", "beyond", "reef", "night",
                          "lantern", "burned", "with", "steady", "light", "that", "sailors", "trusted", "many",
                          "years", "before", "anyone", "remembered", "old", "harbour", "town", "quiet", "winter"]
        var rng = SeededRandom(seed: 42)
        var out = ""
        out.reserveCapacity(words * 7)
        for i in 0..<words {
            let w = vocabulary[rng.below(vocabulary.count)]
            out += i % 14 == 0 ? w.capitalized : w
            out += i % 14 == 13 ? ". " : " "
            if i % 120 == 119 { out += "\n\n" }
        }
        return out
    }

    static func question(words: Int) -> Question {
        Question(id: "bench_q1", task: .quality, subject: "The Lighthouse",
                 text: "What does the keeper do when the storm arrives?",
                 options: ["He lights the lantern early", "He leaves for the town", "He signals the ships",
                           "He sleeps through the night"],
                 gold: 0, passage: Passage(id: "bench_story", title: "The Lighthouse", text: passageText(words: words)),
                 metadata: QuestionMetadata(difficult: true, source: "bench", line: 1, split: "dev"))
    }

    static func study(question: Question) -> Study {
        var assistant = AssistantConfig()
        assistant.provider = "simulated"
        let block = StudyBlock(condition: .assisted, bank: "bench", bankPath: "bench", questions: 1,
                               timeLimitSeconds: 300, line: 1)
        return Study(id: "bench", seed: 1, feedback: true, confidence: Study.defaultConfidence,
                     instructions: nil, blocks: [block], assistant: assistant, path: "bench.toml", hash: "")
    }

    /// A state on the question screen with `messages` chat messages in the transcript.
    static func loadedState(question: Question, size: Size, messages: Int) -> AppState {
        let context = StudyContext(study: study(question: question), blocks: [[question]], participant: "bench")
        var state = AppState(context: context, size: size)
        AppCore.apply(&state, .questionShown(QuestionShown(block: 0, index: 0, questionID: question.id,
                                                           task: .quality, subject: question.subject,
                                                           condition: .assisted, timeLimitMs: 300_000)), monoMs: 0)
        let reply = "The passage says the keeper lit the lantern before the storm reached the reef, "
            + "and that the ships beyond the harbour waited for the light. I could be wrong about the order "
            + "of events, so check the second part of the story."
        for i in 0..<(messages / 2) {
            let id = state.nextRequestID
            AppCore.apply(&state, .chatSent(questionID: question.id, requestID: id,
                                            text: "Question \(i + 1): what happens in part \(i + 1) of the story?"),
                          monoMs: Int64(i * 10))
            AppCore.apply(&state, .assistantReply(AssistantReply(questionID: question.id, requestID: id,
                                                                 text: reply, status: .complete,
                                                                 provider: "simulated", durationMs: 5)),
                          monoMs: Int64(i * 10 + 5))
        }
        return state
    }
}

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
