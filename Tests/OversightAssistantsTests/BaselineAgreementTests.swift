import Foundation
@testable import OversightAssistants
import OversightCore
import XCTest

/// `oversight baseline --convention likelihood` checked against the model itself: for real MMLU
/// validation questions, the letter distribution the command records must be the softmax of
/// the four letter tokens' logits that llama.cpp computes directly for the same chat prompt
/// (`scripts/letter_probabilities.py`, no server in between). Runs with the small model
/// (`scripts/setup-model.sh --small`) and the shared data (`../shared`, or the folder in
/// `OVERSIGHT_SHARED`); skips, saying which is missing, without them. The same check on another
/// model and sample: `OVERSIGHT_AGREEMENT_MODEL=qwen2.5-coder-1.5b-instruct-q4_k_m
/// OVERSIGHT_AGREEMENT_LIMIT=40`; with `OVERSIGHT_AGREEMENT_REUSE_PREFIX=1` the reference reads
/// the prompts in order keeping their common prefix, as the server does (for models whose
/// numbers depend on how a prompt was split into batches; see the script).
final class BaselineAgreementTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let environment = ProcessInfo.processInfo.environment
    static let model = environment["OVERSIGHT_AGREEMENT_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? "smollm2-135m-instruct-q4_1"
    static let limit = environment["OVERSIGHT_AGREEMENT_LIMIT"].flatMap { Int($0) }.map { max(1, $0) } ?? 24
    static let reusePrefix = environment["OVERSIGHT_AGREEMENT_REUSE_PREFIX"] == "1"

    /// `../shared` beside the project, or `$OVERSIGHT_SHARED`.
    static func sharedFolder() -> URL {
        if let env = environment["OVERSIGHT_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return root.deletingLastPathComponent().appendingPathComponent("shared")
    }

    func testLikelihoodEqualsLlamaCppLogitsOnRealMMLU() throws {
        if let problem = LocalModelServer.checkSetup(root: Self.root, model: Self.model) {
            throw XCTSkip("local model not set up: \(problem.message)")
        }
        let val = Self.sharedFolder().appendingPathComponent("data/mmlu/val")
        guard FileManager.default.fileExists(atPath: val.path) else {
            throw XCTSkip("no MMLU data at \(val.path) (set OVERSIGHT_SHARED to the shared folder)")
        }
        let binary = Self.root.appendingPathComponent(".build/debug/oversight")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("build the oversight product first (swift build --product oversight)")
        }
        let python = Self.root.appendingPathComponent(".venv/bin/python")
        let modelFile = LocalModelServer.modelFile(Self.model, root: Self.root)

        // 1. The command, as a user runs it.
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("agreement-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try runProcess(binary, ["baseline", "--bank", val.path, "--limit", String(Self.limit), "--seed", "3",
                                          "--model", Self.model, "--convention", "likelihood", "--out", out.path])
        XCTAssertEqual(run.status, 0, run.output)
        let results = try BaselineFile.load(out)
        XCTAssertEqual(results.count, Self.limit)

        // 2. The same user turns, straight through llama.cpp.
        let bank = Dictionary(try TaskBank.load(path: val.path).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var input = Data()
        for r in results {
            let q = try XCTUnwrap(bank[r.questionID], r.questionID)
            let line = try JSONSerialization.data(withJSONObject: ["id": r.questionID, "prompt": BaselinePrompt.prompt(q)])
            input.append(line)
            input.append(UInt8(ascii: "\n"))
        }
        let ref = try runProcess(python, [Self.root.appendingPathComponent("scripts/letter_probabilities.py").path,
                                          "--model", modelFile.path] + (Self.reusePrefix ? ["--reuse-prefix"] : []),
                                 input: input)
        XCTAssertEqual(ref.status, 0, ref.output)
        var reference: [String: [Double]] = [:]
        for line in ref.stdout.split(separator: "\n") {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
            reference[try XCTUnwrap(obj["id"] as? String)] = try XCTUnwrap(obj["probabilities"] as? [Double])
        }
        XCTAssertEqual(reference.count, results.count, ref.output)

        // 3. Same letter, probabilities within 0.01.
        var worst = 0.0
        var agree = 0
        for r in results {
            let want = try XCTUnwrap(reference[r.questionID], r.questionID)
            let got = try XCTUnwrap(r.letterProbabilities, "\(r.questionID): no letter probabilities")
            XCTAssertEqual(got.count, 4)
            for i in 0..<4 {
                worst = max(worst, abs(got[i] - want[i]))
                XCTAssertEqual(got[i], want[i], accuracy: 0.01, "\(r.questionID) letter \(Question.letters[i]): \(got) vs \(want)")
            }
            let best = try XCTUnwrap(LetterProbabilities.argmax(want))
            let runnerUp = want.enumerated().filter { $0.offset != best }.map(\.element).max() ?? 0
            // A tie to float precision may go either way; anything else must agree.
            if want[best] - runnerUp > 1e-4 {
                XCTAssertEqual(r.predicted, best, "\(r.questionID): \(got) vs \(want)")
            }
            if r.predicted == best { agree += 1 }
        }
        print("\(Self.model): baseline vs llama.cpp logits: \(agree)/\(results.count) same letter, largest difference \(String(format: "%.2g", worst)), \(results.filter(\.correct).count) correct")
    }

    private struct Ran {
        var status: Int32
        var stdout: String
        var output: String
    }

    private func runProcess(_ exe: URL, _ args: [String], input: Data? = nil) throws -> Ran {
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let input {
            // Written from another thread: a child that answers while reading must not block us.
            let writer = inPipe.fileHandleForWriting
            Thread {
                try? writer.write(contentsOf: input)
                try? writer.close()
            }.start()
        }
        let errData = Locked(Data())
        let t = Thread { errData.with { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        t.start()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let deadline = Date().addingTimeInterval(5)
        while t.isExecuting && Date() < deadline { usleep(10_000) }
        let stdout = String(decoding: o, as: UTF8.self)
        let stderr = String(decoding: errData.with { $0 }, as: UTF8.self)
        return Ran(status: p.terminationStatus, stdout: stdout, output: stdout + "\n" + stderr.suffix(2000))
    }
}
