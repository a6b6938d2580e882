import Foundation
import OversightCore

extension DatasetLoader {
    /// Session logs and baseline files found under a path.
    public struct Inputs: Sendable, Equatable {
        public var logs: [String]
        public var baselines: [String]
        /// `stance-*.jsonl`: the assistant's stance per participant and question.
        public var stances: [String] = []
    }

    /// List the inputs at `path`: a study folder (`*.jsonl`, where `baseline-*.jsonl` are
    /// baseline files) or a single log file. Throws when there is no session log to score.
    public static func discover(path: String) throws -> Inputs {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw ScoreInputError("\(path): no such file or folder")
        }
        if !isDir.boolValue { return Inputs(logs: [path], baselines: []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw ScoreInputError("\(path): cannot list the folder: \(error.localizedDescription)")
        }
        var logs: [String] = []
        var baselines: [String] = []
        var stances: [String] = []
        var subfolders: [String] = []
        for name in names {
            let full = (path as NSString).appendingPathComponent(name)
            var sub: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &sub)
            if sub.boolValue {
                subfolders.append(name)
            } else {
                switch StudyFolderFile.kind(of: name) {
                case .sessionLog: logs.append(full)
                case .baselineResults: baselines.append(full)
                case .stance: stances.append(full)
                case .assignments, .other: break
                }
            }
        }
        if logs.isEmpty {
            let withLogs = subfolders.filter { sub in
                let p = (path as NSString).appendingPathComponent(sub)
                let inner = (try? FileManager.default.contentsOfDirectory(atPath: p)) ?? []
                return inner.contains { StudyFolderFile.kind(of: $0) == .sessionLog }
            }
            if !withLogs.isEmpty {
                throw ScoreInputError("\(path): no session logs here; name one study folder: "
                    + withLogs.map { (path as NSString).appendingPathComponent($0) }.joined(separator: ", "))
            }
            throw ScoreInputError("\(path): no session logs (*.jsonl) to score")
        }
        return Inputs(logs: logs, baselines: baselines, stances: stances)
    }
}
