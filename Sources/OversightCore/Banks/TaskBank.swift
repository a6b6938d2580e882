import Foundation

/// Loads task banks: MMLU CSV files and QuALITY JSON-lines files, given as files or folders.
/// The format is told by content, not by name. Any bad record anywhere makes the whole load fail
/// with every problem listed, so a study never runs on a silently shortened bank.
public enum TaskBank {
    /// File name endings read when scanning a folder (a file named explicitly is always read).
    public static let dataExtensions: Set<String> = ["csv", "jsonl", "json"]

    /// Load every question under `path` (a file, or a folder searched recursively in sorted
    /// order). Throws `InputErrors` listing every bad file and record.
    public static func load(path: String) throws -> [Question] {
        try load(paths: [path])
    }

    /// Load every question under several paths, in the order given. Question ids must be unique
    /// across all of them.
    public static func load(paths: [String]) throws -> [Question] {
        var errors: [InputError] = []
        var questions: [Question] = []
        let passages = QualityLoader.PassageTable()
        var seenFiles = Set<String>()
        for path in paths {
            let (files, listErrors) = dataFiles(at: path)
            errors += listErrors
            for file in files {
                let key = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
                if !seenFiles.insert(key).inserted { continue }
                let (qs, errs) = loadFile(file, passages: passages)
                questions += qs
                errors += errs
            }
        }
        // Ids must be unique: the log and the scorer refer to questions by id.
        var firstSeen: [String: Question] = [:]
        for q in questions {
            if let other = firstSeen[q.id] {
                errors.append(InputError(path: q.metadata.source, line: q.metadata.line,
                    "duplicate question id \(q.id) (also at \(other.metadata.source):\(other.metadata.line))"))
            } else {
                firstSeen[q.id] = q
            }
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        return questions
    }

    /// The data files under `path`: the path itself when it is a file, otherwise every file in the
    /// folder tree whose name ends in `.csv`, `.jsonl` or `.json` (or looks like a QuALITY release
    /// file, `QuALITY.<version>[.htmlstripped].<split>`), hidden files excluded, sorted by path.
    public static func dataFiles(at path: String) -> (files: [String], errors: [InputError]) {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [InputError(path: path, line: nil, "no such file or folder")])
        }
        if let problem = FileKind.notRegularProblem(path) { return ([], [InputError(path: path, line: nil, problem)]) }
        guard isDirectory.boolValue else { return ([path], []) }
        guard let walker = fm.enumerator(atPath: path) else {
            return ([], [InputError(path: path, line: nil, "cannot read folder")])
        }
        var files: [String] = []
        var errors: [InputError] = []
        while let item = walker.nextObject() as? String {
            let name = (item as NSString).lastPathComponent
            if name.hasPrefix(".") {
                walker.skipDescendants()
                continue
            }
            let full = (path as NSString).appendingPathComponent(item)
            var dir: ObjCBool = false
            guard fm.fileExists(atPath: full, isDirectory: &dir), !dir.boolValue else { continue }
            guard isDataFileName(name) else { continue }
            if let problem = FileKind.notRegularProblem(full) {
                errors.append(InputError(path: full, line: nil, problem))
            } else {
                files.append(full)
            }
        }
        files.sort()
        if files.isEmpty && errors.isEmpty {
            return ([], [InputError(path: path, line: nil, "folder holds no .csv, .jsonl or .json files")])
        }
        return (files, errors)
    }

    /// Whether a folder scan reads a file of this name.
    public static func isDataFileName(_ name: String) -> Bool {
        if name.hasPrefix(".") { return false }
        let lower = name.lowercased()
        // The QuALITY release's files have no extension: QuALITY.v1.0.1.htmlstripped.dev.
        if lower.hasPrefix("quality."), let last = lower.split(separator: ".").last,
           ["train", "dev", "test"].contains(String(last)) {
            return true
        }
        let ext = (name as NSString).pathExtension.lowercased()
        return dataExtensions.contains(ext)
    }

    /// The format of a file, told from its first non-blank line: a line starting with `{` that
    /// parses as a JSON object (or any `{` line in a `.jsonl`/`.json` file) means QuALITY,
    /// anything else MMLU CSV.
    public static func detectFormat(bytes: [UInt8], path: String) -> TaskKind {
        var i = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        guard i < bytes.count, bytes[i] == 0x7B else { return .mmlu }
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "jsonl" || ext == "json" { return .quality }
        var end = i
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes[i..<end])), object is [String: Any] {
            return .quality
        }
        return .mmlu
    }

    static func loadFile(_ path: String, passages: QualityLoader.PassageTable) -> ([Question], [InputError]) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return ([], [InputError(path: path, line: nil, "cannot read file: \(readErrorSummary(error))")])
        }
        return parse(bytes: [UInt8](data), path: path, passages: passages)
    }

    /// Parse one file's bytes (already read from `path`), telling the format from the content.
    static func parse(bytes: [UInt8], path: String, passages: QualityLoader.PassageTable) -> ([Question], [InputError]) {
        let data = Data(bytes)
        if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            return ([], [InputError(path: path, line: nil, "empty file: no questions")])
        }
        if let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }),
           first == 0x5B, (try? JSONSerialization.jsonObject(with: data)) is [Any] {
            return ([], [InputError(path: path, line: 1,
                "a JSON array is not a task bank: expected one JSON object per line (QuALITY) or CSV rows (MMLU)")])
        }
        let format = detectFormat(bytes: bytes, path: path)
        if format == .quality, bytes.filter({ $0 == 0x0A }).count > 1,
           (try? JSONSerialization.jsonObject(with: data)) is [String: Any],
           let firstLine = bytes.split(separator: 0x0A).first,
           (try? JSONSerialization.jsonObject(with: Data(firstLine))) == nil {
            // A pretty-printed JSON document: one clear message instead of one per line.
            return ([], [InputError(path: path, line: 1,
                "one JSON document over several lines: expected one question set per line (JSON lines)")])
        }
        switch format {
        case .mmlu:
            let r = MMLULoader.parse(bytes: bytes, path: path)
            return (r.questions, r.errors)
        case .quality:
            let r = QualityLoader.parse(bytes: bytes, path: path, passages: passages)
            return (r.questions, r.errors)
        }
    }

    private static func readErrorSummary(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
           ns.domain == NSCocoaErrorDomain {
            if let posix = POSIXErrorCode(rawValue: Int32(underlying.code)), underlying.domain == NSPOSIXErrorDomain {
                return String(cString: strerror(posix.rawValue))
            }
        }
        switch ns.code {
        case NSFileReadNoPermissionError: return "permission denied"
        case NSFileReadNoSuchFileError: return "no such file"
        default: return ns.localizedDescription
        }
    }
}
