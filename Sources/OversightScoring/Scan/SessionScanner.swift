import Foundation
import OversightCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams one session log: checks each line's schema version, sequence number and hash chain
/// (the same checks as `SessionLogReader`), and keeps only what scoring needs. Lines are hashed
/// and parsed straight from a read buffer; nothing of the file is kept but the answers.
///
/// At the first broken hash link (line L's `prev` is not the hash of line L-1), line L-1 (the
/// line an edit changes) and everything after it are not scored, unless `keepDamaged`.
struct SessionScanner {
    /// At most this many warnings of one kind are listed per file; the rest are counted.
    static let warningsPerKind = 5

    private var scan: SessionScan
    private let keepDamaged: Bool
    /// What applying the last record did, so a broken link on the next line can undo it.
    private enum Applied { case nothing, answer, start, end }
    private var lastApplied = Applied.nothing
    private var previousApplied = Applied.nothing
    private var droppedAnswers = 0
    /// Past the first broken link with `keepDamaged` off: records are checked, not scored.
    private var dropping: Bool { scan.brokenLink != nil && !keepDamaged }
    private var expectedSeq = 0
    private var prevHash = [UInt8](repeating: 0x30, count: 64)  // 64 zeros: the genesis hash
    private var lineHash = [UInt8](repeating: 0, count: 64)
    /// Chat counters of questions other than the current one (rare: chats come per question).
    private var perQuestion: [String: Counters] = [:]
    /// The question the last chat event was about, and its counters.
    private var currentQID: [UInt8] = []
    private var current = Counters()
    private var hasCurrent = false

    /// Make `q` the current question (its counters in `current`), looking it up only when it changes.
    private mutating func select(_ q: QID) {
        let same: Bool
        switch q {
        case .span(let p, let n):
            same = hasCurrent && n == currentQID.count && currentQID.withUnsafeBufferPointer { c in
                guard let cb = c.baseAddress else { return n == 0 }
                return memcmp(cb, p, n) == 0
            }
        case .decoded(let bytes):
            same = hasCurrent && bytes == currentQID
        }
        if same { return }
        if hasCurrent { perQuestion[String(decoding: currentQID, as: UTF8.self)] = current }
        switch q {
        case .span(let p, let n): currentQID = Array(UnsafeBufferPointer(start: p, count: n))
        case .decoded(let bytes): currentQID = bytes
        }
        current = perQuestion.removeValue(forKey: String(decoding: currentQID, as: UTF8.self)) ?? Counters()
        hasCurrent = true
    }
    private var submitted: Set<String> = []
    private var suppressed: [ScoreWarning.Kind: Int] = [:]
    private var listed: [ScoreWarning.Kind: Int] = [:]

    private struct Counters {
        var turns = 0
        var resets = 0
        var chars = 0
        var ttft: [Int64] = []
        var initialChoice: Int?
        var initialConfidence: Int?
        /// Consultancy and debate: roles, shown options, rounds and quotes so far.
        var protocolData: ProtocolAnswer?
        /// The speeches each round asked for (by round number) and the complete speeches heard:
        /// a repeated round replaces the rounds from it on, and only speeches the judge read
        /// count (a cut-off, failed or replaced one does not).
        var roundSpeeches: [Int: Int] = [:]
        var heard: [SpeechQuotes] = []

        /// The rounds all of whose speeches came in: the judge sees a round's speeches together
        /// once they are all complete, so only these were heard.
        var roundsHeard: Set<Int> {
            Set(roundSpeeches.filter { r, n in n > 0 && heard.filter { $0.round == r }.count >= n }.keys)
        }
    }

    private init(path: String, keepDamaged: Bool) {
        scan = SessionScan(path: path)
        self.keepDamaged = keepDamaged
    }

    /// Read and check the log at `path`.
    static func scan(path: String, buffer: ReadBuffer = ReadBuffer(), keepDamaged: Bool = false) -> SessionScan {
        var s = SessionScanner(path: path, keepDamaged: keepDamaged)
        s.run(buffer)
        return s.scan
    }

    /// Scan log text held in memory (tests).
    static func scan(bytes: [UInt8], path: String, keepDamaged: Bool = false) -> SessionScan {
        var s = SessionScanner(path: path, keepDamaged: keepDamaged)
        bytes.withUnsafeBufferPointer { b in
            _ = s.consume(b, final: true)
        }
        s.finish()
        return s.scan
    }

    private mutating func warn(_ kind: ScoreWarning.Kind, line: Int?, _ message: String) {
        let n = listed[kind, default: 0]
        if n >= Self.warningsPerKind {
            suppressed[kind, default: 0] += 1
            return
        }
        listed[kind] = n + 1
        scan.warnings.append(ScoreWarning(path: scan.path, line: line, kind: kind, message: message))
    }

    private mutating func run(_ storage: ReadBuffer) {
        let fd = open(scan.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            warn(.unreadable, line: nil, "cannot open the log: \(String(cString: strerror(errno))); file skipped")
            return
        }
        defer { _ = close(fd) }
        var filled = 0
        while true {
            if filled == storage.capacity { storage.grow(keeping: filled) }
            let buffer = storage.pointer
            let capacity = storage.capacity
            let n = read(fd, buffer + filled, capacity - filled)
            if n < 0 {
                if errno == EINTR { continue }
                warn(.unreadable, line: scan.lines + 1, "read failed: \(String(cString: strerror(errno))); rest of the file skipped")
                break
            }
            if n == 0 {
                consume(UnsafeBufferPointer(start: buffer, count: filled), final: true)
                break
            }
            filled += n
            let used = consume(UnsafeBufferPointer(start: buffer, count: filled), final: false)
            if used > 0 {
                let rest = filled - used
                if rest > 0 { memmove(buffer, buffer + used, rest) }
                filled = rest
            }
        }
        finish()
    }

    /// Process every complete line in `buf`; with `final`, also an unterminated last line.
    /// Returns the number of bytes consumed.
    @discardableResult
    private mutating func consume(_ buf: UnsafeBufferPointer<UInt8>, final: Bool) -> Int {
        guard let base = buf.baseAddress else { return 0 }
        var start = 0
        while start < buf.count {
            let remaining = buf.count - start
            if let nlPtr = memchr(base + start, 0x0A, remaining) {
                let nl = UnsafeRawPointer(nlPtr).assumingMemoryBound(to: UInt8.self) - base
                line(base + start, count: nl - start, hasNewline: true)
                start = nl + 1
            } else {
                if final {
                    line(base + start, count: remaining, hasNewline: false)
                    start = buf.count
                }
                break
            }
        }
        return start
    }

    private mutating func finish() {
        for (kind, n) in suppressed.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            scan.warnings.append(ScoreWarning(path: scan.path, line: nil, kind: kind,
                                              message: "\(n) more \(kind.rawValue) problem(s) in this file not listed"))
        }
        if let broken = scan.brokenLink, !keepDamaged {
            let from = max(1, broken - 1)
            scan.warnings.append(ScoreWarning(path: scan.path, line: broken, kind: .chain,
                message: "hash chain broken: prev does not match line \(broken - 1) (a line was edited, removed or inserted); "
                    + "line \(from) and everything after it are not scored: \(scan.droppedRecords) record(s) dropped, "
                    + "\(droppedAnswers) answer(s) among them (--keep-damaged scores them)"))
        } else if scan.start != nil && !scan.ended {
            scan.warnings.append(ScoreWarning(path: scan.path, line: scan.lines > 0 ? scan.lines : nil, kind: .unfinished,
                                              message: "session never ended (no session_end); its \(scan.answers.count) answer(s) are scored"))
        }
    }

    private mutating func line(_ p: UnsafePointer<UInt8>, count: Int, hasNewline: Bool) {
        scan.lines += 1
        scan.bytes += count + (hasNewline ? 1 : 0)
        let lineNo = scan.lines
        previousApplied = lastApplied
        lastApplied = .nothing
        if dropping {
            guard count > 0 else { return }
            scan.droppedRecords += 1
            // Still parsed (to count the answers dropped), never scored; the chain is not followed.
            var c = JSONCursor(base: p, count: count)
            _ = try? record(&c, lineNo: lineNo)
            return
        }
        lineHash.withUnsafeMutableBufferPointer { h in
            if let hp = h.baseAddress { SHA256.hexDigest(p, count: count, hexOut: hp) }
        }
        if count == 0 {
            warn(.corrupt, line: lineNo, "empty line")
            return
        }
        var c = JSONCursor(base: p, count: count)
        do {
            try record(&c, lineNo: lineNo)
        } catch let e as NewerSchema {
            warn(.newerSchema, line: lineNo, "schema version \(e.version) is newer than this scorer reads (\(AppInfo.logSchemaVersion)); record skipped")
            swap(&prevHash, &lineHash)
            expectedSeq += 1
        } catch {
            let reason = (error as? ScanError)?.message ?? "\(error)"
            if !hasNewline {
                warn(.truncatedTail, line: lineNo, "last record is cut off (\(count) bytes); ignored")
            } else {
                warn(.corrupt, line: lineNo, "not a valid record (\(reason)); skipped")
                swap(&prevHash, &lineHash)
                expectedSeq += 1
            }
        }
    }

    private struct NewerSchema: Error { var version: Int64 }

    /// A question id as bytes in the line (no escapes) or decoded.
    enum QID {
        case span(UnsafePointer<UInt8>, Int)
        case decoded([UInt8])
    }

    /// An event with just what scoring needs.
    /// The role of a consultancy or debate speech and how many of its quotes verified.
    struct SpeechQuotes {
        var role: ProtocolRole?
        var verified: Int
        var total: Int
        /// The round it was spoken in (0 when the record has none) and whether it came in whole.
        var round = 0
        var complete = false
    }

    enum Event {
        case start(SessionStartInfo)
        case chat(QID, Int)
        case reset(QID)
        case reply(QID, Int64?, SpeechQuotes?)
        /// A consultancy or debate question's roles and shown options.
        case shown(QID, [RoleAssignment], [Int])
        case round(QID, Int, speeches: Int)
        case initial(QID, choice: Int, confidence: Int)
        case submitted(RawAnswer)
        case end(String?)
        case other
    }

    private struct Envelope {
        var version: Int64?
        var seq: Int64?
        var wall = false
        var mono = false
        var type: (Int, Int)?
        var data: (Int, Int)?
        var prev: (Int, Int)?
    }

    /// Parse one record's envelope, check it, then act on its event.
    private mutating func record(_ c: inout JSONCursor, lineNo: Int) throws {
        var env = Envelope()
        var early: Event?
        try c.object { c, ks, kl in
            if c.key(ks, kl, is: "v") {
                env.version = try c.int()
            } else if c.key(ks, kl, is: "seq") {
                env.seq = try c.int()
            } else if c.key(ks, kl, is: "wall_ms") {
                _ = try c.int()
                env.wall = true
            } else if c.key(ks, kl, is: "mono_ms") {
                _ = try c.int()
                env.mono = true
            } else if c.key(ks, kl, is: "type") {
                let (s, l, _) = try c.stringSpan()
                env.type = (s, l)
            } else if c.key(ks, kl, is: "data") {
                let s = c.pos
                guard c.peek() == UInt8(ascii: "{") else { throw ScanError("\"data\" is not an object") }
                if let type = env.type, env.version == Int64(AppInfo.logSchemaVersion) {
                    // The usual order (type before data): parse the payload in the same pass.
                    var payload = JSONCursor(base: c.base + s, count: c.end - s)
                    early = try Self.event(type: type, cursor: c, payload: &payload, lineNo: lineNo)
                    c.pos = s + payload.pos
                } else {
                    try c.skipValue()
                }
                env.data = (s, c.pos - s)
            } else if c.key(ks, kl, is: "prev") {
                let (s, l, _) = try c.stringSpan()
                env.prev = (s, l)
            } else {
                try c.skipValue()
            }
        }
        c.skipWhitespace()
        guard c.atEnd else { throw ScanError("text after the record") }
        guard let version = env.version else { throw ScanError("missing field \"v\"") }
        if version > Int64(AppInfo.logSchemaVersion) { throw NewerSchema(version: version) }
        if version < 1 { throw ScanError("schema version \(version) is not valid") }
        guard let seq = env.seq else { throw ScanError("missing field \"seq\"") }
        guard env.wall else { throw ScanError("missing field \"wall_ms\"") }
        guard env.mono else { throw ScanError("missing field \"mono_ms\"") }
        guard let type = env.type else { throw ScanError("missing field \"type\"") }
        guard let data = env.data else { throw ScanError("missing field \"data\"") }
        guard let prev = env.prev else { throw ScanError("missing field \"prev\"") }

        let event: Event
        if let early {
            event = early
        } else {
            var payload = JSONCursor(base: c.base + data.0, count: data.1)
            event = try Self.event(type: type, cursor: c, payload: &payload, lineNo: lineNo)
        }

        if dropping {
            if case .submitted = event { droppedAnswers += 1 }
            return
        }
        if seq != Int64(expectedSeq) {
            warn(.sequence, line: lineNo, "sequence number \(seq), expected \(expectedSeq)")
        }
        let prevMatches = prev.1 == 64 && prevHash.withUnsafeBufferPointer { h in
            guard let hp = h.baseAddress else { return false }
            return memcmp(c.base + prev.0, hp, 64) == 0
        }
        if !prevMatches {
            if scan.brokenLink == nil { scan.brokenLink = lineNo }
            if keepDamaged {
                warn(.chain, line: lineNo, "hash chain broken: prev does not match line \(lineNo - 1) (a line was edited, removed or inserted); record kept (--keep-damaged)")
            } else {
                // The line before the break is the one an edit changes: take it back too.
                switch previousApplied {
                case .answer:
                    scan.answers.removeLast()
                    droppedAnswers += 1
                case .start: scan.start = nil
                case .end:
                    scan.ended = false
                    scan.completionCode = nil
                case .nothing: break
                }
                if lineNo > 1 { scan.droppedRecords += 1 }
                scan.droppedRecords += 1
                if case .submitted = event { droppedAnswers += 1 }
                return
            }
        }
        expectedSeq = Int(seq) + 1
        swap(&prevHash, &lineHash)
        apply(event, lineNo: lineNo)
    }

    private mutating func apply(_ event: Event, lineNo: Int) {
        switch event {
        case .start(let info):
            if let first = scan.start {
                if first.participant != info.participant || first.sessionID != info.sessionID {
                    warn(.duplicateParticipant, line: lineNo, "a second session_start (participant \(info.participant), session \(info.sessionID)) in the same log; ignored, the file is scored as \(first.participant)")
                }
            } else {
                scan.start = info
                lastApplied = .start
            }
        case .chat(let q, let n):
            select(q)
            current.turns += 1
            current.chars += n
        case .reset(let q):
            select(q)
            current.resets += 1
        case .reply(let q, let t, let speech):
            select(q)
            if let t { current.ttft.append(t) }
            if let speech, speech.role != nil, speech.complete {
                current.heard.append(speech)
                if current.protocolData == nil { current.protocolData = ProtocolAnswer() }
            }
        case .shown(let q, let roles, let shown):
            select(q)
            var data = current.protocolData ?? ProtocolAnswer()
            data.roles = roles
            data.optionsShown = shown
            current.protocolData = data
        case .round(let q, let r, let speeches):
            select(q)
            if current.protocolData == nil { current.protocolData = ProtocolAnswer() }
            current.roundSpeeches = current.roundSpeeches.filter { $0.key < r }
            current.roundSpeeches[r] = speeches
            current.heard.removeAll { $0.round >= r }
        case .initial(let q, let choice, let confidence):
            select(q)
            if current.initialChoice == nil {
                current.initialChoice = choice
                current.initialConfidence = confidence
            }
        case .submitted(var a):
            guard scan.start != nil else {
                warn(.noStart, line: lineNo, "answer before any readable session_start; skipped")
                return
            }
            if submitted.contains(a.questionID) {
                warn(.duplicateAnswer, line: lineNo, "question \(a.questionID) answered again in this log; the first answer is kept")
                return
            }
            submitted.insert(a.questionID)
            lastApplied = .answer
            var bytes = Array(a.questionID.utf8)
            bytes.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress { select(.span(base, b.count)) }
            }
            hasCurrent = false
            let counters: Counters? = current
            current = Counters()
            if let counters {
                a.turns = counters.turns
                a.resets = counters.resets
                a.charsSent = counters.chars
                a.ttftMs = counters.ttft
                a.initialChoice = counters.initialChoice
                a.initialConfidence = counters.initialConfidence
                if var data = a.protocolData, let seen = counters.protocolData {
                    data.roles = seen.roles
                    data.optionsShown = seen.optionsShown
                    let rounds = counters.roundsHeard
                    data.rounds = rounds.max() ?? 0
                    for speech in counters.heard where rounds.contains(speech.round) {
                        if let role = speech.role { data.addQuotes(role: role, verified: speech.verified, total: speech.total) }
                    }
                    a.protocolData = data
                }
            }
            scan.answers.append(a)
        case .end(let code):
            if !scan.ended { lastApplied = .end }
            scan.ended = true
            scan.completionCode = code
        case .other:
            break
        }
    }
}
