import Foundation
import Tensors

/// Makes OpenBLAS use the kernels the CPU can run fastest.
///
/// OpenBLAS picks its kernels once, when the library loads, from the CPU model it recognises. On
/// virtual machines that report a generic model name it falls back to its oldest x86-64 kernels
/// ("Prescott"), which measured 5x slower for sgemm and 2x for sgemv here than the AVX-512 ones.
/// The choice can only be changed through `OPENBLAS_CORETYPE` before the library loads, so when
/// that variable is unset and the loaded kernels are a generic fallback, the tool re-executes
/// itself once with the variable set from the CPU's feature flags. A value the user (or the
/// machine's administrator) has set is always kept.
public enum BLASKernelSelection {
    static let reexecMarker = "MEGALODON_BLAS_REEXEC"

    /// Core names OpenBLAS uses when it could not identify the CPU.
    static let fallbackCores: Set<String> = ["prescott", "core2", "katmai", "coppermine", "northwood", "banias", "atom", "nano"]

    /// The OpenBLAS core type best suited to a CPU with these `/proc/cpuinfo` flags, or nil.
    public static func preferredCoreType(cpuFlags: Set<String>) -> String? {
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// Re-executes the current process with `OPENBLAS_CORETYPE` set when that gives faster kernels.
    /// Returns normally when nothing needs to change (or re-execution is impossible).
    public static func reexecIfBeneficial() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment[reexecMarker] == nil else { return }
        guard fallbackCores.contains(BLAS.coreName.lowercased()) else { return }
        guard let flags = cpuFlags(), let core = preferredCoreType(cpuFlags: flags) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(reexecMarker, "1", 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        argv.append(nil)
        execv("/proc/self/exe", &argv)
        // execv only returns on failure: carry on with the kernels already loaded.
        unsetenv("OPENBLAS_CORETYPE")
    }

    static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return nil
    }
}
