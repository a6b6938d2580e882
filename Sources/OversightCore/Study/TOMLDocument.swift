import Foundation
import TOMLKit

/// A TOML input file as the loaders read it (study files, simulation policies): a regular file,
/// UTF-8, valid TOML and free of NUL characters. Each problem is one `InputError` naming the file
/// (and the line where there is one); `what` names the kind of file in the messages ("study").
enum TOMLDocument {
    /// The bytes and text of the file at `path`.
    static func read(path: String, what: String) throws -> (data: Data, text: String) {
        if let problem = FileKind.notRegularProblem(path) { throw InputErrors([InputError(path: path, line: nil, problem)]) }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else {
            throw InputErrors([InputError(path: path, line: nil, "cannot read the \(what) file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputErrors([InputError(path: path, line: nil, "the \(what) file is not UTF-8 text")])
        }
        return (data, text)
    }

    /// The TOML table of `text`; `path` names it in messages.
    static func parse(text: String, path: String, what: String) throws -> TOMLTable {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw InputErrors([InputError(path: path, line: e.source.begin.line, "invalid TOML: \(e.description)")])
        } catch {
            throw InputErrors([InputError(path: path, line: nil, "invalid TOML")])
        }
        // The TOML library ends a string at a NUL, so "ab\u0000cd" would read as "ab": refuse it.
        let nulLines = TOMLNulScanner.linesWithNul(text)
        if !nulLines.isEmpty {
            throw InputErrors(nulLines.map {
                InputError(path: path, line: $0, "a string holds a NUL character (\\u0000), which a \(what) cannot use")
            })
        }
        return root
    }
}
