import Foundation
import XCTest

/// The README's commands work as written: `scripts/install.sh` puts `oversight` on PATH, every
/// `oversight SUBCOMMAND` the README names exists, and the linked binary still finds this
/// project (its `.venv`) when started from another folder.
final class ReadmeCommandsTests: XCTestCase {
    static let root = StudyFixture.packageRoot

    /// Commands in the README's code blocks and inline code, as typed.
    static func readmeCommands() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        var commands: [String] = []
        // The fence's language: nil outside a block; "sh" and "" hold commands, "console" holds
        // `$ command` lines among their output, anything else (toml, text) holds no commands.
        var block: String?
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("```") {
                block = block == nil ? String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces) : nil
                continue
            }
            if let language = block {
                var typed: String
                switch language {
                case "sh", "": typed = line
                case "console":
                    guard line.hasPrefix("$ ") else { continue }
                    typed = String(line.dropFirst(2))
                default: continue
                }
                typed = typed.components(separatedBy: " #").first?.trimmingCharacters(in: .whitespaces) ?? ""
                if !typed.isEmpty { commands.append(typed) }
                continue
            }
            // Inline code: `...`
            let parts = line.components(separatedBy: "`")
            for k in stride(from: 1, to: parts.count, by: 2) where parts[k].hasPrefix("oversight ") {
                commands.append(parts[k])
            }
        }
        return commands
    }

    /// Install into a scratch PREFIX and run the binary through PATH from an unrelated folder.
    func testReadmeCommandsWorkAfterInstall() throws {
        let binary = try StudyFixture.locateBinary()
        XCTAssertTrue(binary.hasSuffix("debug/oversight") || binary.hasSuffix("release/oversight"))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("install-\(UUID().uuidString.prefix(8))")
        let prefix = scratch.appendingPathComponent("prefix"), elsewhere = scratch.appendingPathComponent("study")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Link the binary the tests run (already built) instead of building a release one.
        let flags = binary.hasSuffix("debug/oversight") ? ["--debug", "--no-build"] : ["--no-build"]
        let install = try run("/bin/bash", [Self.root.appendingPathComponent("scripts/install.sh").path] + flags,
                              in: Self.root, env: ["PREFIX": prefix.path])
        XCTAssertEqual(install.status, 0, install.output)
        let linked = prefix.appendingPathComponent("bin/oversight").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: linked), install.output)
        let path = prefix.appendingPathComponent("bin").path + ":/usr/bin:/bin"

        // Every subcommand the README names, typed as `oversight ...`, exists.
        let commands = try Self.readmeCommands()
        var subcommands = Set<String>()
        for c in commands {
            let words = c.split(separator: " ").map(String.init)
            if words.first == "oversight", words.count > 1, words[1].first?.isLetter == true {
                subcommands.insert(words[1])
            }
        }
        XCTAssertTrue(subcommands.isSuperset(of: ["run", "demo", "baseline", "score", "verify", "study", "tasks"]),
                      "\(subcommands.sorted())")
        for sub in subcommands.sorted() {
            let r = try run("/usr/bin/env", ["oversight", "help", sub], in: elsewhere, env: ["PATH": path])
            XCTAssertEqual(r.status, 0, "oversight help \(sub): \(r.output)")
        }
        // Every command in a code block starts with something that exists as typed.
        for c in commands where !c.hasPrefix("oversight ") && !c.hasPrefix("[") && !c.contains("=") {
            guard let first = c.split(separator: " ").first.map(String.init), !first.hasPrefix("#") else { continue }
            let ok = first == "oversight" || first == "swift"
                || FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(first).path)
                || first.hasPrefix(".build/")
            XCTAssertTrue(ok, "README command `\(c)`: \(first) is neither installed nor in the project")
        }

        // Started through the link from another folder, the binary still finds the project:
        // the local provider looks for its model under this project's .venv.
        let bank = elsewhere.appendingPathComponent("bank")
        try FileManager.default.createDirectory(at: bank, withIntermediateDirectories: true)
        try "What is 2+2?,3,4,5,6,B\n".write(to: bank.appendingPathComponent("arith_val.csv"), atomically: true, encoding: .utf8)
        let b = try run("/usr/bin/env", ["oversight", "baseline", "--bank", bank.path, "--provider", "local",
                                         "--model", "no-such-model-file", "--convention", "generate"],
                        in: elsewhere, env: ["PATH": path])
        XCTAssertNotEqual(b.status, 0)
        XCTAssertFalse(b.output.contains("cannot find the project folder"), b.output)
        XCTAssertTrue(b.output.contains(Self.root.appendingPathComponent(".venv/models/no-such-model-file.gguf").path), b.output)
    }

    struct Result {
        var status: Int32
        var output: String
    }

    private func run(_ tool: String, _ args: [String], in folder: URL, env: [String: String]) throws -> Result {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try handle.close()
        return Result(status: p.terminationStatus, output: try String(contentsOf: log, encoding: .utf8))
    }
}
