import Foundation
import Tensors

/// Makes OpenBLAS use the kernels the CPU runs fastest, chosen from its instruction sets.
///
/// OpenBLAS picks its kernels once, when the library loads, from the CPU model it recognises (or from
/// `OPENBLAS_CORETYPE`), not from what the CPU can do: on virtual machines that report a generic Intel
/// model it falls back to its oldest x86-64 kernels ("Prescott"), and the development VMs export
/// `OPENBLAS_CORETYPE=Haswell` although their CPUs run AVX-512. `megalodon-bench blas` measures every
/// core type on the machine at hand; on both (an AMD EPYC Zen 5 class and a Sapphire Rapids class VM)
/// the AVX-512 SkylakeX kernels gave the fastest sgemm by far and sgemv at least as fast as Haswell (see
/// BENCHMARKS.md), so the choice follows the instruction sets: SkylakeX with AVX-512 F/BW/DQ/VL, Haswell
/// with AVX2 + FMA. When the loaded kernels are weaker than that (OpenBLAS's own fallback, or an
/// inherited `OPENBLAS_CORETYPE` naming an older family), the tool re-executes itself once with
/// `OPENBLAS_CORETYPE` set to the better core. `MEGALODON_OPENBLAS_CORETYPE` forces a core type
/// (e.g. to measure another one); a stronger inherited value is kept.
public enum BLASKernelSelection {
    static let reexecMarker = "MEGALODON_BLAS_REEXEC"

    /// OpenBLAS x86-64 core names from the oldest instruction sets to the newest, as far as they matter
    /// here: a loaded core at or above the preferred one's rank is kept.
    static let coreRanks: [String: Int] = [
        "prescott": 0, "core2": 0, "katmai": 0, "coppermine": 0, "northwood": 0, "banias": 0, "atom": 0, "nano": 0,
        "penryn": 0, "dunnington": 0, "nehalem": 1, "opteron": 0, "barcelona": 1, "bobcat": 1, "bulldozer": 2,
        "piledriver": 2, "steamroller": 2, "excavator": 2, "sandybridge": 2, "haswell": 3, "zen": 3,
        "skylakex": 4, "cooperlake": 4, "sapphirerapids": 4,
    ]

    /// The OpenBLAS core type best suited to a CPU with these `/proc/cpuinfo` flags, or nil.
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// Whether kernels of `loaded` are weaker than `preferred` (unknown names count as weaker only when
    /// they are not the preferred one).
    static func isWeaker(_ loaded: String, than preferred: String) -> Bool {
        guard let wanted = coreRanks[preferred.lowercased()] else { return false }
        guard let have = coreRanks[loaded.lowercased()] else { return loaded.lowercased() != preferred.lowercased() }
        return have < wanted
    }

    /// Who chose the kernels now loaded: for the lines benchmarks print.
    public static var origin: String {
        let environment = ProcessInfo.processInfo.environment
        guard let value = environment["OPENBLAS_CORETYPE"] else { return "chosen by OpenBLAS" }
        guard let replaced = environment[reexecMarker] else { return "OPENBLAS_CORETYPE=\(value) from the environment" }
        if environment["MEGALODON_OPENBLAS_CORETYPE"] != nil { return "forced by MEGALODON_OPENBLAS_CORETYPE" }
        return "set from the CPU flags, replacing \(replaced)"
    }

    /// Re-executes the current process with `OPENBLAS_CORETYPE` set when that gives faster kernels.
    /// Returns normally when nothing needs to change (or re-execution is impossible).
    public static func reexecIfBeneficial() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[reexecMarker] == nil else { return }
        let inherited = environment["OPENBLAS_CORETYPE"]
        let core: String
        if let forced = environment["MEGALODON_OPENBLAS_CORETYPE"], !forced.isEmpty {
            guard forced != inherited else { return }
            core = forced
        } else {
            guard let preferred = preferredCoreType(cpuFlags: CPUDescription.current.flags),
                isWeaker(BLAS.coreName, than: preferred)
            else { return }
            core = preferred
        }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(reexecMarker, inherited.map { "OPENBLAS_CORETYPE=\($0)" } ?? "OpenBLAS's own \(BLAS.coreName)", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        if let inherited { setenv("OPENBLAS_CORETYPE", inherited, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        unsetenv(reexecMarker)
    }
}
