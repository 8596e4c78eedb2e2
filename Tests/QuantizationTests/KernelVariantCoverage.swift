import Foundation
import TestSupport
import Testing

@testable import Quantization

/// Which kernel variants the tests exercise on this CPU. Every variant is listed in the parameterized
/// kernel tests; one the CPU cannot run fails there and in the coverage test with the reason (with
/// MEGALODON_TEST_ALLOW_SKIP=cpu the coverage test is reported skipped instead), so a machine without
/// AVX-512 cannot pass by quietly testing less.
enum KernelVariantCoverage {
    static func prerequisite(_ variant: KernelVariant) -> Prerequisite {
        Prerequisite(kind: .cpu, isMet: variant.isAvailable, reason: "kernel variant \(variant) cannot run on this CPU (\(cpuModel))")
    }

    static let cpuModel: String = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    }()
}

struct KernelVariantCoverageTests {
    /// Prints the line scripts/test repeats in its summary; fails (or, opted out, is skipped) naming
    /// each variant this CPU cannot run.
    @Test func everyKernelVariantRunsOnThisCPU() throws {
        let runnable = KernelVariant.allCases.filter(\.isAvailable).map(\.description)
        let missing = KernelVariant.allCases.filter { !$0.isAvailable }.map(\.description)
        print(
            "kernel variants: tested \(runnable.joined(separator: ", ")); cannot run here: "
                + (missing.isEmpty ? "none" : missing.joined(separator: ", ")) + " (\(KernelVariantCoverage.cpuModel))")
        try Prerequisite(
            kind: .cpu, isMet: missing.isEmpty,
            reason: "kernel variants \(missing.joined(separator: ", ")) cannot run on this CPU (\(KernelVariantCoverage.cpuModel))"
        ).check()
        #expect(runnable.count == KernelVariant.allCases.count)
    }
}
