import Foundation
import OversightCore

extension PowerDesign {
    /// One design per task that the study asks both unaided and assisted (the scorer compares
    /// the conditions within a task), in task order.
    public static func designs(of study: ResolvedStudy) -> [PowerDesign] {
        var unaided: [TaskKind: Int] = [:], assisted: [TaskKind: Int] = [:]
        for (block, questions) in zip(study.study.blocks, study.blocks) {
            for q in questions {
                if block.condition == .unaided { unaided[q.task, default: 0] += 1 } else { assisted[q.task, default: 0] += 1 }
            }
        }
        return TaskKind.allCases.sorted().compactMap { t in
            guard let u = unaided[t], let a = assisted[t], u > 0, a > 0 else { return nil }
            return PowerDesign(task: t, unaidedItems: u, assistedItems: a)
        }
    }
}

/// Estimates the power model's numbers from pilot logs.
public enum PowerPilot {
    /// Unaided accuracy, and the spread of participants and of items, of one task's answers.
    ///
    /// Method of moments on the probability scale, turned into logits with the slope of the
    /// logistic at the mean accuracy p (a difference dp is about dp / (p (1 - p)) logits):
    /// participant variance = variance of the participants' accuracies (each centred on its
    /// condition's mean) minus the binomial part mean(p (1 - p) / n_p); item variance likewise
    /// over the items. Negative variances count as 0. Nil when the pilot has fewer than 2
    /// participants or 2 items with unaided answers on the task.
    public static func estimate(_ d: Dataset, task: TaskKind) -> PowerModel? {
        let answers = d.answers.filter { $0.task == task }
        let unaided = answers.filter { $0.condition == .unaided }
        guard !unaided.isEmpty else { return nil }
        let base = Double(unaided.filter(\.correct).count) / Double(unaided.count)
        var condMean: [Condition: Double] = [:]
        for c in [Condition.unaided, .assisted] {
            let a = answers.filter { $0.condition == c }
            if !a.isEmpty { condMean[c] = Double(a.filter(\.correct).count) / Double(a.count) }
        }
        func spread(_ key: (Answer) -> Int32) -> (sd: Double, groups: Int)? {
            var sum: [Int32: Double] = [:], count: [Int32: Int] = [:]
            for a in answers {
                sum[key(a), default: 0] += (a.correct ? 1 : 0) - (condMean[a.condition] ?? 0)
                count[key(a), default: 0] += 1
            }
            guard sum.count >= 2 else { return nil }
            let means = sum.map { $0.value / Double(count[$0.key] ?? 1) }
            let m = means.reduce(0, +) / Double(means.count)
            let observed = means.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(means.count - 1)
            let pq = max(0.01, base * (1 - base))
            let binomial = count.values.reduce(0) { $0 + pq / Double($1) } / Double(count.count)
            return ((max(0, observed - binomial)).squareRoot() / pq, sum.count)
        }
        guard let people = spread({ $0.participant }), let items = spread({ $0.item }) else { return nil }
        let base3 = String(format: "%.3f", base)
        return PowerModel(unaidedAccuracy: min(0.99, max(0.01, base)), participantSD: min(3, people.sd),
                          itemSD: min(3, items.sd),
                          source: "pilot: \(people.groups) participants, \(items.groups) items, \(answers.count) answers "
                            + "(unaided accuracy \(base3), participant SD \(String(format: "%.2f", min(3, people.sd))), "
                            + "item SD \(String(format: "%.2f", min(3, items.sd))) logits)")
    }
}
