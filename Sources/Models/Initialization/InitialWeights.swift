import Checkpoints
import Foundation
import Tensors

/// Random weights with the official initialisation statistics, made tensor by tensor (or slice by
/// slice) when asked for: a 7B checkpoint is written without ever holding more than one tensor.
///
/// Values are a pure function of (seed, tensor name, row, 256-column block), so any slice is
/// produced without generating the rest of the tensor and every model-parallel split of one seed
/// merges to the same full tensors as the unsplit model.
public final class InitialWeights: SlicedTensorSource, @unchecked Sendable {
    public let entries: [InitialTensor]
    public let seed: UInt64
    /// Storage type of every floating-point tensor (F32, F16 or BF16).
    public let dtype: DType
    public let tensorInfos: [TensorInfo]
    public let metadata: [String: String]
    private let index: [String: Int]
    static let blockColumns = 256

    public init(entries: [InitialTensor], seed: UInt64, dtype: DType, metadata: [String: String] = [:]) {
        self.entries = entries
        self.seed = seed
        self.dtype = dtype
        self.metadata = metadata
        tensorInfos = entries.map { TensorInfo(name: $0.name, dtype: $0.isInteger ? .i64 : dtype, shape: $0.shape) }
        index = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var location: String { "initial weights (seed \(seed))" }

    public enum Failure: Error, CustomStringConvertible {
        case unknownTensor(String)
        case sliceOutOfRange(String)
        public var description: String {
            switch self {
            case let .unknownTensor(name): return "initial weights: no tensor named \(name)"
            case let .sliceOutOfRange(name): return "initial weights: slice outside tensor \(name)"
            }
        }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let position = index[name] else { throw Failure.unknownTensor(name) }
        let entry = entries[position]
        return try slice(entry, rows: 0..<entry.rows, columns: 0..<entry.columns, shape: entry.shape)
    }

    public func tensor(named name: String, rows: Range<Int>, columns: Range<Int>) throws -> Tensor {
        guard let position = index[name] else { throw Failure.unknownTensor(name) }
        let entry = entries[position]
        guard rows.lowerBound >= 0, rows.upperBound <= entry.rows, columns.lowerBound >= 0, columns.upperBound <= entry.columns else {
            throw Failure.sliceOutOfRange(name)
        }
        var shape = entry.shape
        if shape.isEmpty {
            shape = []
        } else if shape.count == 1 {
            shape = [rows.count]
        } else {
            shape[0] = rows.count
            if columns.count != entry.columns {
                guard shape.count == 2 else { throw Failure.sliceOutOfRange(name) }
                shape[1] = columns.count
            }
        }
        return try slice(entry, rows: rows, columns: columns, shape: shape)
    }

    private func slice(_ entry: InitialTensor, rows: Range<Int>, columns: Range<Int>, shape: [Int]) throws -> Tensor {
        let outputType: DType = entry.isInteger ? .i64 : dtype
        let width = outputType.byteWidth ?? 4
        let rowBytes = columns.count * width
        let nameKey = Self.stableHash(entry.streamName) ^ seed &* 0x9e37_79b9_7f4a_7c15
        let theta = entry.distribution == .cemaTheta ? Self.cemaTheta(dim: entry.rows, key: nameKey) : []
        let storage = Storage(count: rows.count * rowBytes) { target in
            guard let base = target.baseAddress, !entry.isInteger else { return }  // integers: zero
            ThreadPool.shared.parallelFor(rows.count, minimumChunk: max(1, 4096 / max(1, columns.count))) { part in
                var scratch = [Float](repeating: 0, count: columns.count)
                scratch.withUnsafeMutableBufferPointer { values in
                    for offset in part {
                        let row = rows.lowerBound + offset
                        Self.fill(values, entry: entry, row: row, columns: columns, key: nameKey, theta: theta)
                        Self.store(UnsafeBufferPointer(values), as: outputType, into: base + offset * rowBytes)
                    }
                }
            }
        }
        return try Tensor(dtype: outputType, shape: shape, storage: storage)
    }

    /// Fills `values` with elements `columns` of `row`.
    static func fill(
        _ values: UnsafeMutableBufferPointer<Float>, entry: InitialTensor, row: Int, columns: Range<Int>, key: UInt64, theta: [Float]
    ) {
        switch entry.distribution {
        case let .constant(value):
            values.update(repeating: value)
        case let .values(fixed):
            for (offset, column) in columns.enumerated() { values[offset] = fixed[row * entry.columns + column] }
        case .cemaTheta:
            values.update(repeating: theta[row])
        case let .normal(std):
            fillRandom(values, row: row, columns: columns, key: key) { $0.nextNormal() * std }
        case let .truncatedNormal(std, limit):
            fillRandom(values, row: row, columns: columns, key: key) { generator in
                while true {
                    let value = generator.nextNormal() * std
                    if abs(value) <= limit { return value }
                }
            }
        case .complexRealNormal:
            fillRandom(values, row: row, columns: columns, key: key) { $0.nextNormal() }
            for (offset, column) in columns.enumerated() where column % 2 == 1 { values[offset] = 0 }
        }
    }

    /// Element (row, c) is the (c mod 256)-th draw of the generator seeded by (key, row, c / 256).
    private static func fillRandom(
        _ values: UnsafeMutableBufferPointer<Float>, row: Int, columns: Range<Int>, key: UInt64,
        draw: (inout NormalStream) -> Float
    ) {
        guard !columns.isEmpty else { return }
        let firstBlock = columns.lowerBound / blockColumns
        let lastBlock = (columns.upperBound - 1) / blockColumns
        for block in firstBlock...lastBlock {
            var stream = NormalStream(seed: key ^ (UInt64(row) &* 0xd1b5_4a32_d192_ed03) ^ (UInt64(block) &* 0x8cb9_2ba7_2f3d_8dd7))
            let start = block * blockColumns
            for column in start..<min(start + blockColumns, columns.upperBound) {
                let value = draw(&stream)
                if column >= columns.lowerBound { values[column - columns.lowerBound] = value }
            }
        }
    }

    private static func store(_ values: UnsafeBufferPointer<Float>, as dtype: DType, into target: UnsafeMutableRawPointer) {
        switch dtype {
        case .bf16:
            HalfPrecision.narrowToBFloat16(
                values, into: UnsafeMutableBufferPointer(start: target.assumingMemoryBound(to: UInt16.self), count: values.count))
        case .f16:
            HalfPrecision.narrowToHalf(
                values, into: UnsafeMutableBufferPointer(start: target.assumingMemoryBound(to: UInt16.self), count: values.count))
        default:
            target.copyMemory(from: UnsafeRawPointer(values.baseAddress!), byteCount: values.count * 4)
        }
    }

    /// The official CEMA theta: `freqs[k] = exp(-(k+1)·log(D)/D)`, permuted, stored as `log(f / (1 - f))`.
    static func cemaTheta(dim: Int, key: UInt64) -> [Float] {
        var generator = SplitMix64(seed: key)
        var order = Array(0..<dim)
        order.shuffle(using: &generator)
        let step = log(Double(dim)) / Double(dim)
        return order.map { k in
            let frequency = Float(exp(-Double(k + 1) * step))
            return log(frequency / (1 - frequency))
        }
    }

    /// FNV-1a, so a tensor's values do not depend on Swift's per-process hash seed.
    static func stableHash(_ name: String) -> UInt64 {
        name.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }
}

/// Standard normal draws by Box–Muller in pairs from SplitMix64 (two 24-bit uniforms per 64-bit word).
struct NormalStream {
    private var generator: SplitMix64
    private var spare: Float?

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func nextNormal() -> Float {
        if let value = spare {
            spare = nil
            return value
        }
        let bits = generator.next()
        let u1 = (Float(bits >> 40) + 0.5) * (1 / 16_777_216)  // (0, 1): log never sees 0
        let u2 = Float((bits >> 16) & 0xFF_FFFF) * (1 / 16_777_216)
        let radius = (-2 * logf(u1)).squareRoot()
        let angle = 2 * Float.pi * u2
        spare = radius * sinf(angle)
        return radius * cosf(angle)
    }
}
