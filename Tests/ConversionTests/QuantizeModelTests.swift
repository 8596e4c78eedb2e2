import Checkpoints
import Foundation
import Models
import Provenance
import Tensors
import TestSupport
import Testing

@testable import Conversion
@testable import Quantization

/// `megalodon-quantize`'s library side (`ModelQuantization`) on small MEGALODON and Llama checkpoints:
/// which tensors are quantized, what the output holds and how it reads back.
@Suite("Quantizing whole models")
struct QuantizeModelTests {
    static func quantize(
        _ input: String, to output: String, scheme: String, embeddings: String? = nil, keep: [String] = [],
        only: [String] = [], overwrite: Bool = false
    ) throws -> ModelQuantization {
        let policy = QuantizationPolicy(
            scheme: try QuantizationScheme(parsing: scheme), embeddings: try embeddings.map { try QuantizationScheme(parsing: $0) },
            keep: try keep.map(NamePattern.init), only: try only.map(NamePattern.init))
        var quantization = try ModelQuantization(
            input: try CheckpointInput.open(input), kind: OutputKind.implied(by: output), policy: policy)
        quantization.overwrite = overwrite
        try quantization.write(to: output)
        return quantization
    }

    /// Every quantized weight of `output` equals quantizing the same float tensor of `expected` directly.
    static func expectQuantizedWeights(_ output: TensorSource, match expected: TensorSource) throws -> [String: QuantizedLayout] {
        let manifest = try #require(try QuantizedCheckpointLayout.manifest(of: output))
        for (name, layout) in manifest.tensors {
            let stored = try QuantizedCheckpointLayout.matrix(weightName: name, layout: layout, from: output)
            let direct = try Quantizer.quantize(try expected.tensor(named: name), scheme: layout.scheme, name: name)
            #expect(stored.codes.bytes.elementsEqual(direct.codes.bytes), "\(name) codes")
            #expect((stored.scales?.bytes).map { Array($0) } == (direct.scales?.bytes).map { Array($0) }, "\(name) scales")
            #expect((stored.biases?.bytes).map { Array($0) } == (direct.biases?.bytes).map { Array($0) }, "\(name) biases")
        }
        return manifest.tensors
    }

    @Test("MEGALODON int8: linear layers quantized; norms, biases, CEMA, gamma/beta and the embedding kept; output reads back")
    func megalodonDefaults() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("int8").path
        let quantization = try Self.quantize(QuantizeModelFixtures.megalodonCheckpoint, to: output, scheme: "int8-g32-sym-f16")
        let written = try ModelDirectory.open(output)
        let float = try ModelDirectory.open(QuantizeModelFixtures.megalodonCheckpoint)
        let quantized = try Self.expectQuantizedWeights(written, match: float)
        let expected = Set(
            (0..<2).flatMap { layer in
                ["wv", "wz", "wr", "wh1", "wh2"].map { "layers.\(layer).mega.\($0).weight" }
                    + ["fc1", "fc2", "fc3"].map { "layers.\(layer).nffn.\($0).weight" }
            } + ["output.output.weight"])
        #expect(Set(quantized.keys) == expected)
        for name in float.tensorNames where !expected.contains(name) {
            #expect(written.contains(name), "\(name) kept under its own name")
            #expect(!written.contains(QuantizedCheckpointLayout.codesName(ofWeight: name)))
        }
        for kept in [
            "layers.0.mega.gamma", "layers.0.mega.beta", "layers.0.mega.cema.alpha", "layers.1.mega.timenorm.weight",
            "layers.0.nffn.norm.weight", "layers.0.mega.wv.bias", "embed.weight",
        ] {
            #expect(try written.tensor(named: kept).bytes.elementsEqual(float.tensor(named: kept).bytes), "\(kept) unchanged")
        }
        let config = try JSONFile.readObject(at: output + "/config.json")
        let section = try #require(config["quantization"])
        let decoded = try JSONDecoder().decode(QuantizationConfig.self, from: Data(section.serialized().utf8))
        #expect(try decoded.policy().scheme == QuantizationScheme(parsing: "int8-g32-sym-f16"))
        #expect(config["architecture"] == .string("megalodon"))

        let report = quantization.report(
            manifest: .init(run: .current(tool: "test", threads: 1, kernels: nil), input: "", inputFiles: [], output: output, settings: [:])
        )
        #expect(report.totals.quantized == expected.count && report.totals.tensors == float.tensorInfos.count)
        #expect(report.totals.bytesAfter < report.totals.bytesBefore)
        for entry in report.tensors where entry.scheme != nil {
            let error = try #require(entry.relativeRMSError)
            // int8 with per-32 scales: error at most half a step of amax/127 (RMS well under 1 %).
            #expect(error > 0 && error < 0.01, "\(entry.name): relative RMSE \(error)")
            #expect(entry.bitsPerWeight == 8.5)
        }
        #expect(report.tensors.first { $0.name == "layers.0.mega.gamma" }?.keptReason == QuantizationPolicy.Reason.alwaysFloat.rawValue)
    }

    @Test("--keep and --only choose the quantized matrices by glob; keep wins")
    func keepAndOnly() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        let output = folder.appendingPathComponent("q").path
        let quantization = try Self.quantize(llama, to: output, scheme: "int4-g64-asym-f16", keep: ["model.layers.1.*"], only: ["*.mlp.*"])
        let quantized = try Self.expectQuantizedWeights(try ModelDirectory.open(output), match: try ModelDirectory.open(llama))
        #expect(Set(quantized.keys) == Set(["gate_proj", "up_proj", "down_proj"].map { "model.layers.0.mlp.\($0).weight" }))
        let reasons = Dictionary(uniqueKeysWithValues: quantization.source.decisions.map { ($0.info.name, $0.decision) })
        #expect(reasons["model.layers.1.mlp.up_proj.weight"] == .keep(.keptByPattern))
        #expect(reasons["model.layers.0.self_attn.q_proj.weight"] == .keep(.notSelected))
        #expect(reasons["model.layers.0.input_layernorm.weight"] == .keep(.alwaysFloat))
    }

    @Test("Llama q4_1 model directory: head quantized, embedding quantized only when asked, config kept with its quantization section")
    func llamaDirectory() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        let output = folder.appendingPathComponent("q4_1").path
        _ = try Self.quantize(llama, to: output, scheme: "q4_1", embeddings: "q8_0")
        let quantized = try Self.expectQuantizedWeights(try ModelDirectory.open(output), match: try ModelDirectory.open(llama))
        #expect(quantized["model.embed_tokens.weight"]?.scheme == .q8_0)
        #expect(quantized["lm_head.weight"]?.scheme == .q4_1)
        #expect(quantized.count == 2 + 2 * 7)
        let config = try JSONFile.readObject(at: output + "/config.json")
        #expect(config["hidden_size"]?.numberValue?.intValue == 64 && config["quantization"] != nil)
    }

    @Test("GGUF q4_0 export: ggml blocks equal QuantizedMatrix(gguf:) of direct quantization; norms F32; llama.cpp file type")
    func ggufExport() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        let output = folder.appendingPathComponent("model-q4_0.gguf").path
        let quantization = try Self.quantize(llama, to: output, scheme: "q4_0")
        let file = try GGUFFile(path: output)
        #expect(file.metadata("general.file_type") == .uint32(2))
        #expect(file.metadata("llama.block_count") == .uint32(2) && file.metadata("llama.attention.head_count_kv") == .uint32(1))
        var quantizedCount = 0
        for info in file.tensorInfos {
            let raw = try file.rawTensor(named: info.name)
            let planned = try quantization.conversion.planned.tensor(named: info.name)
            if info.shape.count == 1 || info.name == "token_embd.weight" {
                #expect(raw.type == .f32, "\(info.name) stays F32")
                #expect(raw.storage.bytes.elementsEqual(planned.bytes))
                continue
            }
            #expect(raw.type == .q4_0, "\(info.name)")
            let read = try QuantizedMatrix(gguf: raw, name: info.name)
            let direct = try Quantizer.quantize(planned, scheme: .q4_0, name: info.name)
            #expect(read.rows == direct.rows && read.columns == direct.columns)
            #expect(read.codes.bytes.elementsEqual(direct.codes.bytes), "\(info.name) blocks")
            quantizedCount += 1
        }
        #expect(quantizedCount == 1 + 2 * 7)
    }

    @Test("GGUF output refuses grouped schemes and non-Llama models with a clear error")
    func ggufRefusals() throws {
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let llama = try QuantizeModelFixtures.llamaFolder(in: folder)
        let output = folder.appendingPathComponent("x.gguf").path
        #expect(throws: ModelQuantizationError.schemeNotInGGUF(scheme: "int8-g32-sym-f16", option: "--scheme")) {
            _ = try Self.quantize(llama, to: output, scheme: "int8-g32-sym-f16")
        }
        #expect(throws: ModelQuantizationError.schemeNotInGGUF(scheme: "int4-g32-asym-f16", option: "--embeddings")) {
            _ = try Self.quantize(llama, to: output, scheme: "q8_0", embeddings: "int4-g32-asym-f16")
        }
        #expect(throws: ConversionError.self) {
            _ = try Self.quantize(QuantizeModelFixtures.megalodonCheckpoint, to: output, scheme: "q8_0")
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test("--scheme with --group-size: int8/int4 take the group; explicit groups and ggml blocks refuse another")
    func schemeAndGroupSize() throws {
        #expect(try QuantizationScheme(parsing: "int4", groupSize: 64) == QuantizationScheme(parsing: "int4-g64-asym-f16"))
        #expect(try QuantizationScheme(parsing: "int8", groupSize: nil) == QuantizationScheme(parsing: "int8-g32-sym-f16"))
        #expect(try QuantizationScheme(parsing: "int8-asym-f32", groupSize: 128) == QuantizationScheme(parsing: "int8-g128-asym-f32"))
        #expect(try QuantizationScheme(parsing: "q4_0", groupSize: 32) == .q4_0)
        #expect(throws: ModelQuantizationError.groupSizeConflict(scheme: "q4_0", groupSize: 64)) {
            try QuantizationScheme(parsing: "q4_0", groupSize: 64)
        }
        #expect(throws: ModelQuantizationError.groupSizeConflict(scheme: "int4-g32-asym-f16", groupSize: 64)) {
            try QuantizationScheme(parsing: "int4-g32", groupSize: 64)
        }
        #expect(throws: QuantizationError.unsupportedGroupSize(48)) { try QuantizationScheme(parsing: "int4", groupSize: 48) }
        #expect(throws: QuantizationError.readOnlyScheme("q5_0")) { try QuantizationScheme(parsing: "q5_0", groupSize: nil) }
    }

    /// llama.cpp's `llama-quantize --pure` output for SmolLM2 (scripts/oracles/quantize_gguf_llamacpp.py):
    /// our export of the same model is byte-identical, tensor data and types alike.
    struct ExportCheck: Decodable {
        struct PerType: Decodable {
            let llama_cpp_sha256: String
            let ours_sha256: String
            let tensors: Int
            let file_type_llama_cpp: Int
        }

        let types: [String: PerType]
    }

    static let smolLM2 = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    @Test(
        "SmolLM2 → GGUF Q8_0/Q4_0/Q4_1 equals llama-quantize --pure byte for byte",
        .requires(.smolLM2),
        arguments: ["q8_0", "q4_0", "q4_1"])
    func smolLM2MatchesLlamaQuantize(_ scheme: String) throws {
        let check = try JSONDecoder().decode(
            ExportCheck.self, from: Data(contentsOf: SharedFiles.tests("QuantizationTests/Fixtures/gguf_export/llamacpp_export_check.json"))
        )
        let expected = try #require(check.types[scheme.uppercased()])
        let folder = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("smollm2-\(scheme).gguf").path
        _ = try Self.quantize(Self.smolLM2, to: output, scheme: scheme, embeddings: scheme)
        let file = try GGUFFile(path: output)
        #expect(file.tensorInfos.count == expected.tensors)
        #expect(file.metadata("general.file_type") == .uint32(UInt32(expected.file_type_llama_cpp)))
        var digest = SHA256()
        for name in file.tensorNames.sorted() {
            let raw = try file.rawTensor(named: name)
            digest.update(Array(name.utf8))
            withUnsafeBytes(of: raw.type.rawValue.littleEndian) { digest.update($0) }
            for dimension in raw.shape.reversed() { withUnsafeBytes(of: UInt64(dimension).littleEndian) { digest.update($0) } }
            digest.update(raw.storage.bytes)
        }
        #expect(digest.finalize() == expected.llama_cpp_sha256)
    }
}
