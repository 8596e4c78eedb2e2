import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation

@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "megalodon-bench",
        abstract: "Measure the engines' speed against OpenBLAS and memory-bandwidth anchors.",
        discussion:
            "megalodon builds a random-weight model of a named shape, times it, and measures the BLAS anchors (sgemm for prefill, sgemv for decode) in the same run, so the ratios are meaningful even on a noisy machine. Figures are medians over --repeats runs. megalodon-longrun streams a million real tokens through a small random-weight model and checks that its logits do not drift and its memory stays flat. quant-kernels times the quantized and half-precision matrix kernels against sgemv (and sgemm with --prefill-rows) on one matrix. perplexity-memory records peak memory while scoring ever longer perplexity segments (4K to 2M tokens). convert times checkpoint conversion on a synthetic multi-gigabyte checkpoint against a plain file copy of the same bytes, with peak memory. llama times the Llama engine on a real model (prefill and decode, like llama-bench) and can run llama.cpp's llama-bench in the same run. quant times one Llama model at several weight types (f32, int8, int4) next to llama.cpp on the same files and reports the decode weight bandwidth against sgemv. blas measures OpenBLAS's kernel families (OPENBLAS_CORETYPE) on this CPU, the figures behind the tools' choice. decode times one token of a model directory (e.g. a 7B bf16 one) against sgemv over the same bytes. threads measures what a second thread gains over one, in paired rounds with sgemv's own gain beside it.",
        subcommands: [
            MegalodonBench.self, MegalodonLongRunBench.self, QuantKernelsBench.self, QuantBench.self, PerplexityMemoryBench.self,
            ConvertBench.self, LlamaBench.self, BLASBench.self, ScaleBench.self, ThreadsBench.self,
        ])
}
