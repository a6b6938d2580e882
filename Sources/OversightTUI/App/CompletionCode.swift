import OversightCore

/// The code a participant gets on the end screen to prove completion.
///
/// It is the first 8 hex digits of SHA-256 of `"<study id>:<participant id>"` (UTF-8), lower
/// case: the study organiser can recompute it from the two ids alone, and it is the same on
/// every resume of the same session.
public enum CompletionCode {
    /// Completion code for a participant of a study.
    public static func make(studyID: String, participant: String) -> String {
        String(SHA256.hex("\(studyID):\(participant)").prefix(8))
    }
}
