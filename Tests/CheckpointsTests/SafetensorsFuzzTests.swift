import Foundation
import TestSupport
import Testing

@testable import Checkpoints

/// A seeded mutation fuzzer over the reference fixtures: whatever the bytes, the reader either
/// accepts a file whose tensors tile its data section exactly, or throws a typed error. Runs for
/// MEGALODON_FUZZ_SECONDS (default 10) seconds; MEGALODON_FUZZ_SEED picks the seed.
struct SafetensorsFuzzTests {
    static let tokens = [
        "{", "}", "[", "]", "\"", ",", ":", " ", "\t", "null", "true", "-1", "-0", "0", "1.5", "1e400", "18446744073709551615",
        "18446744073709551616", "9223372036854775807", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "\"F4\"",
        "\"F6_E2M3\"", "\"BOOL\"", "\"U64\"", "\"X\"", "\\u0000", "\\ud800", "\\", "[0,0]", "[]", "{}", "\u{1}", "é", "[[[[[[[[", "]]]]",
    ]
    .map { Array($0.utf8) }

    /// Format-blind edits plus two that aim at the header: a new length field, and a JSON token
    /// spliced inside the header with the length field kept consistent, so the mutation reaches the
    /// JSON and validation layers.
    static func mutate(_ bytes: inout [UInt8], _ random: inout SeededGenerator) {
        let headerEnd = min(bytes.count, 8 + Int(bytes.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0xFFFF_FFFF))
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<7, using: &random) {
            case 0 where bytes.count >= 8:
                let edits: [UInt64] = [
                    0, 1, 7, UInt64(bytes.count), UInt64(bytes.count - 8), 100_000_000, 100_000_001, .max,
                    UInt64.random(in: 0...200, using: &random),
                ]
                withUnsafeBytes(of: (edits.randomElement(using: &random) ?? 0).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            case 1, 2:
                guard headerEnd > 9, headerEnd <= bytes.count, let token = tokens.randomElement(using: &random) else { continue }
                let at = Int.random(in: 8..<headerEnd, using: &random)
                let removed = min(Int.random(in: 0...3, using: &random), headerEnd - at)
                bytes.replaceSubrange(at..<(at + removed), with: token)
                let length = UInt64(headerEnd - 8 - removed + token.count)
                withUnsafeBytes(of: length.littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            default:
                if bytes.isEmpty {
                    bytes.append(UInt8.random(in: 0...255, using: &random))
                } else {
                    ByteMutations.applyOne(to: &bytes, using: &random)
                }
            }
        }
    }

    /// Reads `bytes` as a file; returns the error's reference name, or "accepted" after checking invariants.
    static func read(_ bytes: [UInt8]) -> String {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SafetensorsError) -> SafetensorsHeader in try SafetensorsHeader(file: raw, path: "fuzz") }
        }
        switch result {
        case let .failure(error):
            _ = error.description
            return error.referenceCase ?? "\(Mirror(reflecting: error).children.first?.label ?? "")"
        case let .success(header):
            var end = 0
            for entry in header.entries {
                #expect(entry.dataRange.lowerBound == end)
                #expect(entry.dataRange.count == entry.info.byteCount)
                end = entry.dataRange.upperBound
            }
            #expect(header.dataStart + end == bytes.count)
            return "accepted"
        }
    }

    @Test func mutatedFilesNeverCrashTheReader() throws {
        let corpus = try SafetensorsFixtureTests.validFiles.map { [UInt8](try Data(contentsOf: SafetensorsFixtures.url($0))) }
        #expect(!corpus.isEmpty)
        let campaign = MutationFuzzCampaign(defaultSeconds: 10, defaultSeed: 0x5AFE_7E45)
        var outcomes: [String: Int] = [:]
        let executions = campaign.run(corpus: corpus, mutate: Self.mutate) { outcomes[Self.read($0), default: 0] += 1 }
        print(
            "safetensors fuzz: \(executions) executions in \(campaign.seconds) s, seed \(campaign.seed): \(outcomes.sorted { $0.key < $1.key })"
        )
        #expect(executions > 1000)
        // The mutations reach deep into validation, not just the first checks.
        #expect(outcomes.keys.count >= 7, "\(outcomes)")
    }
}
