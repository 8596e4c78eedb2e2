import ArgumentParser
import CommandSupport

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-bench",
        abstract: "Measure the engines' speed against OpenBLAS and memory-bandwidth anchors.",
        discussion: "Each subcommand measures one part of the toolkit together with its OpenBLAS anchor in the same run, so ratios are meaningful even on a noisy machine.",
        subcommands: [QuantKernelsBench.self])
}
