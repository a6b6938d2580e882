import Foundation
import XCTest
@testable import OversightCore

final class BankLoaderTests: XCTestCase {
    // MARK: CSV parser

    private func parse(_ s: String) -> CSVParser.Result { CSVParser.parse(Array(s.utf8)) }

    func testCSVPlainRecords() {
        let r = parse("a,b,c\nd,e,f\n")
        XCTAssertEqual(r.records, [.init(line: 1, fields: ["a", "b", "c"]), .init(line: 2, fields: ["d", "e", "f"])])
        XCTAssertEqual(r.issues, [])
    }

    func testCSVQuotedCommasQuotesAndNewlines() {
        let r = parse("\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\",\"\"\nnext,1,2,3\n")
        XCTAssertEqual(r.records.count, 2)
        XCTAssertEqual(r.records[0].fields, ["x, y", "say \"hi\"", "two\nlines", ""])
        XCTAssertEqual(r.records[0].line, 1)
        XCTAssertEqual(r.records[1].line, 3)
    }

    func testCSVLineEndings() {
        let r = parse("a,b\r\nc,d\re,f\ng,h")
        XCTAssertEqual(r.records.map(\.fields), [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
        XCTAssertEqual(r.records.map(\.line), [1, 2, 3, 4])
        // CRLF inside a quoted field is kept and counts as one line.
        let q = parse("\"p\r\nq\",z\r\nnext,1\r\n")
        XCTAssertEqual(q.records.map(\.fields), [["p\r\nq", "z"], ["next", "1"]])
        XCTAssertEqual(q.records.map(\.line), [1, 3])
    }

    func testCSVEmptyFieldsAndTrailingComma() {
        XCTAssertEqual(parse(",,\n").records.first?.fields, ["", "", ""])
        XCTAssertEqual(parse("a,").records.first?.fields, ["a", ""])
        XCTAssertEqual(parse("a,\"\"").records.first?.fields, ["a", ""])
    }

    func testCSVBlankLinesAreSkippedButCounted() {
        let r = parse("\n\na,b\n\nc,d\n\n")
        XCTAssertEqual(r.records.map(\.line), [3, 5])
        XCTAssertEqual(r.recordCount, 2)
    }

    func testCSVByteOrderMarkIgnored() {
        let r = CSVParser.parse([0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8))
        XCTAssertEqual(r.records.first?.fields, ["a", "b"])
    }

    func testCSVUnterminatedQuoteNamesOpeningLine() {
        let r = parse("ok,1\nx,\"open\nmore\nstill\n")
        XCTAssertEqual(r.records.count, 1)
        XCTAssertEqual(r.issues, [.init(line: 2, message: "unterminated quoted field")])
        let s = parse("x,\"a\nb\",\"c\nd\n")
        XCTAssertEqual(s.issues, [.init(line: 1, message: "unterminated quoted field (opened on line 2)")])
    }

    func testCSVQuoteInsideUnquotedFieldIsLiteral() {
        XCTAssertEqual(parse("5\" pipe,b\n").records.first?.fields, ["5\" pipe", "b"])
    }

    func testCSVNonASCII() {
        XCTAssertEqual(parse("Ångström,π ≈ 3.14159,日本\n").records.first?.fields, ["Ångström", "π ≈ 3.14159", "日本"])
    }

    // MARK: MMLU files

    func testSubjectAndSplitFromFileName() {
        XCTAssertTrue(MMLULoader.subjectAndSplit(fileName: "college_physics_val.csv") == ("college_physics", "val"))
        XCTAssertTrue(MMLULoader.subjectAndSplit(fileName: "high_school_us_history_test.csv") == ("high_school_us_history", "test"))
        XCTAssertTrue(MMLULoader.subjectAndSplit(fileName: "anatomy_dev.csv") == ("anatomy", "dev"))
        XCTAssertTrue(MMLULoader.subjectAndSplit(fileName: "my_questions.csv") == ("my_questions", nil))
        XCTAssertTrue(MMLULoader.subjectAndSplit(fileName: "val.csv") == ("val", nil))
    }

    func testGoodFolderLoadsDataFilesOnlyInSortedOrder() throws {
        let qs = try TaskBank.load(path: BankPaths.fixture("good"))
        XCTAssertEqual(qs.map(\.id), ["mmlu/alpha/dev/1", "mmlu/alpha/dev/2", "77_A_1", "77_A_2", "77_B_1", "mmlu/beta/val/1"])
        let second = qs[1]
        XCTAssertEqual(second.text, "Second, with comma")
        XCTAssertEqual(second.options, ["He said \"hi\"", "line\none", "x", "y"])
        XCTAssertEqual(second.gold, 3)
        XCTAssertEqual(second.metadata.line, 2)
        XCTAssertEqual(second.metadata.split, "dev")
        XCTAssertEqual(second.subject, "alpha")
        XCTAssertNil(second.passage)
        XCTAssertEqual(qs[5].metadata.source, BankPaths.fixture("good") + "/sub/beta_val.csv")
    }

    func testExplicitFileReadWhateverItsExtension() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/physics_val.txt"
        try "What is measured in newtons?,Force,Mass,Energy,Power,A\n".write(toFile: path, atomically: true, encoding: .utf8)
        let qs = try TaskBank.load(path: path)
        XCTAssertEqual(qs.map(\.id), ["mmlu/physics/val/1"])
        // The same file is skipped by a folder scan.
        XCTAssertEqual(loadErrors([dir]), ["\(dir): folder holds no .csv, .jsonl or .json files"])
    }

    func testRecordNumbersCountBadRecordsToo() throws {
        // Ids come from the record number, so fixing a bad record never renumbers the others.
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s_val.csv"
        try "Q1,a,b,c,d,A\n\nQ2,a,b,c,d,B\n".write(toFile: path, atomically: true, encoding: .utf8)
        let qs = try TaskBank.load(path: path)
        XCTAssertEqual(qs.map(\.id), ["mmlu/s/val/1", "mmlu/s/val/2"])
        XCTAssertEqual(qs.map(\.metadata.line), [1, 3])
    }

    func testFormatDetectedByContent() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // JSON lines in a .csv file are still read as QuALITY.
        let jsonl = try String(contentsOfFile: BankPaths.fixture("good/gull.jsonl"), encoding: .utf8)
        try jsonl.write(toFile: dir + "/odd_name.csv", atomically: true, encoding: .utf8)
        // A CSV question starting with a brace stays CSV.
        try "{1} has how many elements?,One,Two,Three,Four,A\n".write(toFile: dir + "/sets_val.csv", atomically: true, encoding: .utf8)
        let qs = try TaskBank.load(path: dir)
        XCTAssertEqual(qs.filter { $0.task == .quality }.count, 3)
        XCTAssertEqual(qs.filter { $0.task == .mmlu }.map(\.text), ["{1} has how many elements?"])
    }

    // MARK: QuALITY

    func testQualityQuestionsShareOnePassage() throws {
        let qs = try TaskBank.load(path: BankPaths.fixture("good/gull.jsonl"))
        XCTAssertEqual(qs.count, 3)
        let passages = qs.compactMap(\.passage)
        XCTAssertEqual(passages.count, 3)
        // Same instance for both lines of the article.
        XCTAssertTrue(passages[0] === passages[1])
        XCTAssertTrue(passages[0] === passages[2])
        XCTAssertEqual(passages[0].id, "77")
        XCTAssertEqual(passages[0].title, "Gull Rock")
        XCTAssertEqual(qs.map(\.gold), [0, 1, 2])
        XCTAssertEqual(qs.map(\.metadata.difficult), [true, false, true])
        XCTAssertEqual(qs.map(\.metadata.line), [1, 1, 3])
        XCTAssertEqual(qs[0].subject, "Gull Rock")
        XCTAssertEqual(qs[0].task, .quality)
    }

    func testPassageSharedAcrossFiles() throws {
        let dir = try BankPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try String(contentsOfFile: BankPaths.fixture("good/gull.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        try (lines[0] + "\n").write(toFile: dir + "/one.jsonl", atomically: true, encoding: .utf8)
        try (lines[1] + "\n").write(toFile: dir + "/two.jsonl", atomically: true, encoding: .utf8)
        let qs = try TaskBank.load(path: dir)
        XCTAssertEqual(qs.count, 3)
        XCTAssertTrue(qs[0].passage === qs[2].passage)
    }

    func testQualitySplitFromFileName() {
        XCTAssertEqual(QualityLoader.split(fileName: "QuALITY.v1.0.1.htmlstripped.dev"), "dev")
        XCTAssertEqual(QualityLoader.split(fileName: "demo.htmlstripped.jsonl"), "demo")
        XCTAssertNil(QualityLoader.split(fileName: "quality_sample.htmlstripped.jsonl"))
        XCTAssertTrue(TaskBank.isDataFileName("QuALITY.v1.0.1.htmlstripped.dev"))
        XCTAssertFalse(TaskBank.isDataFileName("README.md"))
        XCTAssertFalse(TaskBank.isDataFileName("QuALITY.v1.0.1.zip"))
        XCTAssertFalse(TaskBank.isDataFileName(".hidden.csv"))
        XCTAssertTrue(TaskBank.isDataFileName("physics_val.CSV"))
    }

    // MARK: Shared data (skipped when absent)

    func testAllMMLUValidationSubjectsLoad() throws {
        let dir = BankPaths.shared + "/data/mmlu/val"
        guard FileManager.default.fileExists(atPath: dir) else { throw XCTSkip("no shared MMLU data at \(dir)") }
        let qs = try TaskBank.load(path: dir)
        let summary = BankSummary(questions: qs)
        XCTAssertEqual(Set(qs.map(\.subject)).count, 57)
        // Each record of each file, counted independently of the loader: non-empty CSV lines
        // that end a record (every MMLU answer field is a bare letter at the end of a line).
        var expected = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".csv") {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            expected += text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
                .filter { $0.hasSuffix(",A") || $0.hasSuffix(",B") || $0.hasSuffix(",C") || $0.hasSuffix(",D") }.count
        }
        XCTAssertEqual(qs.count, expected)
        XCTAssertEqual(qs.count, 1542)
        XCTAssertEqual(summary.tasks.first?.splits, ["val": 1542])
        XCTAssertTrue(qs.allSatisfy { $0.options.count == 4 && (0..<4).contains($0.gold) })
        XCTAssertEqual(Set(qs.map(\.id)).count, qs.count)
    }

    func testSharedQualityRecord() throws {
        let dir = BankPaths.shared + "/data/quality"
        guard FileManager.default.fileExists(atPath: dir) else { throw XCTSkip("no shared QuALITY data at \(dir)") }
        let qs = try TaskBank.load(path: dir)
        XCTAssertEqual(qs.count, 5)
        XCTAssertEqual(Set(qs.compactMap { $0.passage.map(ObjectIdentifier.init) }).count, 1)
        XCTAssertEqual(qs.first?.passage?.id, "52845")
        XCTAssertEqual(qs.first?.passage?.title, "The Girl in His Mind")
        XCTAssertEqual(qs.map(\.id), (1...5).map { "52845_YLZPNNYD_\($0)" })
        XCTAssertEqual(qs.map(\.gold), [1, 2, 3, 0, 3])
        XCTAssertEqual(qs.filter { $0.metadata.difficult == true }.count, 4)
    }

    // MARK: The bundled demo bank

    func testDemoBankLoadsCleanly() throws {
        let qs = try TaskBank.load(path: BankPaths.tasks)
        let mmlu = qs.filter { $0.task == .mmlu }
        let quality = qs.filter { $0.task == .quality }
        XCTAssertGreaterThanOrEqual(mmlu.count, 15)
        XCTAssertGreaterThanOrEqual(Set(mmlu.map(\.subject)).count, 3)
        // Gold letters vary.
        XCTAssertEqual(Set(mmlu.map(\.gold)), [0, 1, 2, 3])
        XCTAssertEqual(Set(quality.map(\.gold)), [0, 1, 2, 3])
        let passages = Dictionary(grouping: quality, by: { $0.passage?.id ?? "" })
        XCTAssertGreaterThanOrEqual(passages.count, 2)
        for (_, group) in passages {
            let words = group[0].passage?.text.split(whereSeparator: { $0.isWhitespace }).count ?? 0
            XCTAssertGreaterThanOrEqual(words, 1500, group[0].subject)
            XCTAssertGreaterThanOrEqual(group.count, 4, group[0].subject)
            XCTAssertTrue(group.contains { $0.metadata.difficult == true }, group[0].subject)
        }
        XCTAssertTrue(quality.allSatisfy { $0.metadata.split == "demo" })
    }

    // MARK: The command line

    func testTasksCheckExitsTwoOnBadInput() throws {
        let binary = BankPaths.root + "/.build/debug/oversight"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("build the oversight executable first (swift build --product oversight)")
        }
        let bad = run(binary, ["tasks", "check", BankPaths.fixture("bad_answer_val.csv")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains(BankPaths.fixture("bad_answer_val.csv") + ":2: answer must be one of A, B, C, D"),
                      bad.stderr)
        let good = run(binary, ["tasks", "check", BankPaths.fixture("good")])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("total: 6 questions"), good.stdout)
    }

    private func run(_ binary: String, _ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            XCTFail("cannot run \(binary): \(error)")
            return (-1, "", "")
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
