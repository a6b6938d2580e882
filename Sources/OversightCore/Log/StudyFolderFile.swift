import Foundation

/// What a file in a study's folder (`Sessions/<study>/`) is, told by its name. One rule for
/// the scorer, the monitor, `verify` and the launcher: a participant's session log is
/// `<participant>.jsonl`, so ids that would name another kind of file are refused
/// (`reservedParticipant`).
public enum StudyFolderFile: Sendable, Equatable {
    /// `<participant>.jsonl`.
    case sessionLog
    /// `baseline-*.jsonl`: the model alone (`oversight baseline`).
    case baselineResults
    /// `stance-*.jsonl`: the assistant's stance per question (`oversight stance`).
    case stance
    /// `assignments.jsonl`: the counterbalancing arms.
    case assignments
    /// Anything else (not `.jsonl`, hidden, lock files).
    case other

    public static let baselinePrefix = "baseline-"

    public static func kind(of name: String) -> StudyFolderFile {
        guard name.hasSuffix(".jsonl"), !name.hasPrefix(".") else { return .other }
        if name == Assignments.fileName { return .assignments }
        if name.hasPrefix(baselinePrefix) { return .baselineResults }
        if name.hasPrefix(StanceFile.prefix) { return .stance }
        return .sessionLog
    }

    /// Why `participant` cannot have a session log in a study folder (its file name belongs to
    /// another kind of file), or nil when it can.
    public static func reservedParticipant(_ participant: String) -> String? {
        switch kind(of: participant + ".jsonl") {
        case .sessionLog, .other: return nil
        case .assignments: return "\"\(participant)\" names the study's assignments file"
        case .baselineResults: return "ids starting with \"\(baselinePrefix)\" name the model's baseline results"
        case .stance: return "ids starting with \"\(StanceFile.prefix)\" name stance files"
        }
    }
}
