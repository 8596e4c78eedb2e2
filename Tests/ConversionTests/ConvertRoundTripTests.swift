import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion
@testable import Models

/// Round trips across output formats: every hop is verified (`--verify`), and the end of each
/// chain must hold the original values bit for bit.
@Suite("Round trips across formats")
struct ConvertRoundTripTests {
    @Test("MEGALODON: .pt → .mzst → sharded dir → jax-named .mzst → jax dir → official dir → .mzst → dir")
    func megalodonChain() throws {
        let folder = try SharedFiles.temporaryDirectory()
        func at(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: at("a.mzst"))
        try ConvertFixtures.convert(at("a.mzst"), to: at("sharded"), maximumShardSize: 50_000)
        try ConvertFixtures.convert(at("sharded"), to: at("jax.mzst"), names: .megalodonJax)
        try ConvertFixtures.convert(at("jax.mzst"), to: at("jax"))
        try ConvertFixtures.convert(at("jax"), to: at("official"))
        try ConvertFixtures.convert(at("official"), to: at("b.mzst"))
        try ConvertFixtures.convert(at("b.mzst"), to: at("end"))
        let golden = try PrefixedSource(SafetensorsFile(path: ConvertFixtures.goldenA), prefix: "weights")
        // rope.freqs is recomputed after the jax hop (megalodon-jax does not store it); it matches exactly here.
        try ConvertFixtures.expectIdentical(try ModelDirectory.open(at("end")), golden)
    }

    @Test("Llama: Meta → GGUF (f32) → HF dir → .mzst → GGUF → HF sharded dir", arguments: [DType.f32, .f16, .bf16])
    func llamaChain(dtype: DType) throws {
        let folder = try SharedFiles.temporaryDirectory()
        func at(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try ConvertFixtures.convert(ConvertFixtures.fixture("pytorch/llama_mp2"), to: at("a.gguf"), kind: .gguf, dtype: dtype)
        let gguf = try GGUFFile(path: at("a.gguf"))
        #expect(try gguf.string("general.architecture") == "llama" && gguf.int("llama.attention.head_count") == 2)
        #expect(gguf.info(named: "blk.0.attn_norm.weight")?.dtype == .f32)
        #expect(gguf.info(named: "blk.0.attn_q.weight")?.dtype == dtype)
        try ConvertFixtures.convert(at("a.gguf"), to: at("hf"))
        try ConvertFixtures.convert(at("hf"), to: at("b.mzst"))
        try ConvertFixtures.convert(at("b.mzst"), to: at("b.gguf"), kind: .gguf)
        try ConvertFixtures.convert(at("b.gguf"), to: at("end"), maximumShardSize: 200)
        let expected = try SafetensorsFile(path: ConvertFixtures.fixture("convert/llama_hf_expected.safetensors"))
        let end = try ModelDirectory.open(at("end"))
        #expect(Set(end.tensorNames) == Set(expected.tensorNames))
        for info in expected.tensorInfos {
            let (want, got) = (try expected.tensor(named: info.name), try end.tensor(named: info.name))
            // 1-D tensors stay f32 in GGUF; matrices carry the dtype's rounding of the original.
            let rounded = info.shape.count > 1 ? try DTypeCast.cast(want, to: dtype, name: info.name, location: "") : want
            #expect(got.bytes.elementsEqual(rounded.bytes), "\(info.name)")
        }
        // GGUF tensors equal llama.cpp's permutation of the HF tensors (f32 case: exactly the reference file).
        if dtype == .f32 {
            try ConvertFixtures.expectIdentical(
                gguf, try SafetensorsFile(path: ConvertFixtures.fixture("convert/llama_gguf_expected.safetensors")))
        }
    }

    @Test("GGUF output is refused for MEGALODON, with nothing written")
    func ggufNeedsLlama() throws {
        let output = try SharedFiles.temporaryDirectory().appendingPathComponent("m.gguf").path
        #expect(throws: ConversionError.self) { try ConvertFixtures.convert(ConvertFixtures.goldenAPt, to: output, kind: .gguf) }
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
