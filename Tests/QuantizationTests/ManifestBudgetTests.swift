import TestSupport
import Testing

@testable import Quantization

/// Manifest shapes are refused before any byte count is computed from them (issue 12): a shape of
/// [1, Int.max] used to trap in QuantizedLayout's arithmetic.
@Suite struct ManifestBudgetTests {
    static func manifest(scheme: String, shape: String) -> String {
        #"{"format_version":1,"tensors":{"w.weight":{"scheme":"\#(scheme)","shape":\#(shape)}}}"#
    }

    @Test(arguments: ["q8_0", "q4_1", "int4-g64-asym-f16", "int8-row-sym-f32"])
    func hugeShapesAreTypedErrors(scheme: String) throws {
        #expect(throws: QuantizationError.shapeTooLarge(tensor: "w.weight", shape: [1, Int.max])) {
            try QuantizationManifest(metadataValue: Self.manifest(scheme: scheme, shape: "[1, 9223372036854775807]"))
        }
        // Each dimension fits, their product does not.
        #expect(throws: QuantizationError.shapeTooLarge(tensor: "w.weight", shape: [1 << 30, 1 << 30])) {
            try QuantizationManifest(metadataValue: Self.manifest(scheme: scheme, shape: "[1073741824, 1073741824]"))
        }
    }

    @Test func aRealSizedShapeIsKept() throws {
        let manifest = try QuantizationManifest(metadataValue: Self.manifest(scheme: "q4_0", shape: "[8192, 4096]"))
        let layout = try #require(manifest.tensors["w.weight"])
        // 4096 columns = 128 blocks of 18 bytes per row.
        #expect(layout.codeBytes == 8192 * 128 * 18)
    }
}

/// Time-bounded mutation fuzzing of the manifest reader (the long campaign is `scripts/fuzz quant-manifest`).
@Suite struct ManifestFuzzTests {
    @Test func mutatedManifestsAreRefusedOrHaveComputableLayouts() throws {
        let corpus = [
            #"{"format_version":1,"tensors":{"layers.0.mega.wv.weight":{"scheme":"int4-g64-asym-f16","shape":[8192,4096]}}}"#,
            #"{"format_version":1,"tensors":{"a.weight":{"scheme":"q8_0","shape":[64,96]},"b.weight":{"scheme":"int8-row-sym-f32","shape":[3,5]}}}"#,
        ].map { Array($0.utf8) }
        var accepted = 0
        let rounds = MutationFuzzCampaign(defaultSeconds: 2, defaultSeed: 0x6D61_6E69).run(corpus: corpus) { bytes in
            do {
                let manifest = try QuantizationManifest(metadataValue: String(decoding: bytes, as: UTF8.self))
                for (name, layout) in manifest.tensors {
                    #expect(layout.codeBytes + layout.scaleBytes + layout.biasBytes >= 0)
                    #expect(!QuantizedCheckpointLayout.parts(weightName: name, layout: layout).isEmpty)
                }
                accepted += 1
            } catch is QuantizationError {
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(rounds > 100)
        #expect(accepted > 0 && accepted < rounds)
    }
}
