import ArgumentParser
import Foundation
import OversightAssistants
import OversightCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `oversight model`: the local model, shared by all sessions on the machine.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Run the local model once for all sessions on this machine.",
        subcommands: [ModelServeCommand.self]
    )
}

/// `oversight model serve`: one llama.cpp server in the foreground, for every participant.
struct ModelServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the local model server in the foreground until Ctrl-C.",
        discussion: """
            Starts the llama.cpp server of the project's .venv (made by scripts/setup-model.sh) \
            on 127.0.0.1, waits until it answers, and prints the [assistant] lines that point a \
            study at it (provider = "openai", base_url, model, and timeout_seconds = 600, since \
            a request may wait behind others while the server sends nothing). Sessions started with such a \
            study share this one model instead of each starting their own. The server answers \
            one request at a time: while it answers one participant, the others' chat shows \
            how long they have waited. Ctrl-C or SIGTERM stops the server and exits 0; if the \
            server ends by itself the command exits 1.
            """
    )

    @Option(help: "Port on 127.0.0.1.")
    var port: Int = 8765

    @Option(help: "Model: a file name under .venv/models without .gguf, or a path to a .gguf file (default: \(LocalModelServer.defaultModel)).")
    var model: String?

    @Option(name: .customLong("context-tokens"), help: "Context size in tokens (a QuALITY article needs about 8000).")
    var contextTokens: Int = 16384

    func validate() throws {
        if !(1...65535).contains(port) { throw ValidationError("--port must be between 1 and 65535") }
        if !(512...131_072).contains(contextTokens) { throw ValidationError("--context-tokens must be between 512 and 131072") }
    }

    /// The study lines for a server at `baseURL` serving `model`. The server answers one
    /// request at a time and sends nothing while a request waits or an article is read, so the
    /// study waits longer than the default 60 s before calling a silent request failed.
    static func studyLines(baseURL: String, model: String) -> String {
        """
        [assistant]
        provider = "openai"
        base_url = "\(baseURL)"
        model = "\(model)"
        timeout_seconds = 600
        """
    }

    private func say(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func run() async throws {
        // Signals are handled below (stop the server, then exit 0), not by the default action.
        let stopRequested = StopFlag()
        let sources = stopRequested.watch([SIGINT, SIGTERM])
        defer { sources.forEach { $0.cancel() } }

        let root = ProjectRoot.locate() ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let server: LocalModelServer
        do {
            server = try await LocalModelServer.start(root: root, model: model, contextTokens: contextTokens,
                                                      port: port) { line in
                FileHandle.standardError.write(Data("\r\(line)".utf8))
            }
        } catch {
            let message: String
            switch error {
            case AssistantError.configuration(let m): message = m
            case let e as AssistantError: message = e.message
            default: message = String(describing: error)
            }
            FileHandle.standardError.write(Data("\noversight model serve: \(message)\n".utf8))
            throw ExitCode(2)
        }
        FileHandle.standardError.write(Data("\n".utf8))
        say("The model \(server.modelName) is ready at \(server.baseURL). Put this in the study file:\n")
        say(Self.studyLines(baseURL: server.baseURL, model: server.modelName))
        say("\nCtrl-C stops it.")

        while server.isRunning && !stopRequested.isSet {
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        if !server.isRunning {
            FileHandle.standardError.write(Data("oversight model serve: the server stopped by itself (\(server.exitDescription))\n".utf8))
            server.stop()
            throw ExitCode(1)
        }
        server.stop()
        // The wrapper ends the server within about a second; wait for it so the port is free
        // when this command returns.
        for _ in 0..<50 where server.isRunning {
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        say("Stopped.")
    }
}
