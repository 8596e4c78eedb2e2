import ArgumentParser
import CommandSupport
import Quantization
import Tensors

/// `--threads` for every benchmark: one thread by default, because the primary figures are
/// single-threaded (the second core of a shared machine is sometimes busy).
struct BenchThreadOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and our kernels (1 gives the most repeatable figures).")
    var threads = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    /// Selects OpenBLAS's fastest kernels for this CPU and applies the thread count; call first.
    func apply() { Self.prepareMachine(threads: threads) }

    /// The lines every benchmark prints under its title (`printMachine(threads:)`).
    func printMachine() { Self.printMachine(threads: threads) }

    /// `apply()` for a command with its own thread options.
    static func prepareMachine(threads: Int) {
        BLASKernelSelection.reexecIfBeneficial()
        AllocatorTuning.keepFreedMemory()
        setComputeThreads(threads)
    }

    /// The lines every benchmark prints under its title: the CPU, its flags and the kernels that ran,
    /// with the decode tiles measured on this CPU for the classes the run's matrices settled (each
    /// timed on rows as long as the first matrix of its class; see `DecodeTiling.settle`).
    static func printMachine(threads: Int) {
        print(
            "machine: \(CPUDescription.current.summary); quantized kernels \(KernelVariant.preferred); OpenBLAS kernels \(BLAS.coreName) (\(BLASKernelSelection.origin)); \(threads) thread(s)"
        )
        print("decode tiles, rows at a time (\(KernelVariant.preferred)): \(DecodeTiling.summary())")
    }
}
