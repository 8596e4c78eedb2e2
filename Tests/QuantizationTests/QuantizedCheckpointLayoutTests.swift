import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

/// A checkpoint held in memory, standing in for a safetensors file.
final class InMemorySource: TensorSource, @unchecked Sendable {
    let location = "memory"
    var tensors: [(name: String, tensor: Tensor)]
    var metadata: [String: String]

    init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    var tensorInfos: [TensorInfo] { tensors.map { TensorInfo(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) } }

    func tensor(named name: String) throws -> Tensor {
        guard let found = tensors.first(where: { $0.name == name }) else { throw QuantizationError.missingTensor(name) }
        return found.tensor
    }
}

struct QuantizedCheckpointLayoutTests {
    @Test(arguments: ["q8_0", "q4_1", "int8-g64-sym-f16", "int8-row-asym-f32", "int4-g32-asym-f16", "int4-g128-sym-f32"])
    func matricesRoundTripThroughTensorsAndManifest(_ text: String) throws {
        let scheme = try QuantizationScheme(parsing: text)
        let (rows, columns) = scheme.ggmlBlockValues == nil ? (6, 70) : (6, 64)
        var generator = SeededGenerator(seed: 11)
        let values = generator.normals(rows * columns)
        let matrix = try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: rows, columns: columns, scheme: scheme) }
        let weightName = "layers.0.mega.wv.weight"
        let parts = try QuantizedCheckpointLayout.tensors(for: matrix, weightName: weightName)
        let expectedNames =
            ["layers.0.mega.wv.qweight"] + (scheme.ggmlBlockValues == nil ? ["layers.0.mega.wv.scales"] : [])
            + (matrix.biases == nil ? [] : ["layers.0.mega.wv.biases"])
        #expect(parts.map(\.name) == expectedNames)

        let manifest = QuantizationManifest(tensors: [weightName: QuantizedLayout(scheme: scheme, rows: rows, columns: columns)])
        let source = InMemorySource(tensors: parts, metadata: [QuantizationManifest.metadataKey: manifest.metadataValue])
        let readBack = try #require(try QuantizedCheckpointLayout.manifest(of: source))
        #expect(readBack == manifest)
        let layout = try #require(readBack.tensors[weightName])
        let restored = try QuantizedCheckpointLayout.matrix(weightName: weightName, layout: layout, from: source)
        #expect(restored.layout == matrix.layout)
        #expect(Dequantizer.dequantize(restored) == Dequantizer.dequantize(matrix))
        // Zero copy: the restored matrix reads the very bytes the tensors hold.
        #expect(restored.codes.bytes.baseAddress == matrix.codes.bytes.baseAddress)
    }

    @Test func badPartsGetTypedErrors() throws {
        let scheme = try QuantizationScheme(parsing: "int4-g32-asym-f16")
        let values = [Float](repeating: 0.5, count: 2 * 32)
        let matrix = try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: 2, columns: 32, scheme: scheme) }
        let parts = try QuantizedCheckpointLayout.tensors(for: matrix, weightName: "w.weight")
        let layout = QuantizedLayout(scheme: scheme, rows: 2, columns: 32)

        let missing = InMemorySource(tensors: parts.filter { $0.name != "w.biases" }, metadata: [:])
        #expect(throws: QuantizationError.missingTensor("w.biases")) {
            try QuantizedCheckpointLayout.matrix(weightName: "w.weight", layout: layout, from: missing)
        }
        let wrongShape = QuantizedLayout(scheme: scheme, rows: 2, columns: 64)
        #expect(throws: QuantizationError.shapeMismatch(tensor: "w.qweight", expected: [2, 32], actual: [2, 16])) {
            try QuantizedCheckpointLayout.matrix(
                weightName: "w.weight", layout: wrongShape, from: InMemorySource(tensors: parts, metadata: [:]))
        }
        let f32Scales = QuantizedLayout(scheme: try QuantizationScheme(parsing: "int4-g32-asym-f32"), rows: 2, columns: 32)
        #expect(throws: QuantizationError.unsupportedDType(tensor: "w.scales", dtype: "F16")) {
            try QuantizedCheckpointLayout.matrix(
                weightName: "w.weight", layout: f32Scales, from: InMemorySource(tensors: parts, metadata: [:]))
        }
        for bad in [
            "", "[]", #"{"format_version":2,"tensors":{}}"#, #"{"format_version":1,"tensors":{"a":{"scheme":"int5","shape":[1,1]}}}"#,
            #"{"format_version":1,"tensors":{"a":{"scheme":"q8_0","shape":[32]}}}"#,
        ] {
            #expect(throws: QuantizationError.self) { try QuantizationManifest(metadataValue: bad) }
        }
    }

    @Test func configSectionRoundTripsThePolicy() throws {
        let policy = QuantizationPolicy(scheme: .q4_0, embeddings: .q8_0, keep: [try NamePattern("layers.0.*")], only: [])
        let config = QuantizationConfig(policy: policy)
        let json = try JSONEncoder().encode(config)
        let decoded = try JSONDecoder().decode(QuantizationConfig.self, from: json)
        #expect(decoded == config)
        let restored = try decoded.policy()
        #expect(restored.scheme == .q4_0 && restored.embeddings == .q8_0 && restored.keep.map(\.description) == ["layers.0.*"])
        #expect(String(decoding: json, as: UTF8.self).contains(#""format_version":1"#))
    }
}
