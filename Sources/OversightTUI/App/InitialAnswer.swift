import OversightCore

/// The two-stage question of blocks with `initial_answer = true`: the participant first answers
/// without the assistant (stage 1), then the chat opens and the question goes on to the final
/// answer (stage 2). One time limit covers both stages; when it runs out in stage 1 the
/// current choice is submitted as the final answer (timed out) and the assistant never opens.
extension AppCore {
    /// Enter in stage 1 with an option and a confidence chosen: log the initial answer. The
    /// chat opens when it is applied; nothing says whether the answer is right.
    static func submitInitial(_ s: inout AppState) -> [Effect] {
        guard s.awaitingInitialAnswer, let q = s.question, let choice = s.answer.choice,
              let level = s.answer.confidenceLevel, s.scale.indices.contains(level) else { return [] }
        s.notice = nil
        var effects = flushViewport(&s)
        effects.append(.appendLog(.initialSubmitted(InitialSubmission(
            questionID: q.id, choice: choice, confidence: s.scale[level],
            elapsedMs: max(0, s.nowMs - s.questionStartMs)))))
        return effects
    }

    /// Applying `initial_submitted`: stage 2 begins. The chosen option and confidence stay
    /// selected as the start of the final answer, and the chat takes the focus.
    static func applyInitialAnswer(_ s: inout AppState, _ initial: InitialSubmission) {
        guard s.phase == .question, s.question?.id == initial.questionID else { return }
        s.initialAnswer = initial
        s.notice = nil
        if s.isAssisted { s.focus = .chat }
    }
}

extension AppCore {
    /// The stage of a two-stage question for the status bar, nil on other questions.
    static func stageLabel(_ s: AppState) -> String? {
        guard s.phase == .question, s.context.initialAnswer(block: s.block) else { return nil }
        return s.awaitingInitialAnswer ? "Step 1/2: initial answer" : "Step 2/2: final answer"
    }

    /// The answer pane's title: which answer the pane takes on a two-stage question.
    static func answerTitle(_ s: AppState) -> String {
        guard s.phase == .question, s.context.initialAnswer(block: s.block) else { return "Your answer" }
        return s.awaitingInitialAnswer ? "Step 1 of 2: initial answer (no assistant yet)"
            : "Step 2 of 2: final answer (with the assistant)"
    }
}
