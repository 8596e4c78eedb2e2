import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion

/// `--verify` after a write compares the output with digests of what the writer was given (the input
/// is not read again); without a write it compares with the input. Both must catch a changed byte.
@Suite("Verifying written outputs")
struct ConvertVerifyTests {
    @Test("a byte changed after writing fails verification, by digest and by comparison with the input")
    func changedByteIsCaught() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("llama").path
        let conversion = try ConvertFixtures.convert(ConvertFixtures.fixture("pytorch/llama_mp2"), to: output)
        let file = output + "/model.safetensors"
        let original = try Data(contentsOf: URL(fileURLWithPath: file))
        var changed = original
        changed[changed.count - 3] ^= 0x10  // inside the last tensor's data
        try changed.write(to: URL(fileURLWithPath: file))

        #expect(throws: ConversionError.self) { try conversion.verify(output) }
        do {
            try conversion.verify(output)
        } catch let ConversionError.verificationFailed(_, _, detail) {
            #expect(detail == "values differ")
        }
        // A conversion that did not write this output compares with its input instead.
        let fresh = try Conversion(
            input: try CheckpointInput.open(ConvertFixtures.fixture("pytorch/llama_mp2")), kind: .directory,
            names: .canonical, dtype: nil)
        do {
            try fresh.verify(output)
            Issue.record("a changed output passed verification against the input")
        } catch let ConversionError.verificationFailed(_, _, detail) {
            #expect(detail == "values differ")
        }

        try original.write(to: URL(fileURLWithPath: file))
        try conversion.verify(output)
        try fresh.verify(output)
    }

    @Test("digests: equal bytes agree; one flipped bit, a swapped pair or one more byte disagree")
    func digestSeparatesNearbyInputs() {
        var generator = SeededGenerator(seed: 14)
        let bytes = (0..<1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        func digest(_ b: [UInt8]) -> ContentDigest { b.withUnsafeBytes { ContentDigest(of: $0) } }
        #expect(digest(bytes) == digest(Array(bytes)))
        for position in [0, 31, 32, 500, 995, 999] {
            var flipped = bytes
            flipped[position] ^= 1
            #expect(digest(flipped) != digest(bytes), "bit flip at \(position)")
        }
        var swapped = bytes
        swapped.swapAt(100, 101)
        #expect(digest(swapped) != digest(bytes))
        #expect(digest(bytes + [0]) != digest(bytes))
        #expect(digest([]) != digest([0]))
    }
}
