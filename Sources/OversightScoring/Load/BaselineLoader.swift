import Foundation
import OversightCore

/// Turns baseline result files (read by the core's `BaselineResultReader`) into model runs.
enum BaselineLoader {
    /// Runs in order of first appearance, one per (convention, shots, provider, model, task).
    static func load(path: String, item: (ItemKey) -> Int32) -> ([ModelRun], [ScoreWarning]) {
        var warnings: [ScoreWarning] = []
        guard let lines = BaselineResultReader.lines(path: path) else {
            return ([], [ScoreWarning(path: path, line: nil, kind: .baseline, message: "cannot read the baseline file; skipped")])
        }
        struct Key: Hashable {
            var convention: String, shots: Int, provider: String, model: String, task: TaskKind
        }
        var runs: [ModelRun] = []
        var runIndex: [Key: Int] = [:]
        var seen: [Key: Set<String>] = [:]
        var listed = 0
        func warn(_ line: Int, _ message: String) {
            listed += 1
            if listed <= 10 { warnings.append(ScoreWarning(path: path, line: line, kind: .baseline, message: message)) }
        }
        for line in lines {
            let lineNo = line.number
            let r: BaselineResult
            switch line.result {
            case .success(let result): r = result
            case .failure(let problem):
                warn(lineNo, "not a valid baseline result (\(problem.reason)); skipped")
                continue
            }
            if let p = r.predicted, !(0...3).contains(p) {
                warn(lineNo, "predicted \(p) is not 0...3; skipped")
                continue
            }
            guard (0...3).contains(r.gold), (r.predicted == r.gold) == r.correct else {
                warn(lineNo, "\"correct\" disagrees with predicted and gold; skipped")
                continue
            }
            let key = Key(convention: r.convention, shots: r.shots, provider: r.provider, model: r.model, task: r.task)
            if seen[key, default: []].contains(r.questionID) {
                warn(lineNo, "question \(r.questionID) appears twice in one run; the first is kept")
                continue
            }
            seen[key, default: []].insert(r.questionID)
            var confidence: Double?
            if let probs = r.letterProbabilities, probs.count == 4, let p = r.predicted {
                let total = probs.reduce(0, +)
                if total > 0, probs.allSatisfy({ $0 >= 0 && $0.isFinite }) { confidence = probs[p] / total }
            }
            var answer = ModelAnswer(item: item(ItemKey(task: r.task, id: r.questionID)), correct: r.correct,
                                     confidence: confidence)
            answer.gold = Int8(r.gold)
            if r.convention.hasPrefix("judge-") {
                if let probs = r.probabilities, probs.count != 4 || probs.contains(where: { !(0...1).contains($0) }) {
                    warn(lineNo, "\"probabilities\" must be four numbers between 0 and 1; skipped")
                    continue
                }
                var data = ProtocolAnswer(probabilities: r.probabilities, rounds: r.rounds ?? 0, roles: r.roles ?? [],
                                          optionsShown: r.optionsShown ?? [])
                for s in r.speeches ?? [] {
                    data.addQuotes(role: s.role, verified: s.quotes.filter(\.verified).count, total: s.quotes.count)
                }
                answer.protocolData = data
                if let probs = r.probabilities, let p = r.predicted { answer.confidence = probs[p] }
            }
            if let i = runIndex[key] {
                runs[i].answers.append(answer)
            } else {
                runIndex[key] = runs.count
                runs.append(ModelRun(path: path, convention: r.convention, shots: r.shots, provider: r.provider,
                                     model: r.model, task: r.task, answers: [answer]))
            }
        }
        if listed > 10 {
            warnings.append(ScoreWarning(path: path, line: nil, kind: .baseline, message: "\(listed - 10) more bad line(s) not listed"))
        }
        if runs.isEmpty && listed == 0 {
            warnings.append(ScoreWarning(path: path, line: nil, kind: .baseline, message: "the baseline file holds no results"))
        }
        return (runs, warnings)
    }
}
