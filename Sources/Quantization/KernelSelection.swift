import Foundation

/// A family of kernels of which the CPU runs some, chosen once at start-up by one rule: the variant
/// named by an environment variable if this CPU runs it (for comparisons and for ruling a kernel
/// out), else the best one the C side reports.
protocol RuntimeSelectedKernel: CaseIterable, CustomStringConvertible {
    var isAvailable: Bool { get }
}

extension RuntimeSelectedKernel {
    /// The variant `variable` names if available, else `best`.
    static func runtimeChoice(
        overriddenBy variable: String, otherwise best: Self,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Self {
        if let name = environment[variable], let forced = allCases.first(where: { $0.description == name }), forced.isAvailable {
            return forced
        }
        return best
    }
}
