import Foundation

/// What `/proc/cpuinfo` says about the CPU: printed by every benchmark so that a figure names the
/// machine it came from, and read for the instruction sets kernels are chosen by.
public struct CPUDescription: Sendable {
    public let model: String
    public let vendor: String
    public let family: String
    public let flags: Set<String>

    /// The flags the kernels and OpenBLAS's choice depend on, in a fixed order.
    public static let relevantFlags = [
        "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512_vnni",
        "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_int8",
    ]

    public static let current: CPUDescription = {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else {
                if !fields.isEmpty { break }  // the first processor's block is enough
                continue
            }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return CPUDescription(
            model: fields["model name"] ?? "unknown CPU", vendor: fields["vendor_id"] ?? "unknown vendor",
            family: fields["cpu family"] ?? "?",
            flags: Set((fields["flags"] ?? "").split(separator: " ").map(String.init)))
    }()

    /// "AMD EPYC (AuthenticAMD family 26; avx2 fma f16c avx512f …)".
    public var summary: String {
        let present = Self.relevantFlags.filter(flags.contains)
        return "\(model) (\(vendor) family \(family); \(present.isEmpty ? "no AVX2/AVX-512" : present.joined(separator: " ")))"
    }
}
