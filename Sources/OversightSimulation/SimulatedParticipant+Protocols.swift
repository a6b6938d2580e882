import Foundation
import OversightAssistants
import OversightCore
import OversightTUI

extension SimulatedParticipant.Driver {
    /// A consultancy or debate question, played with the keys a judge presses: the prior in
    /// the judgment pane and Enter; each round's speeches streamed from the study's assistant
    /// (told its role, so the simulated assistant plays it); the judgment moved after each
    /// round (`SimulatedJudge`); another round (`n`, or a remark sent from the speeches pane)
    /// while unsure; then the final distribution and `e`. The runtime writes the records the
    /// screen writes for a person.
    mutating func protocolQuestion() async {
        let here = position
        guard let q = runtime.state.question, let first = runtime.state.protocolQuestion else {
            advance(1000)
            return
        }
        let judge = SimulatedJudge()
        var logits = judge.prior(count: first.shown.count, rng: &rng)
        var updatedThrough = 0
        var retries = 0
        var steps = 0
        while samePosition(here), runtime.outcome == .running, runtime.lastLogError == nil, steps < 500 {
            steps += 1
            guard let pq = runtime.state.protocolQuestion else { break }
            switch pq.stage {
            case .prior:
                key(.function(3))
                state(SimulatedJudge.percents(logits))
                advance(Int64(1000 * policy.readSeconds))
                key(.enter)
            case .speaking:
                await streamSpeeches(here, question: q)
            case .broken:
                retries += 1
                guard retries <= 3 else {
                    // The assistant keeps failing: let the time limit (if any) end the question.
                    advance(10_000)
                    return
                }
                advance(2000)
                key(.function(5))
            case .judging:
                for r in pq.rounds where r.isComplete && r.number > updatedThrough {
                    let speeches = r.requestIDs.compactMap { r.replies[$0] }
                    logits = judge.update(logits, shown: pq.shown, roles: pq.roles, speeches: speeches, rng: &rng)
                    updatedThrough = r.number
                    advance(Int64(1000 * policy.readSeconds) * Int64(max(1, speeches.count)))
                }
                let percents = SimulatedJudge.percents(logits)
                key(.function(3))
                if judge.wantsAnotherRound(percents, heard: pq.roundsHeard, settings: pq.settings) && pq.canContinue {
                    state(percents)
                    if pq.condition == .consultancy || rng.unit() < 0.5 {
                        let remark = SimulatedJudge.remarks[rng.below(SimulatedJudge.remarks.count)]
                        key(.function(4))
                        for c in remark { key(.char(c)) }
                        advance(Int64(remark.count) * 200)
                        messages += 1
                        key(.enter)
                    } else {
                        key(.char("n"))
                    }
                } else {
                    state(SimulatedJudge.decisive(percents, logits: logits))
                    advance(2000)
                    key(.char("e"))
                    if samePosition(here) {
                        // Refused (a tie left, or too few rounds): let time move on and look again.
                        advance(1000)
                    }
                }
            }
        }
        if case .submitted(let sub)? = lastSubmission(q.id) {
            answers += 1
            if sub.correct { correct += 1 }
            if sub.timedOut { timedOut += 1 }
        }
    }

    /// Set the judgment pane (focused) to `target` (percent per shown option, screen order)
    /// with its keys: select an option by its letter, raise or lower it a step at a time.
    func state(_ target: [Int]) {
        var guardSteps = 0
        while guardSteps < 200 {
            guardSteps += 1
            let draft = runtime.state.judge.draft
            let current = draft.percents
            guard current.count == target.count, current != target else { break }
            let deficit = current.indices.map { target[$0] - current[$0] }
            // Lower the option most above its target: its step goes to the option holding the
            // least, usually the one most below; with two options one key moves both.
            let over = deficit.indices.min { deficit[$0] < deficit[$1] } ?? 0
            let under = deficit.indices.max { deficit[$0] < deficit[$1] } ?? 0
            let letters: [Character] = ["a", "b", "c", "d"]
            let taker = current.indices.filter { $0 != over }.min { current[$0] < current[$1] || (current[$0] == current[$1] && $0 < $1) }
            if taker == under || current.count == 2 {
                key(.char(letters[over]))
                key(.char("-"))
            } else {
                key(.char(letters[under]))
                key(.char("+"))
            }
            if runtime.state.judge.draft.percents == current { break }   // the pane took no step
        }
    }

    /// Stream every open speech of the current round from the assistant, one after the other
    /// (the screen shows none until all are in, so the order changes nothing on it).
    mutating func streamSpeeches(_ here: (Phase, Int, Int), question q: Question) async {
        guard let round = runtime.state.protocolQuestion?.rounds.last else { return }
        for id in round.requestIDs where runtime.state.protocolQuestion?.open(request: id) != nil {
            guard samePosition(here), let started = recorder.requests.last(where: { $0.requestID == id }) else {
                advance(1000)
                return
            }
            let request = AssistantRequest(id: id, messages: started.messages, question: q,
                                           speech: AppCore.speechRequest(runtime.state, id: id))
            _ = await feed(request, at: here) { $0.protocolQuestion?.open(request: id) != nil }
            guard samePosition(here) else { return }
        }
        if runtime.state.protocolQuestion?.stage == .speaking { advance(200) }
    }
}
