import ArgumentParser

/// `oversight-bench`: speed and memory measurements, run on demand (never in the test suite).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oversight-bench",
        abstract: "Measure speed and memory of the participant screen, the scorer and the gateways.",
        subcommands: [RenderBench.self, ScoreBench.self, StreamBench.self, PowerBench.self, ServeBench.self]
    )
}
