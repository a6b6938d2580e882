import OversightCore

extension AppCore {
    /// Draw the whole frame for `state` at `size`. Pure: the same state and size give the same
    /// grid (the only input besides the state is the size).
    public static func render(_ s: AppState, size: Size) -> CellGrid {
        var canvas = Canvas(size: size)
        guard size.cols > 0, size.rows > 0 else { return canvas.grid }
        if ScreenLayout.tooSmall(size) {
            Screens.tooSmall(size: size, into: &canvas)
            if s.overlay == .quitConfirm, size.cols >= 20, size.rows >= 6 { QuitDialog.render(size: size, into: &canvas) }
            return canvas.grid
        }
        var state = s
        state.size = size
        switch s.phase {
        case .starting:
            break
        case .instructions:
            StatusBar.render(StatusBarModel(position: "Instructions", remainingMs: nil, focus: nil, keys: []),
                             width: size.cols, row: 0, hintsRow: size.rows - 1, into: &canvas)
            Screens.instructions(s.context.study.instructions, top: s.instructionsTop, size: size, into: &canvas)
        case .question, .submitted:
            renderQuestion(state, size: size, into: &canvas)
        case .feedback:
            StatusBar.render(StatusBarModel(position: positionLabel(state), remainingMs: nil, focus: nil, keys: []),
                             width: size.cols, row: 0, hintsRow: size.rows - 1, into: &canvas)
            if let sub = s.lastSubmission, let q = s.context.question(block: sub.block, index: sub.index),
               sub.probabilities != nil {
                protocolFeedback(state, sub, question: q, size: size, into: &canvas)
            } else if let sub = s.lastSubmission, let q = s.context.question(block: sub.block, index: sub.index) {
                Screens.feedback(sub, question: q, scale: s.scale, size: size, into: &canvas)
            }
        case .finished:
            StatusBar.render(StatusBarModel(position: "Session complete", remainingMs: nil, focus: nil, keys: []),
                             width: size.cols, row: 0, hintsRow: size.rows - 1, into: &canvas)
            Screens.end(code: s.completionCode ?? "", logChanged: s.logChanged != nil, size: size, into: &canvas)
        }
        if let failure = s.logFailure {
            Screens.errorBanner("The session log cannot be written: \(failure). Answers are not accepted; "
                                + "please tell the study organiser. Ctrl-C quits.", size: size, into: &canvas)
        }
        switch s.overlay {
        case .help:
            canvas.grid.cursor = nil
            let protocolHelp = s.protocolQuestion.map { pq in
                HelpOverlay.protocolEntries(debate: pq.condition == .debate, showPassage: pq.settings.showPassage)
            }
            HelpOverlay.render(assisted: s.isAssisted && s.phase == .question, levels: s.scale.count,
                               lines: s.phase == .question ? protocolHelp : nil, twoStage: stageLabel(s) != nil,
                               size: size, into: &canvas)
        case .quitConfirm:
            canvas.grid.cursor = nil
            QuitDialog.render(size: size, into: &canvas)
        case nil:
            break
        }
        return canvas.grid
    }

    /// "Block 2/3 · Question 4/10 · Assisted".
    static func positionLabel(_ s: AppState) -> String {
        let blocks = s.context.blocks.count
        let qs = s.context.blocks.indices.contains(s.block) ? s.context.blocks[s.block].count : 0
        let cond = s.condition.rawValue.prefix(1).uppercased() + s.condition.rawValue.dropFirst()
        let stage = stageLabel(s).map { " · \($0)" } ?? ""
        return "Block \(s.block + 1)/\(blocks) · Question \(s.index + 1)/\(qs) · \(cond)\(stage)"
    }

    static func paneName(_ p: Pane, _ q: Question) -> String {
        switch p {
        case .passage: q.passage == nil ? "Question" : "Passage"
        case .answer: "Answer"
        case .chat: "Chat"
        }
    }

    static func keyHints(_ s: AppState) -> [(String, String)] {
        let common: [(String, String)] = [("Tab", "pane"), ("F1", "help"), ("Ctrl-C", "quit")]
        let zoom: [(String, String)] = [("F\(zoomKey)", s.zoomed ? "unzoom" : "zoom")]
        // F5 works from every pane of an assisted question, so its hint shows in each.
        let retry: [(String, String)] = canRetry(s) ? [("F5", "retry")] : []
        switch s.focus {
        case .passage:
            if s.passage.searchPrompt != nil { return [("Enter", "search"), ("Esc", "close")] }
            return [("↑↓/PgUp/PgDn", "scroll"), ("/", "search")] + zoom + [("n/N", "next/prev match")] + retry + common
        case .answer:
            return [("a-d", "option"), (AnswerPane.confidenceKeys(s.scale.count), "confidence"), ("Enter", "submit")]
                + zoom + retry + common
        case .chat:
            if s.pending != nil { return [("Esc", "cancel reply")] + zoom + [("Ctrl-R", "reset assistant")] + common }
            return [("Enter", "send")] + zoom + retry + [("Ctrl-R", "reset assistant"), ("PgUp/PgDn", "scroll chat")] + common
        }
    }

    static func renderQuestion(_ s: AppState, size: Size, into canvas: inout Canvas) {
        guard let q = s.question else { return }
        if let pq = s.protocolQuestion { return renderProtocol(s, pq, size: size, into: &canvas) }
        guard let layout = screenLayout(s, size: size) else { return }
        let focus = s.phase == .question ? s.focus : nil
        let zoomed = layout.zoomed == nil ? "" : ", zoomed"
        StatusBar.render(StatusBarModel(position: positionLabel(s), remainingMs: s.remainingMs,
                                        focus: focus.map { paneName($0, q) + zoomed }, keys: keyHints(s)),
                         width: size.cols, row: 0, hintsRow: size.rows - 1, into: &canvas)
        if layout.passage.width > 0 {
            let text = paneText(q)
            let lines = s.wrapCache.lines(text, width: PassageView.textWidth(inner: layout.passage.inner))
            PassageView.render(s.passage, text: text, lines: lines, title: paneTitle(q), focused: focus == .passage,
                               into: &canvas, rect: layout.passage)
        }
        if let chatRect = layout.chat, chatRect.width > 0 {
            let frame = Int(s.nowMs / typingFrameMs)
            let streaming = s.pending.map { p -> StreamingReply in
                var r = p.streaming
                r.waitedSeconds = Int(max(0, s.nowMs - p.startedMs) / 1000)
                return r
            }
            ChatView.render(s.chat, input: s.input, streaming: streaming, frame: frame,
                            focused: focus == .chat, notice: s.chatNotice, retryHint: canRetry(s),
                            questionHidden: !s.context.study.assistant.sendQuestion, into: &canvas, rect: chatRect)
        }
        guard layout.answer.width > 0 else { return }
        AnswerPane.render(question: q, answer: s.answer, scale: s.scale, showQuestion: q.task == .quality,
                          notice: s.notice, locked: s.logFailure != nil, focused: focus == .answer,
                          top: s.answerTop, title: answerTitle(s), into: &canvas, rect: layout.answer)
    }
}
