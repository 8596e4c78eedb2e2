import ArgumentParser
import Foundation
import Models
import Provenance
import Quantization
import Tensors

/// `--threads`, shared by every tool that computes.
public struct ComputeOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Threads for matrix products and our own kernels.",
            discussion: "One thread gives the most repeatable timings; the default uses every core."))
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        name: .long,
        help: ArgumentHelp(
            "How quantized weights (Q8_0, Q4_0, Q4_1, Q5_x and k-quant GGUF blocks, quantized model directories) multiply activations.",
            discussion:
                "integer (default): activations rounded to int8 blocks of 32 and integer dot products, fast, as llama.cpp computes. float: weights dequantized a few rows at a time and multiplied in float, slower, without the activation rounding (what the weights alone lose).",
            valueName: "integer|float"))
    public var quantizedArithmetic: String?

    public init() {}

    public func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if let quantizedArithmetic, !["integer", "float"].contains(quantizedArithmetic) {
            throw ValidationError("--quantized-arithmetic must be integer or float (got \(quantizedArithmetic))")
        }
    }

    /// Selects OpenBLAS's fastest kernels for this CPU (see `BLASKernelSelection`) and applies the
    /// thread count to OpenBLAS and the kernel thread pool. Call before any computation.
    public func apply() {
        BLASKernelSelection.reexecIfBeneficial()
        AllocatorTuning.keepFreedMemory()
        setComputeThreads(threads)
    }

    /// The provenance of a results file that `tool` writes with these options: the build, the machine,
    /// the threads, and the kernels chosen for this CPU (after `apply()`).
    public func run(tool: String) -> ToolRun {
        .current(tool: tool, threads: threads, kernels: "quantized \(KernelVariant.preferred), OpenBLAS \(BLAS.coreName)")
    }

    /// The arithmetic to pass to the model loaders: `--quantized-arithmetic`, else the user's
    /// `MEGALODON_QUANTIZED_ARITHMETIC` (see `QuantizedArithmeticSetting`).
    public var arithmetic: QuantizedArithmetic { QuantizedArithmeticSetting.resolve(option: quantizedArithmetic) }
}
