import Foundation

/// A seeded, time-bounded mutation-fuzz campaign shared by the parser fuzz tests, so every parser is
/// fuzzed the same way and a long campaign is one environment variable away:
/// `MEGALODON_FUZZ_SECONDS` overrides the time budget and `MEGALODON_FUZZ_SEED` the seed.
public struct MutationFuzzCampaign {
    public let seconds: Double
    public let seed: UInt64

    public init(defaultSeconds: Double, defaultSeed: UInt64) {
        let environment = ProcessInfo.processInfo.environment
        seconds = environment["MEGALODON_FUZZ_SECONDS"].flatMap(Double.init) ?? defaultSeconds
        seed = environment["MEGALODON_FUZZ_SEED"].flatMap(UInt64.init) ?? defaultSeed
    }

    /// Feeds mutants of the corpus to `body` until the time budget is spent; returns how many ran.
    /// `mutate` defaults to `ByteMutations.apply` (format-blind edits).
    @discardableResult
    public func run(
        corpus: [[UInt8]],
        mutate: (inout [UInt8], inout SeededGenerator) -> Void = { ByteMutations.apply(to: &$0, using: &$1) },
        body: ([UInt8]) throws -> Void
    ) rethrows -> Int {
        guard !corpus.isEmpty else { return 0 }
        var generator = SeededGenerator(seed: seed)
        let deadline = Date().addingTimeInterval(seconds)
        var executions = 0
        while Date() < deadline {
            // Check the clock every few mutants: a fast parser runs millions.
            for _ in 0..<16 {
                var bytes = corpus[executions % corpus.count]
                mutate(&bytes, &generator)
                try body(bytes)
                executions += 1
            }
        }
        return executions
    }
}

/// Format-blind byte edits: bit flips, boundary bytes, truncation, insertion and deletion, one to
/// four per mutant.
public enum ByteMutations {
    static let boundaryBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x2E, 0x28, 0x71]

    public static func apply(to bytes: inout [UInt8], using generator: inout SeededGenerator) {
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else { return }
            applyOne(to: &bytes, using: &generator)
        }
    }

    /// One edit at a random position of a non-empty buffer.
    public static func applyOne(to bytes: inout [UInt8], using generator: inout SeededGenerator) {
        guard !bytes.isEmpty else { return }
        let position = Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &generator)
        case 1: bytes[position] = boundaryBytes.randomElement(using: &generator) ?? 0
        case 2: bytes.removeSubrange(position...)
        case 3: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
        default: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &generator)))
        }
    }
}
