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

    /// One event through the serial path: update, then apply the logged events it asks for
    /// and their reactions.
    static func step(_ state: inout AppState, _ event: AppEvent) {
        run(&state, AppCore.update(&state, event))
    }

    static func run(_ state: inout AppState, _ effects: [Effect]) {
        for effect in effects {
            if case .appendLog(let e) = effect {
                AppCore.apply(&state, e, monoMs: state.nowMs)
                run(&state, AppCore.react(&state, applied: e))
            }
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
        assistant.provider = .simulated
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
