import Checkpoints
import Foundation
import Quantization
import Tensors

/// A model's tensors as a quantized checkpoint stores them, made one tensor at a time from the float
/// tensors of `input` (a conversion plan, so names and layouts are the output's).
///
/// Safetensors layout: each quantized `<base>.weight` becomes `<base>.qweight`, `<base>.scales` and
/// `<base>.biases` (formats/quantized-safetensors.md) and the manifest is in `metadata`. GGUF layout:
/// a quantized tensor keeps its name and is given as U8 [rows, row bytes] of ggml blocks, with its
/// block type in `blockTypes`. Kept tensors pass through unchanged.
///
/// Writers ask for the parts of one weight far apart (safetensors orders tensors by dtype), so each
/// part re-quantizes its weight instead of holding all quantized weights until their last part is
/// written: memory stays near one tensor. Quantization is deterministic, so the parts agree.
public final class QuantizedModelSource: TensorSource, @unchecked Sendable {
    public enum Layout: Sendable { case safetensors, gguf }

    /// One float tensor of the input and what the policy decided for it.
    public struct Decision: Sendable {
        public var info: TensorInfo
        public var decision: QuantizationPolicy.Decision
        /// The names it is stored under in the output.
        public var outputNames: [String]
    }

    private enum Part { case whole, codes, scales, biases }

    public let input: TensorSource
    public let layout: Layout
    public let decisions: [Decision]
    public let tensorInfos: [TensorInfo]
    public let metadata: [String: String]
    /// GGUF layout: the block type of each quantized tensor.
    public let blockTypes: [String: GGMLType]

    private let parts: [String: (weight: String, part: Part)]
    private let layouts: [String: QuantizedLayout]
    private let lock = NSLock()
    private var measured: [String: QuantizationQuality] = [:]
    private var lastQuantized: (name: String, matrix: QuantizedMatrix)?

    public var location: String { input.location }

    /// `roles` names what each tensor of `input` is to its architecture (`Architectures.quantizationRole`).
    public init(input: TensorSource, policy: QuantizationPolicy, layout: Layout, roles: (String) -> TensorRole) {
        self.input = input
        self.layout = layout
        var decisions: [Decision] = [], infos: [TensorInfo] = [], parts: [String: (String, Part)] = [:]
        var layouts: [String: QuantizedLayout] = [:], blockTypes: [String: GGMLType] = [:]
        for info in input.tensorInfos {
            // The caller checks that a GGUF output's schemes are ggml types (`ModelQuantization`).
            let decision =
                info.dtype.isFloatingPoint ? policy.decide(name: info.name, shape: info.shape, role: roles(info.name)) : .keep(.notFloat)
            guard case let .quantize(scheme) = decision else {
                decisions.append(Decision(info: info, decision: decision, outputNames: [info.name]))
                infos.append(info)
                parts[info.name] = (info.name, .whole)
                continue
            }
            let matrix = QuantizedLayout(scheme: scheme, rows: info.shape[0], columns: info.shape[1])
            layouts[info.name] = matrix
            var stored: [(TensorInfo, Part)]
            switch layout {
            case .gguf:
                stored = [(TensorInfo(name: info.name, dtype: .u8, shape: [matrix.rows, matrix.rowBytes]), .codes)]
                blockTypes[info.name] = scheme.ggmlType
            case .safetensors:
                let (codeType, codeShape) = QuantizedCheckpointLayout.codesInfo(matrix)
                stored = [
                    (TensorInfo(name: QuantizedCheckpointLayout.codesName(ofWeight: info.name), dtype: codeType, shape: codeShape), .codes)
                ]
                if let (scaleType, scaleShape) = QuantizedCheckpointLayout.scaleInfo(matrix) {
                    stored.append(
                        (
                            TensorInfo(
                                name: QuantizedCheckpointLayout.scalesName(ofWeight: info.name), dtype: scaleType, shape: scaleShape),
                            .scales
                        ))
                    if matrix.biasBytes > 0 {
                        stored.append(
                            (
                                TensorInfo(
                                    name: QuantizedCheckpointLayout.biasesName(ofWeight: info.name), dtype: scaleType, shape: scaleShape),
                                .biases
                            ))
                    }
                }
            }
            decisions.append(Decision(info: info, decision: decision, outputNames: stored.map(\.0.name)))
            for (part, role) in stored {
                infos.append(part)
                parts[part.name] = (info.name, role)
            }
        }
        self.decisions = decisions
        tensorInfos = infos
        self.parts = parts
        self.layouts = layouts
        self.blockTypes = blockTypes
        metadata =
            layout == .safetensors && !layouts.isEmpty
            ? [QuantizationManifest.metadataKey: QuantizationManifest(tensors: layouts).metadataValue] : [:]
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let (weight, part) = parts[name] else { throw QuantizationError.missingTensor(name) }
        guard part != .whole, let layout = layouts[weight] else { return try input.tensor(named: weight) }
        let matrix = try quantized(weight, layout: layout)
        switch (self.layout, part) {
        case (.gguf, _): return try Tensor(dtype: .u8, shape: [layout.rows, layout.rowBytes], storage: matrix.codes)
        case (.safetensors, _):
            let stored = try QuantizedCheckpointLayout.tensors(for: matrix, weightName: weight)
            guard let tensor = stored.first(where: { $0.name == name })?.tensor else { throw QuantizationError.missingTensor(name) }
            return tensor
        }
    }

    /// The quantized form of `weight`, made once for all of its parts (codes, scales, biases are
    /// asked for one after another): the most recent one is kept. The input's mapped pages are handed
    /// back as soon as the float values are taken, so quantizing a 15 GB model holds about one
    /// matrix in memory.
    private func quantized(_ weight: String, layout: QuantizedLayout) throws -> QuantizedMatrix {
        if let last = lock.withLock({ lastQuantized }), last.name == weight { return last.matrix }
        let original = try input.tensor(named: weight)
        let values = try original.floats()
        original.releaseMappedPages()
        let (matrix, quality) = try values.withUnsafeBufferPointer {
            let matrix = try Quantizer.quantize($0, rows: layout.rows, columns: layout.columns, scheme: layout.scheme, name: weight)
            return (matrix, QuantizationQuality(original: $0, matrix: matrix))
        }
        lock.withLock {
            measured[weight] = quality
            lastQuantized = (weight, matrix)
        }
        return matrix
    }

    /// The error of every quantized weight made so far (each is measured when its codes are made).
    public var qualities: [String: QuantizationQuality] { lock.withLock { measured } }

    /// Bytes of the float input and of this output.
    public var inputByteCount: Int { decisions.reduce(0) { $0 + $1.info.byteCount } }
    public var outputByteCount: Int { tensorInfos.reduce(0) { $0 + $1.byteCount } }
}
