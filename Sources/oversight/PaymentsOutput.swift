import ArgumentParser
import Foundation
import OversightCore
import OversightScoring

/// `oversight score --payments FILE [--study FILE]`: writes the payments CSV and lists on stderr
/// who is not paid and why.
struct PaymentsOutput {
    var path: String
    var studyPath: String?

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("oversight score: \(line)\n".utf8))
    }

    func write(logs: [String]) throws {
        var bonus = 0.0
        var studyHash: String?
        if let studyPath {
            do {
                let study = try StudyLoader.load(path: studyPath)
                bonus = study.bonusPerCorrect
                studyHash = study.hash
            } catch let e as InputErrors {
                for line in e.lines() { FileHandle.standardError.write(Data("oversight score: \(line)\n".utf8)) }
                throw ExitCode(2)
            }
        } else {
            note("no --study given: bonus 0 for everyone (--study FILE takes [study] bonus_per_correct)")
        }
        let result = Payments.collect(logs: logs, bonusPerCorrect: bonus, studyHash: studyHash)
        do {
            try Data(Payments.csv(result.rows).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            note("\(path): cannot write the payments file")
            throw ExitCode(1)
        }
        note("\(path): \(result.rows.count) finished participant(s) to pay")
        for u in result.unpaid { note("not paid: \(u)") }
        if result.simulated > 0 { note("not paid: \(result.simulated) simulated session(s)") }
        if !result.otherStudyFile.isEmpty {
            note("logged with another version of \(studyPath ?? "the study file") (check the bonus): "
                + result.otherStudyFile.joined(separator: ", "))
        }
    }
}
