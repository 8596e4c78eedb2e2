import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion
@testable import Models

@Suite("Converting MEGALODON checkpoints")
struct ConvertMegalodonTests {
    let golden: PrefixedSource

    init() throws {
        golden = try PrefixedSource(SafetensorsFile(path: ConvertFixtures.goldenA), prefix: "weights")
    }

    @Test(
        "model-parallel shard sets (mp = 2, 4) merge to the original state dict, bit for bit",
        arguments: ["pytorch/megalodon_mp2", "convert/megalodon_mp4"])
    func modelParallelMerges(directory: String) throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model").path
        let conversion = try ConvertFixtures.convert(ConvertFixtures.fixture(directory), to: output)
        #expect(conversion.input.convention == .megalodonOfficial)
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(output), golden)
        let config = try JSONFile.readObject(at: output + "/config.json")
        #expect(config["architecture"] == .string("megalodon"))
        #expect(config["model_dim"]?.numberValue?.intValue == 64)
    }

    @Test("a .pt state dict converts to a model directory holding the same tensors")
    func pytorchFile() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model").path
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output)
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(output), golden)
        #expect(ConvertFixtures.listing(output) == ["config.json", "model.safetensors"])
    }

    @Test("official → megalodon-jax → official keeps every stored value; the jax names follow formats/names/megalodon-jax.json")
    func jaxRoundTrip() throws {
        let folder = try SharedFiles.temporaryDirectory()
        let jax = folder.appendingPathComponent("jax").path
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: jax, names: .megalodonJax)
        let jaxSource = try ModelDirectory.open(jax)
        #expect(jaxSource.contains("model.layers.1.attn.cema.gamma_imag") && jaxSource.contains("lm_head.weight"))
        #expect(!jaxSource.contains("rope.freqs") && !jaxSource.tensorNames.contains { $0.contains("prior_") })
        // Gamma's imaginary part is [..., 1] of the official [D, N, 2].
        let gamma = try golden.tensor(named: "layers.1.mega.cema.gamma").floats()
        let imaginary = try jaxSource.tensor(named: "model.layers.1.attn.cema.gamma_imag").floats()
        #expect(imaginary == stride(from: 1, to: gamma.count, by: 2).map { gamma[$0] })

        let back = folder.appendingPathComponent("official").path
        try ConvertFixtures.convert(jax, to: back)
        let official = try ModelDirectory.open(back)
        // Stored values come back exactly; rope.freqs is recomputed (float32, as torch does) and priors are zero.
        for info in golden.tensorInfos where info.name != "rope.freqs" {
            #expect(try official.tensor(named: info.name).bytes.elementsEqual(try golden.tensor(named: info.name).bytes), "\(info.name)")
        }
        let rope = try official.tensor(named: "rope.freqs").floats()
        let reference = try golden.tensor(named: "rope.freqs").floats()
        let worst = zip(rope, reference).map { abs($0 - $1) / $1 }.max() ?? 1
        print("rope.freqs recomputed vs official buffer: max relative difference \(worst)")
        #expect(worst <= 2 * Float.ulpOfOne)
    }

    @Test("--dtype bf16 and f16 round each float to nearest even; integers are kept", arguments: [DType.bf16, .f16])
    func dtypeChange(dtype: DType) throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model").path
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output, dtype: dtype)
        let converted = try ModelDirectory.open(output)
        #expect(converted.info(named: "layers.0.mega.timenorm.prior_count")?.dtype == .i64)
        for info in golden.tensorInfos where info.dtype == .f32 {
            let got = try converted.tensor(named: info.name)
            #expect(got.dtype == dtype)
            let (wide, narrow) = (try golden.tensor(named: info.name).floats(), try got.floats())
            let step: Float = dtype == .bf16 ? 1.0 / 256 : 1.0 / 2048  // half an ulp, relative
            for (value, rounded) in zip(wide, narrow) where value != 0 && abs(value) > 1e-4 {
                #expect(abs(rounded - value) <= abs(value) * step, "\(info.name): \(value) → \(rounded)")
            }
        }
    }

    @Test("--max-shard-size writes shards and an index that read back as the same checkpoint")
    func sharding() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("model").path
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output, maximumShardSize: 100_000)
        let files = ConvertFixtures.listing(output) ?? []
        #expect(files.contains("model.safetensors.index.json"))
        #expect(files.filter { $0.hasSuffix(".safetensors") }.count >= 4)
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(output), golden)
    }

    @Test("the dry-run plan names every output tensor and its source")
    func plan() throws {
        let opened = try CheckpointInput.open(ConvertFixtures.fixture("pytorch/megalodon_mp2"))
        let conversion = try Conversion(input: opened, kind: .directory, names: .megalodonJax, dtype: .bf16)
        let omega = try #require(conversion.planned.plan.first { $0.info.name == "model.layers.0.attn.cema.omega" })
        #expect(omega.info.shape == [64] && omega.info.dtype == .bf16)
        #expect(omega.recipe == .reshaped(.stored("layers.0.mega.cema.omega"), [64]))
    }
}
