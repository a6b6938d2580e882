import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore

/// `oversight verify FILE...`: check session logs' hash chains and sequence numbers, and
/// (with `--codes`) their final hashes against the completion codes participants reported.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that session logs are intact (hash chain, sequence numbers, complete lines).",
        discussion: """
            Each record of a session log carries the SHA-256 of the line before it, so an edited, \
            removed or inserted line breaks the chain. Prints one line per file: OK with the record \
            count, or the first bad line as FILE:LINE: problem. With --codes, the completion codes \
            participants reported (a CSV with columns participant and code, as the recruiting \
            platform exports it) are checked against the logs: a code is derived from the hash of \
            a log's final record, so a log rewritten after the session, every prev recomputed, no \
            longer matches. Reported are every log whose code does not match, every reported code \
            without a finished log and every finished log without a code. When the study keys its \
            codes ([study] secret_env), give --study and set that variable. Files named baseline-*.jsonl \
            are model results, not session logs (they have no hash chain): each of their lines is \
            checked as a baseline result instead. Exits 1 if any file is damaged or any code is \
            missing or wrong.
            """
    )

    @Argument(help: "Session log files (.jsonl), or folders holding them.")
    var paths: [String]

    @Flag(name: .long, help: "List every problem, not just the first of each file.")
    var all = false

    @Option(name: .long, help: ArgumentHelp("Reported completion codes: CSV with columns participant,code.", valueName: "file"))
    var codes: String?

    @Option(name: .long, help: ArgumentHelp("The study file; its secret_env keys the codes checked by --codes.", valueName: "file"))
    var study: String?

    func validate() throws {
        if study != nil && codes == nil { throw ValidationError("--study is only used with --codes") }
    }

    func run() throws {
        let files = try InputFailure.report { try SessionFiles.expand(paths) }
        var (studyID, secret): (String?, StudySecret?) = (nil, nil)
        var reported: [CodeReport] = []
        if let codes {
            try InputFailure.report {
                if let study {
                    let s = try StudyLoader.load(path: study)
                    studyID = s.id
                    secret = try StudySecret.load(for: s)
                }
                reported = try CodeReport.load(path: codes)
            }
        }
        var damaged = 0
        var finished: [FinishedLog] = []
        for url in files {
            if BaselineFile.isBaselineName(url.lastPathComponent) {
                do {
                    let results = try BaselineFile.load(url)
                    print("\(url.path): OK, baseline file, \(results.count) results (no hash chain)")
                } catch let e as InputError {
                    damaged += 1
                    print(e.description)
                }
                continue
            }
            if StudyFolderFile.kind(of: url.lastPathComponent) == .stance {
                do {
                    let records = try StanceFile.read(path: url.path)
                    print("\(url.path): OK, stance file, \(records.count) records (no hash chain)")
                } catch let e as InputErrors {
                    damaged += 1
                    for line in e.lines() { print(line) }
                }
                continue
            }
            var seen = FinishedLog.Collector(path: url.path)
            let report = SessionLogVerifier.verify(url: url) { seen.add($0) }
            if report.ok {
                print("\(url.path): OK, \(report.records) records" + (report.finished ? ", finished" : ", unfinished"))
            } else {
                damaged += 1
                let shown = all ? report.issues : Array(report.issues.prefix(1))
                for issue in shown { print(issue.description) }
            }
            if codes != nil, let f = seen.log { finished.append(f) }
        }
        var problems = 0
        if let codes {
            problems = checkCodes(codesPath: codes, reported: reported, finished: finished, studyID: studyID, secret: secret)
            if problems == 0 {
                print("\(codes): every code matches a finished log (\(finished.count) finished log(s))")
            } else if study == nil {
                print("(a study with [study] secret_env keys its codes: give --study and set the variable it names)")
            }
        }
        if damaged > 0 || problems > 0 { throw ExitCode(1) }
    }

    /// Prints one line per problem; returns how many there were.
    private func checkCodes(codesPath: String, reported: [CodeReport], finished: [FinishedLog], studyID: String?,
                            secret: StudySecret?) -> Int {
        var problems = 0
        var byParticipant: [String: [CodeReport]] = [:]
        for r in reported { byParticipant[r.participant, default: []].append(r) }
        var finishedParticipants = Set<String>()
        for log in finished {
            finishedParticipants.insert(log.participant)
            if let studyID, log.studyID != studyID {
                print("\(log.path): a session of study \(log.studyID), not \(studyID) (--study); its code cannot be checked")
                problems += 1
                continue
            }
            let expected = CompletionCode.make(studyID: log.studyID, participant: log.participant,
                                               finalHash: log.finalHash, secret: secret)
            guard let codes = byParticipant[log.participant] else {
                print("\(log.path): finished, but participant \(log.participant) reported no completion code")
                problems += 1
                continue
            }
            if !codes.contains(where: { $0.code.lowercased() == expected }) {
                let got = codes.map { "\($0.code) (\(codesPath):\($0.line))" }.joined(separator: ", ")
                print("\(log.path): the final hash does not match the code participant \(log.participant) reported, \(got): "
                      + "the log was changed after the session, or is not the session that code came from")
                problems += 1
            } else if log.storedCode.lowercased() != expected {
                print("\(log.path): the code in session_end was not derived from this log's final hash")
                problems += 1
            }
        }
        for r in reported where !finishedParticipants.contains(r.participant) {
            print("\(codesPath):\(r.line): participant \(r.participant) reported code \(r.code), but has no finished log here")
            problems += 1
        }
        return problems
    }
}

/// One row of the recruiting platform's export.
struct CodeReport {
    var participant: String
    var code: String
    var line: Int

    /// Reads a CSV whose header names the columns `participant` and `code` (other columns are
    /// ignored). Bad input is one line naming the file and line.
    static func load(path: String) throws -> [CodeReport] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the codes file")
        }
        let parsed = CSVParser.parse(Array(data))
        if let issue = parsed.issues.first { throw CLIError("\(path):\(issue.line): \(issue.message)") }
        guard let header = parsed.records.first else { throw CLIError("\(path): the codes file is empty") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let p = names.firstIndex(of: "participant"), let c = names.firstIndex(of: "code") else {
            throw CLIError("\(path):\(header.line): the header must name the columns participant and code")
        }
        var out: [CodeReport] = []
        for r in parsed.records.dropFirst() {
            guard r.fields.count > max(p, c) else {
                throw CLIError("\(path):\(r.line): expected \(names.count) fields, found \(r.fields.count)")
            }
            let participant = r.fields[p].trimmingCharacters(in: .whitespaces)
            let code = r.fields[c].trimmingCharacters(in: .whitespaces)
            if participant.isEmpty && code.isEmpty { continue }
            guard Identifier.isValid(participant) else {
                throw CLIError("\(path):\(r.line): \"participant\" is not a participant id")
            }
            guard code.count <= 64, code.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
                throw CLIError("\(path):\(r.line): \"code\" is not a completion code")
            }
            out.append(CodeReport(participant: participant, code: code, line: r.line))
        }
        return out
    }
}

/// What `--codes` needs from a finished log.
struct FinishedLog {
    var path: String
    var studyID: String
    var participant: String
    /// SHA-256 of the last line before `session_end` (its `prev`).
    var finalHash: String
    var storedCode: String

    /// Gathers it from a log's records as they are read: the first must be `session_start`,
    /// and the last `session_end` counts.
    struct Collector {
        let path: String
        private var first = true
        private var start: SessionStart?
        private var end: (prev: String, code: String)?

        init(path: String) { self.path = path }

        mutating func add(_ record: LogRecord) {
            if first, case .sessionStart(let s) = record.event { start = s }
            first = false
            if case .sessionEnd(let code) = record.event { end = (record.prev, code) }
        }

        /// Nil when the log has no `session_start` first or no `session_end`.
        var log: FinishedLog? {
            guard let start, let end else { return nil }
            return FinishedLog(path: path, studyID: start.studyID, participant: start.participant,
                               finalHash: end.prev, storedCode: end.code)
        }
    }
}
