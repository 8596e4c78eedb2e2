import ArgumentParser
import Foundation

/// Token counts as people type them on a command line: "4096", "4K", "2M", comma-separated
/// (K and M count 1024 and 1048576).
public enum TokenCountList {
    public static func parse(_ text: String, option: String) throws -> [Int] {
        try text.split(separator: ",").map { part in
            let trimmed = part.trimmingCharacters(in: .whitespaces).uppercased()
            let multiplier = trimmed.hasSuffix("K") ? 1 << 10 : trimmed.hasSuffix("M") ? 1 << 20 : 1
            let digits = multiplier == 1 ? trimmed : String(trimmed.dropLast())
            guard let value = Int(digits), value > 0 else {
                throw ValidationError("\(option): \"\(part)\" is not a positive token count (e.g. 4096, 4K, 2M)")
            }
            return value * multiplier
        }
    }
}
