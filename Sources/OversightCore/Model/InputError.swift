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

extension InputErrors {
    /// Problems printed per file at most; the rest are counted in one line.
    public static let linesPerFile = 20

    /// The lines to print: at most `perFile` problems of each file, in order, then
    /// `FILE: … and N more problems` for a file that had more (a binary file given as a bank
    /// would otherwise print a line per "record").
    public func lines(perFile: Int = InputErrors.linesPerFile) -> [String] {
        var shown: [String: Int] = [:]
        var order: [String] = []
        var out: [String] = []
        var hidden: [String: Int] = [:]
        for e in errors {
            if shown[e.path] == nil { order.append(e.path) }
            let n = shown[e.path, default: 0]
            shown[e.path] = n + 1
            if n < perFile { out.append(e.description) } else { hidden[e.path, default: 0] += 1 }
        }
        for path in order {
            if let more = hidden[path] { out.append("\(path): … and \(more) more problem\(more == 1 ? "" : "s")") }
        }
        return out
    }
}

/// Text from an input file or the command line made safe to echo on a terminal: control
/// characters (an escape sequence, a NUL, a newline in an id) are written as escapes such as
/// `\n`, `\0` or `\u{1B}`, so a message stays one line and cannot drive the terminal.
public enum Printable {
    public static func escaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            guard u.properties.generalCategory == .control else {
                out.unicodeScalars.append(u)
                continue
            }
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default: out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            }
        }
        return out
    }
}

/// What kind of file system object a path names, for loaders that must read a regular file
/// (reading a FIFO would block, a device would never end).
public enum FileKind {
    /// nil when `path` is a regular file or a folder (following symbolic links) or does not
    /// exist; otherwise a message such as "not a regular file (a FIFO)".
    public static func notRegularProblem(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let kind: String
        switch st.st_mode & S_IFMT {
        case S_IFREG, S_IFDIR: return nil
        case S_IFIFO: kind = "a FIFO (named pipe)"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "not a file or folder"
        }
        return "not a regular file (\(kind))"
    }
}
