import ArgumentParser
import Foundation
import Tensors

/// `--threads`, shared by every tool that computes.
public struct ComputeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Threads for matrix products and our own kernels.",
        discussion: "One thread gives the most repeatable timings; the default uses every core."))
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    public init() {}

    public func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    /// Selects OpenBLAS's fastest kernels for this CPU (see `BLASKernelSelection`) and applies the
    /// thread count to OpenBLAS and the kernel thread pool. Call before any computation.
    public func apply() {
        BLASKernelSelection.reexecIfBeneficial()
        setComputeThreads(threads)
    }
}
