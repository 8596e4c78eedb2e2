import ArgumentParser
import CommandSupport
import Foundation

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-bench",
        abstract: "Measure the engines' speed against OpenBLAS and memory-bandwidth anchors.",
        discussion: "Each subcommand builds a random-weight model of a named shape, times it, and measures the BLAS anchors (sgemm for prefill, sgemv for decode) in the same run, so the ratios are meaningful even on a noisy machine. Figures are medians over --repeats runs.",
        subcommands: [MegalodonBench.self, LlamaBench.self])
}
