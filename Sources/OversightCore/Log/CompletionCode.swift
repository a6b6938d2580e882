import Foundation

/// The study secret that keys completion codes, read from the environment variable named by
/// `[study] secret_env`. It prints as `<secret>`: the bytes never reach a screen, a log or an
/// error message.
public struct StudySecret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    let bytes: [UInt8]

    /// Shortest secret accepted: shorter ones could be found by trying every value.
    public static let minimumLength = 16

    public init?(_ value: String) {
        let bytes = Array(value.utf8)
        guard bytes.count >= Self.minimumLength else { return nil }
        self.bytes = bytes
    }

    public var description: String { "<secret>" }
    public var debugDescription: String { "<secret>" }

    /// The secret of a study: nil when the study names no `secret_env`. Throws a one-line
    /// `InputError` (naming the variable, never its value) when the variable is unset or short.
    public static func load(for study: Study, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> StudySecret? {
        guard let name = study.secretEnv else { return nil }
        guard let value = environment[name], !value.isEmpty else {
            throw InputError(path: study.path, line: nil,
                             "[study] secret_env names \(name), which is not set in the environment")
        }
        guard let secret = StudySecret(value) else {
            throw InputError(path: study.path, line: nil,
                             "[study] secret_env: the value of \(name) is shorter than \(minimumLength) characters")
        }
        return secret
    }
}

/// The code a participant gets on the end screen and pastes into the recruiting platform.
///
/// It is derived from the hash of the last record before `session_end` (that record's `prev`),
/// so it anchors the whole hash chain outside the log: a log edited after the session, even
/// with every `prev` recomputed, no longer matches the code the participant reported. With a
/// study secret the code is an HMAC-SHA256 keyed with it, so nobody without the secret can make
/// a valid code for a log they wrote themselves; without one it is a plain SHA-256.
public enum CompletionCode {
    /// Hex digits in a code (48 bits).
    public static let length = 12

    /// The completion code of a session of `studyID` and `participant` whose last record before
    /// `session_end` has SHA-256 `finalHash` (hex).
    public static func make(studyID: String, participant: String, finalHash: String, secret: StudySecret?) -> String {
        let message = Array("oversight-completion-code-v1\n\(studyID)\n\(participant)\n\(finalHash)".utf8)
        let digest: [UInt8]
        if let secret {
            digest = hmacSHA256(key: secret.bytes, message: message)
        } else {
            var h = SHA256()
            h.update(message)
            digest = h.finalize()
        }
        return String(SHA256.hexString(digest).prefix(length))
    }

    /// HMAC-SHA256 (RFC 2104).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = 64
        var k = key
        if k.count > blockSize {
            var h = SHA256()
            h.update(k)
            k = h.finalize()
        }
        k += [UInt8](repeating: 0, count: blockSize - k.count)
        var inner = SHA256()
        inner.update(k.map { $0 ^ 0x36 })
        inner.update(message)
        let innerDigest = inner.finalize()
        var outer = SHA256()
        outer.update(k.map { $0 ^ 0x5C })
        outer.update(innerDigest)
        return outer.finalize()
    }
}
