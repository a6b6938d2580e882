import Foundation

/// An RFC 4180 CSV reader working on raw bytes: quoted fields may hold commas, doubled quotes
/// and line breaks; records end with LF, CRLF or a lone CR. Records are reported with the line
/// they start on, and a record whose bytes are not UTF-8 is reported as a problem instead of
/// being decoded with replacement characters.
public enum CSVParser {
    /// One record: its fields and the 1-based line where it starts.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]

        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// A problem in the CSV text, at the line where the offending record starts.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        public var description: String { "\(line): \(message)" }
    }

    /// What parsing produced: every well-formed record and every problem, in file order.
    public struct Result: Sendable, Equatable {
        public var records: [Record] = []
        public var issues: [Issue] = []
        /// Every record, good or bad, in file order (good ones as records, bad as issue lines).
        public var recordCount: Int = 0
    }

    private static let quote: UInt8 = 0x22
    private static let comma: UInt8 = 0x2C
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    /// Parse CSV bytes. Lines that are completely empty (no bytes at all between line breaks)
    /// are skipped; they hold no record. A UTF-8 byte-order mark at the start is ignored.
    public static func parse(_ data: [UInt8]) -> Result {
        var result = Result()
        let n = data.count
        var i = 0
        if n >= 3, data[0] == 0xEF, data[1] == 0xBB, data[2] == 0xBF { i = 3 }
        var line = 1

        // Per record state.
        var fields: [[UInt8]] = []
        var field: [UInt8] = []
        var recordLine = 1
        var recordProblem: String?
        var inRecord = false

        func finishRecord() {
            fields.append(field)
            field = []
            result.recordCount += 1
            if let problem = recordProblem {
                result.issues.append(Issue(line: recordLine, message: problem))
            } else {
                var strings: [String] = []
                strings.reserveCapacity(fields.count)
                var bad = false
                for f in fields {
                    guard let s = CSVParser.utf8String(f) else {
                        bad = true
                        break
                    }
                    strings.append(s)
                }
                if bad {
                    result.issues.append(Issue(line: recordLine, message: "not valid UTF-8 text"))
                } else {
                    result.records.append(Record(line: recordLine, fields: strings))
                }
            }
            fields = []
            recordProblem = nil
            inRecord = false
        }

        /// Consume a line break at `i` (LF, CRLF or CR) if there is one; returns whether it did.
        func consumeLineBreak() -> Bool {
            guard i < n else { return false }
            if data[i] == lf {
                i += 1
                line += 1
                return true
            }
            if data[i] == cr {
                i += 1
                if i < n, data[i] == lf { i += 1 }
                line += 1
                return true
            }
            return false
        }

        while i < n {
            if !inRecord {
                // Skip empty lines between records.
                if consumeLineBreak() { continue }
                inRecord = true
                recordLine = line
            }
            // At the start of a field.
            if data[i] == quote {
                let openLine = line
                i += 1
                var closed = false
                while i < n {
                    let c = data[i]
                    if c == quote {
                        if i + 1 < n, data[i + 1] == quote {
                            field.append(quote)
                            i += 2
                            continue
                        }
                        i += 1
                        closed = true
                        break
                    }
                    if c == lf {
                        line += 1
                    } else if c == cr, !(i + 1 < n && data[i + 1] == lf) {
                        line += 1
                    }
                    field.append(c)
                    i += 1
                }
                if !closed {
                    let where_ = openLine == recordLine ? "" : " (opened on line \(openLine))"
                    recordProblem = recordProblem ?? "unterminated quoted field\(where_)"
                    finishRecord()
                    break
                }
                // After a closing quote: a separator, a line break or the end.
                if i < n, data[i] != comma, data[i] != lf, data[i] != cr {
                    recordProblem = recordProblem
                        ?? "unexpected text after a closing quote (a quote inside a quoted field must be doubled)"
                    // Keep the stray text in the field and carry on to the field's end.
                    while i < n, data[i] != comma, data[i] != lf, data[i] != cr {
                        field.append(data[i])
                        i += 1
                    }
                }
            } else {
                // Unquoted field: up to a comma or line break. A quote here is kept literally.
                while i < n, data[i] != comma, data[i] != lf, data[i] != cr {
                    field.append(data[i])
                    i += 1
                }
            }
            if i >= n {
                finishRecord()
                break
            }
            if data[i] == comma {
                fields.append(field)
                field = []
                i += 1
                if i >= n {
                    // Trailing comma at end of input: one more (empty) field.
                    finishRecord()
                }
                continue
            }
            _ = consumeLineBreak()
            finishRecord()
        }
        return result
    }

    /// Decode bytes as UTF-8, or nil when they are not valid UTF-8.
    public static func utf8String<C: Collection>(_ bytes: C) -> String? where C.Element == UInt8 {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        loop: while true {
            switch codec.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
