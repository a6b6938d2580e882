import Foundation

/// Reads baseline results files (JSON lines of `BaselineResult`): the one reader behind the
/// `baseline` command (which skips results already in its output) and the scorer (which reads
/// them as model rows). It decodes each line and says what is wrong with it; what to do with
/// a bad line is the caller's choice (the command refuses it, the scorer warns and skips it).
public enum BaselineResultReader {
    /// One line of a results file that is not blank (blank: empty or only spaces and tabs).
    public struct Line: Sendable {
        /// 1-based line number in the file.
        public var number: Int
        /// The result, or a short reason why the line is not one (no Swift type dumps).
        public var result: Result<BaselineResult, Problem>
        /// False for a last line without a newline: what an interrupted run leaves.
        public var terminated: Bool
    }

    /// Why a line is not a baseline result.
    public struct Problem: Error, Sendable, Equatable {
        public var reason: String
    }

    /// The lines of the file at `path`, or nil when it cannot be read.
    public static func lines(path: String) -> [Line]? {
        FileManager.default.contents(atPath: path).map { lines(of: $0) }
    }

    /// The non-blank lines of `data`, decoded.
    public static func lines(of data: Data) -> [Line] {
        let decoder = JSONDecoder()
        var out: [Line] = []
        var number = 0
        var start = data.startIndex
        while start < data.endIndex {
            let nl = data[start...].firstIndex(of: 0x0A)
            let end = nl ?? data.endIndex
            let text = data[start..<end]
            start = nl.map { $0 + 1 } ?? data.endIndex
            number += 1
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x0D || $0 == 0x09 }) { continue }
            let result: Result<BaselineResult, Problem>
            do {
                result = .success(try decoder.decode(BaselineResult.self, from: text))
            } catch {
                result = .failure(Problem(reason: SessionLogReader.describe(error)))
            }
            out.append(Line(number: number, result: result, terminated: nl != nil))
        }
        return out
    }
}
