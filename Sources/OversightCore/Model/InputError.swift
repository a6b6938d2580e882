import Foundation

/// One problem found in an input file, printed as `PATH:LINE: message` (or `PATH: message`
/// when no line applies). Every loader and parser reports bad input this way.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// 1-based line, or nil when the problem concerns the whole file.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// Several input problems at once: a loader lists every bad record, not just the first.
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [InputError]
    public init(_ errors: [InputError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
