import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore

/// `oversight verify FILE...`: check session logs' hash chains and sequence numbers.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check that session logs are intact (hash chain, sequence numbers, complete lines).",
        discussion: """
            Each record of a session log carries the SHA-256 of the line before it, so an edited, \
            removed or inserted line breaks the chain. Prints one line per file: OK with the record \
            count, or the first bad line as FILE:LINE: problem. Files named baseline-*.jsonl are model \
            results, not session logs (they have no hash chain): each of their lines is checked \
            as a baseline result instead. Exits 1 if any file is damaged.
            """
    )

    @Argument(help: "Session log files (.jsonl), or folders holding them.")
    var paths: [String]

    @Flag(name: .long, help: "List every problem, not just the first of each file.")
    var all = false

    func run() throws {
        let files = try InputFailure.report { try SessionFiles.expand(paths) }
        var damaged = 0
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
            let report = SessionLogVerifier.verify(url: url)
            if report.ok {
                print("\(url.path): OK, \(report.records) records" + (report.finished ? ", finished" : ", unfinished"))
            } else {
                damaged += 1
                let shown = all ? report.issues : Array(report.issues.prefix(1))
                for issue in shown { print(issue.description) }
            }
        }
        if damaged > 0 { throw ExitCode(1) }
    }
}
