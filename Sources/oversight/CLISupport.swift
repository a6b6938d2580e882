import ArgumentParser
import Foundation
import OversightCore

/// Expands command-line paths into session log files.
enum SessionFiles {
    /// Files as given, and every `.jsonl` under given folders (recursively, sorted), session
    /// logs and baseline files alike.
    static func expand(_ paths: [String]) throws -> [URL] {
        var out: [URL] = []
        for p in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDir) else {
                throw CLIError("\(p): no such file or folder")
            }
            if isDir.boolValue {
                let found = (FileManager.default.enumerator(atPath: p)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".jsonl") && ($0 as NSString).lastPathComponent != Assignments.fileName }
                    .sorted()
                    .map { URL(fileURLWithPath: p).appendingPathComponent($0) }
                if found.isEmpty { throw CLIError("\(p): no session logs (.jsonl) in this folder") }
                out += found
            } else {
                out.append(URL(fileURLWithPath: p))
            }
        }
        return out
    }
}

/// A one-line error for the user; exits with status 2 (bad input).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Prints input errors one per line on stderr and exits 2.
enum InputFailure {
    static func report<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as InputErrors {
            for line in e.lines() { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            throw ExitCode(2)
        } catch let e as InputError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        } catch let e as CLIError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
    }
}

/// Set once when a stop signal arrives, read by a command's main loop (`model serve`, `serve ssh`).
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }

    /// Replaces the default action of `signals` by setting this flag (then running `also`).
    /// Keep the returned sources alive for as long as the signals should be caught.
    func watch(_ signals: [Int32], also: @escaping @Sendable () -> Void = {}) -> [DispatchSourceSignal] {
        signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                set()
                also()
            }
            source.resume()
            return source
        }
    }
}

extension Provider: ExpressibleByArgument {
    /// What `--provider` offers: the simulated assistant has no model to ask.
    public static var allValueStrings: [String] { allCases.filter { $0 != .simulated }.map(\.rawValue) }
}

/// The model server options that `baseline` and `stance` share: each replaces the study's
/// `[assistant]` setting of the same name.
struct ModelServerOptions: ParsableArguments {
    @Option(name: .long, help: "Provider: local, openai or anthropic (default: the study's, else local).")
    var provider: Provider?

    @Option(name: .long, help: "Base URL of the provider's API.")
    var baseURL: String?

    @Option(name: .long, help: "Model name (local: a file under .venv/models without .gguf, or a path).")
    var model: String?

    @Option(name: .long, help: "Environment variable holding the API key.")
    var apiKeyEnv: String?

    @Option(name: .long, help: "Seconds without a byte from the server before a request fails.")
    var timeout: Double?

    func validate() throws {
        if provider == .simulated { throw ValidationError("--provider must be local, openai or anthropic") }
    }

    /// Whether any of the options was given.
    var anyGiven: Bool { provider != nil || baseURL != nil || model != nil || apiKeyEnv != nil || timeout != nil }

    /// The study's assistant settings with the options given put in their place.
    func apply(to config: inout AssistantConfig) {
        if let provider { config.provider = provider }
        if let baseURL { config.baseURL = baseURL }
        if let model { config.model = model }
        if let apiKeyEnv { config.apiKeyEnv = apiKeyEnv }
        if let timeout { config.timeoutSeconds = timeout }
    }
}
