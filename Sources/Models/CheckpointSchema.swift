import Checkpoints
import Foundation
import Quantization
import Tensors

/// The tensors an architecture expects from a checkpoint, checked against what the checkpoint holds
/// before any byte is read, so one error lists every missing, unexpected and mis-shaped key.
struct CheckpointSchema {
    struct Entry {
        let name: String
        let shape: [Int]
        /// Matrices must be F32, F16 or BF16, or quantized (they are used in place); other tensors may be
        /// any numeric type.
        let isMatrix: Bool
        /// May be absent (a tied output head that a converter dropped).
        let isOptional: Bool
    }

    private(set) var entries: [Entry] = []

    mutating func matrix(_ name: String, _ outputs: Int, _ inputs: Int, optional: Bool = false) {
        entries.append(Entry(name: name, shape: [outputs, inputs], isMatrix: true, isOptional: optional))
    }

    mutating func tensor(_ name: String, _ shape: [Int]) {
        entries.append(Entry(name: name, shape: shape, isMatrix: false, isOptional: false))
    }

    /// Throws `WeightLoadingError.keyMismatch` unless `source` holds exactly these tensors. A matrix
    /// that `manifest` (a quantized checkpoint's) lists must be stored as the parts its scheme implies,
    /// each of exactly the dtype and shape the manifest's layout gives, instead of the float tensor.
    func check(_ source: TensorSource, quantized manifest: QuantizationManifest? = nil) throws {
        let infos = Dictionary(source.tensorInfos.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var missing: [String] = [], misshaped: [String] = [], expected: Set<String> = []
        for entry in entries {
            if entry.isMatrix, let layout = manifest?.tensors[entry.name] {
                if [layout.rows, layout.columns] != entry.shape {
                    misshaped.append("\(entry.name): quantized shape \([layout.rows, layout.columns]), expected \(entry.shape)")
                }
                for part in QuantizedCheckpointLayout.parts(weightName: entry.name, layout: layout) {
                    expected.insert(part.name)
                    guard let info = infos[part.name] else {
                        missing.append(part.name)
                        continue
                    }
                    if info.dtype != part.dtype || info.shape != part.shape {
                        misshaped.append(
                            "\(part.name): \(info.dtype) \(info.shape), expected \(part.dtype) \(part.shape) for \(layout.scheme)")
                    }
                }
                continue
            }
            expected.insert(entry.name)
            guard let info = infos[entry.name] else {
                if !entry.isOptional { missing.append(entry.name) }
                continue
            }
            if info.shape != entry.shape {
                misshaped.append("\(entry.name): shape \(info.shape), expected \(entry.shape)")
            } else if entry.isMatrix ? ![DType.f32, .f16, .bf16].contains(info.dtype) : !info.dtype.isNumeric {
                misshaped.append("\(entry.name): dtype \(info.dtype) is not supported here")
            }
        }
        var unexpected = source.tensorNames.filter { !expected.contains($0) }
        let matrices = Set(entries.filter(\.isMatrix).map(\.name))
        unexpected += (manifest.map { Array($0.tensors.keys) } ?? []).filter { !matrices.contains($0) }.map {
            "\($0) (in the quantization manifest)"
        }
        if !missing.isEmpty || !unexpected.isEmpty || !misshaped.isEmpty {
            throw WeightLoadingError.keyMismatch(
                location: source.location, missing: missing, unexpected: unexpected.sorted(), misshaped: misshaped)
        }
    }
}

extension TensorSource {
    /// When `name` is stored at all, it must equal `reference` bit for bit (a tied output head kept
    /// under its own key).
    func requireIdentical(_ name: String, to reference: String, because reason: String) throws {
        guard contains(name) else { return }
        let copy = try tensor(named: name), original = try tensor(named: reference)
        guard copy.dtype == original.dtype, copy.byteCount == original.byteCount, copy.bytes.elementsEqual(original.bytes) else {
            throw WeightLoadingError.inconsistent(location: location, tensor: name, reason: "\(reason) but it differs from \(reference)")
        }
    }
}

extension DType {
    /// Types whose values `Tensor.floats()` can read.
    var isNumeric: Bool {
        switch self {
        case .f32, .f16, .bf16, .f64, .i64, .i32, .i16, .i8, .u64, .u32, .u16, .u8, .bool: return true
        default: return false
        }
    }
}

/// Why a checkpoint could not become a model.
public enum WeightLoadingError: Error, Equatable, CustomStringConvertible {
    case keyMismatch(location: String, missing: [String], unexpected: [String], misshaped: [String])
    case inconsistent(location: String, tensor: String, reason: String)

    public var description: String {
        switch self {
        case let .keyMismatch(location, missing, unexpected, misshaped):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.count): \(missing.joined(separator: ", "))") }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count): \(unexpected.joined(separator: ", "))") }
            if !misshaped.isEmpty { parts.append("mis-shaped \(misshaped.count): \(misshaped.joined(separator: "; "))") }
            return "\(location): tensors do not match the model: " + parts.joined(separator: "; ")
        case let .inconsistent(location, tensor, reason):
            return "\(location): \(tensor): \(reason)"
        }
    }
}
