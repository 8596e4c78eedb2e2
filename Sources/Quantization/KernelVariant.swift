import CQuantKernels
import Foundation

/// The instruction-set variants of the quantized kernels. Which ones run is decided at run time from
/// the CPU, so one build works on any x86-64 (and on other architectures through `portable`).
public enum KernelVariant: Int32, CaseIterable, Sendable, CustomStringConvertible, RuntimeSelectedKernel {
    case portable = 0
    case avx2 = 1
    /// AVX2 with AVX-VNNI's 256-bit dpbusd: Intel's client and E-core CPUs, which have no AVX-512 (CPUs
    /// with AVX-512 VNNI, Zen 5 among them, take `avx512VNNI`).
    case avxVNNI = 2
    case avx512VNNI = 3

    public var isAvailable: Bool { qk_variant_available(rawValue) != 0 }

    public var description: String { String(cString: qk_variant_name(rawValue)) }

    /// Every variant this CPU can run, slowest first.
    public static var available: [KernelVariant] { allCases.filter(\.isAvailable) }

    /// The variant used by default: the fastest available, unless the environment variable
    /// `MEGALODON_KERNEL` names another available one (for comparisons and for ruling a kernel out).
    public static let preferred = runtimeChoice(
        overriddenBy: "MEGALODON_KERNEL", otherwise: KernelVariant(rawValue: qk_best_variant()) ?? .portable)
}
