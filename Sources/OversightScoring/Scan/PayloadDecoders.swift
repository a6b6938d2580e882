import Foundation
import OversightCore

/// The payload decoders of the scanner: from a record's `data` object to what scoring needs.
extension SessionScanner {
    static func qid(_ p: inout JSONCursor) throws -> QID {
        p.skipWhitespace()
        let (s, l, escaped) = try p.stringSpan()
        if escaped { return .decoded(Array(try JSONCursor.unescape(UnsafeBufferPointer(start: p.base + s, count: l)).utf8)) }
        return .span(p.base + s, l)
    }

    /// The event of a record of type `type` (a span of the line) with just what scoring needs.
    /// Every `EventKind` is known; the kinds scoring does not look into are checked to hold a
    /// JSON value and skipped.
    static func event(type: (Int, Int), cursor c: JSONCursor, payload: inout JSONCursor, lineNo: Int) throws -> Event {
        guard let kind = EventKind(utf8: c.base + type.0, count: type.1) else {
            let name = String(decoding: UnsafeBufferPointer(start: c.base + type.0, count: type.1), as: UTF8.self)
            throw ScanError("unknown event type \"\(name)\"")
        }
        switch kind {
        case .submitted: return .submitted(try Self.submission(&payload, lineNo: lineNo))
        case .chatSent:
            var qid: QID?
            var chars: Int?
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) }
                else if p.key(ks, kl, is: "text") { chars = try p.stringScalarCount() }
                else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            guard let chars else { throw ScanError("missing field \"data.text\"") }
            return .chat(qid, chars)
        case .assistantReply:
            var qid: QID?
            var ttft: Int64?
            var speech: SpeechQuotes?
            var complete = false
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) }
                else if p.key(ks, kl, is: "ttft_ms") { ttft = try p.optionalInt() }
                else if p.key(ks, kl, is: "role") {
                    let s = try p.string()
                    guard let r = ProtocolRole(rawValue: s) else { throw ScanError("unknown role \"\(s)\"") }
                    var quotes = speech ?? SpeechQuotes(role: nil, verified: 0, total: 0)
                    quotes.role = r
                    speech = quotes
                } else if p.key(ks, kl, is: "quotes") {
                    var verified = 0, total = 0
                    try p.array { p in
                        total += 1
                        try p.object { p, ks, kl in
                            if p.key(ks, kl, is: "verified") { if try p.bool() { verified += 1 } } else { try p.skipValue() }
                        }
                    }
                    var s = speech ?? SpeechQuotes(role: nil, verified: 0, total: 0)
                    s.verified = verified
                    s.total = total
                    speech = s
                } else if p.key(ks, kl, is: "round") {
                    var s = speech ?? SpeechQuotes(role: nil, verified: 0, total: 0)
                    s.round = Int(try p.int())
                    speech = s
                } else if p.key(ks, kl, is: "status") {
                    complete = try p.string() == ReplyStatus.complete.rawValue
                } else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            speech?.complete = complete
            return .reply(qid, ttft, speech)
        case .questionShown:
            // One pass, as costly as skipping the payload: the question id is kept as a span.
            var qid: QID?
            var roles: [RoleAssignment] = []
            var shown: [Int] = []
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) }
                else if p.key(ks, kl, is: "roles") {
                    try p.array { p in roles.append(try Self.roleAssignment(&p)) }
                } else if p.key(ks, kl, is: "options_shown") {
                    try p.array { p in
                        let o = try p.int()
                        guard (0...3).contains(o) else { throw ScanError("\"data.options_shown\" holds \(o), not 0...3") }
                        shown.append(Int(o))
                    }
                } else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            return roles.isEmpty && shown.isEmpty ? .other : .shown(qid, roles, shown)
        case .roundStarted:
            var qid: QID?
            var round: Int64?
            var speeches = 0
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) }
                else if p.key(ks, kl, is: "round") { round = try p.int() }
                else if p.key(ks, kl, is: "request_ids") { try p.array { p in _ = try p.int(); speeches += 1 } }
                else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            guard let round, (1...10_000).contains(round) else { throw ScanError("\"data.round\" missing or out of range") }
            return .round(qid, Int(round), speeches: speeches)
        case .assistantReset:
            var qid: QID?
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) } else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            return .reset(qid)
        case .judgment:
            // Only the prior (round 0) is kept: it is the answer before any argument, the
            // initial answer of a consultancy or debate question for the reliance measures.
            var qid: QID?
            var round: Int64?
            var probabilities: [Double] = []
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) }
                else if p.key(ks, kl, is: "round") { round = try p.int() }
                else if p.key(ks, kl, is: "probabilities") { try p.array { p in probabilities.append(try p.double()) } }
                else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            guard round == 0 else { return .other }
            guard probabilities.count == 4, probabilities.allSatisfy({ (0...1).contains($0) }) else {
                throw ScanError("\"data.probabilities\" must be four numbers between 0 and 1")
            }
            // Its most likely option (none on a tie), with that probability as its confidence.
            guard let choice = JudgmentScale.answer(probabilities) else { return .other }
            return .initial(qid, choice: choice, confidence: Int((probabilities[choice] * 100).rounded()))
        case .initialSubmitted:
            var qid: QID?
            var choice: Int64?, confidence: Int64?
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "question_id") { qid = try Self.qid(&p) }
                else if p.key(ks, kl, is: "choice") { choice = try p.int() }
                else if p.key(ks, kl, is: "confidence") { confidence = try p.int() }
                else { try p.skipValue() }
            }
            guard let qid else { throw ScanError("missing field \"data.question_id\"") }
            guard let choice, (0...3).contains(choice) else { throw ScanError("\"data.choice\" missing or not 0...3") }
            guard let confidence, (0...100).contains(confidence) else {
                throw ScanError("\"data.confidence\" missing or not a percent")
            }
            return .initial(qid, choice: Int(choice), confidence: Int(confidence))
        case .sessionStart: return .start(try Self.start(&payload, lineNo: lineNo))
        case .sessionEnd:
            var code: String?
            try payload.object { p, ks, kl in
                if p.key(ks, kl, is: "completion_code") { code = try p.string() } else { try p.skipValue() }
            }
            return .end(code)
        default:
            try payload.skipValue()
            return .other
        }
    }

    /// `{"role": ..., "option": 0-3}` of `question_shown.roles`.
    static func roleAssignment(_ p: inout JSONCursor) throws -> RoleAssignment {
        var role: ProtocolRole?, option: Int64?
        try p.object { p, ks, kl in
            if p.key(ks, kl, is: "role") {
                let s = try p.string()
                guard let r = ProtocolRole(rawValue: s) else { throw ScanError("unknown role \"\(s)\"") }
                role = r
            } else if p.key(ks, kl, is: "option") { option = try p.int() }
            else { try p.skipValue() }
        }
        guard let role, let option, (0...3).contains(option) else {
            throw ScanError("\"data.roles\" entry needs a role and an option 0...3")
        }
        return RoleAssignment(role: role, option: Int(option))
    }

    static func submission(_ p: inout JSONCursor, lineNo: Int) throws -> RawAnswer {
        var qid: String?, subject: String?, task: TaskKind?, condition: Condition?
        var block: Int64?, index: Int64?, choice: Int64?, confidence: Int64?, gold: Int64?
        var correct: Bool?, timedOut: Bool?, elapsed: Int64?
        var probabilities: [Double]?
        try p.object { p, ks, kl in
            if p.key(ks, kl, is: "question_id") { qid = try p.string() }
            else if p.key(ks, kl, is: "subject") { subject = try p.string() }
            else if p.key(ks, kl, is: "task") {
                let s = try p.string()
                guard let k = TaskKind(rawValue: s) else { throw ScanError("unknown task \"\(s)\"") }
                task = k
            } else if p.key(ks, kl, is: "condition") {
                let s = try p.string()
                guard let k = Condition(rawValue: s) else { throw ScanError("unknown condition \"\(s)\"") }
                condition = k
            } else if p.key(ks, kl, is: "block") { block = try p.int() }
            else if p.key(ks, kl, is: "index") { index = try p.int() }
            else if p.key(ks, kl, is: "choice") { choice = try p.optionalInt() }
            else if p.key(ks, kl, is: "confidence") { confidence = try p.optionalInt() }
            else if p.key(ks, kl, is: "gold") { gold = try p.int() }
            else if p.key(ks, kl, is: "correct") { correct = try p.bool() }
            else if p.key(ks, kl, is: "timed_out") { timedOut = try p.bool() }
            else if p.key(ks, kl, is: "elapsed_ms") { elapsed = try p.int() }
            else if p.key(ks, kl, is: "probabilities") {
                var values: [Double] = []
                try p.array { p in values.append(try p.double()) }
                probabilities = values
            } else { try p.skipValue() }
        }
        guard let qid else { throw ScanError("missing field \"data.question_id\"") }
        guard let subject else { throw ScanError("missing field \"data.subject\"") }
        guard let task else { throw ScanError("missing field \"data.task\"") }
        guard let condition else { throw ScanError("missing field \"data.condition\"") }
        guard let block, let index else { throw ScanError("missing field \"data.block\" or \"data.index\"") }
        guard (0...100_000).contains(block), (0...10_000_000).contains(index) else {
            throw ScanError("\"data.block\" or \"data.index\" out of range")
        }
        guard let gold, (0...3).contains(gold) else { throw ScanError("\"data.gold\" missing or not 0...3") }
        guard let correct else { throw ScanError("missing field \"data.correct\"") }
        guard let timedOut else { throw ScanError("missing field \"data.timed_out\"") }
        guard let elapsed else { throw ScanError("missing field \"data.elapsed_ms\"") }
        if let choice, !(0...3).contains(choice) { throw ScanError("\"data.choice\" is not 0...3") }
        if let confidence, !(0...100).contains(confidence) { throw ScanError("\"data.confidence\" is not a percent") }
        // The stored `correct` must agree with choice and gold: a mismatch is a corrupt record.
        let recomputed = choice.map { Int64($0) == gold } ?? false
        if recomputed != correct { throw ScanError("\"data.correct\" disagrees with choice and gold") }
        if let probabilities, probabilities.count != 4 || probabilities.contains(where: { !(0...1).contains($0) }) {
            throw ScanError("\"data.probabilities\" must be four numbers between 0 and 1")
        }
        var answer = RawAnswer(questionID: qid, subject: subject, block: Int(block), index: Int(index), task: task,
                         condition: condition, choice: choice.map { Int($0) }, confidence: confidence.map { Int($0) },
                         gold: Int(gold), correct: correct, timedOut: timedOut, elapsedMs: elapsed, turns: 0,
                         resets: 0, charsSent: 0, ttftMs: [], line: lineNo)
        if condition.isProtocol { answer.protocolData = ProtocolAnswer(probabilities: probabilities) }
        return answer
    }

    static func start(_ p: inout JSONCursor, lineNo: Int) throws -> SessionStartInfo {
        var study: String?, hash: String?, participant: String?, session: String?
        var scale: [Int] = []
        var planned = 0
        var provider = "", model: String?
        var simulated = false
        var arm: Int?
        try p.object { p, ks, kl in
            if p.key(ks, kl, is: "study_id") { study = try p.string() }
            else if p.key(ks, kl, is: "simulated") { simulated = try p.bool() }
            else if p.key(ks, kl, is: "arm") { arm = Int(try p.int()) }
            else if p.key(ks, kl, is: "assistant_provider") { provider = try p.string() }
            else if p.key(ks, kl, is: "assistant_model") { model = try p.optionalString() }
            else if p.key(ks, kl, is: "study_hash") { hash = try p.string() }
            else if p.key(ks, kl, is: "participant") { participant = try p.string() }
            else if p.key(ks, kl, is: "session_id") { session = try p.string() }
            else if p.key(ks, kl, is: "confidence") {
                try p.array { p in scale.append(Int(try p.int())) }
            } else if p.key(ks, kl, is: "blocks") {
                try p.array { p in
                    try p.object { p, ks, kl in
                        if p.key(ks, kl, is: "question_ids") {
                            try p.array { p in
                                try p.skipValue()
                                planned += 1
                            }
                        } else {
                            try p.skipValue()
                        }
                    }
                }
            } else {
                try p.skipValue()
            }
        }
        guard let study else { throw ScanError("missing field \"data.study_id\"") }
        guard let hash else { throw ScanError("missing field \"data.study_hash\"") }
        guard let participant else { throw ScanError("missing field \"data.participant\"") }
        guard let session else { throw ScanError("missing field \"data.session_id\"") }
        return SessionStartInfo(studyID: study, studyHash: hash, participant: participant, sessionID: session,
                                scale: scale, planned: planned, line: lineNo,
                                assistant: AssistantName(provider: provider, model: model), simulated: simulated,
                                arm: arm)
    }
}
