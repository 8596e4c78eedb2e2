import Foundation
import Tensors

/// Writes a model-parallel training checkpoint folder that `ModelParallelCheckpoint` (and the
/// official loaders) read back: one `torch.save` state dict per rank, each tensor split along the
/// axis its `MergeRules` give (the architecture's knowledge, supplied by the caller) into equal slices in rank order, replicated tensors
/// copied to every rank, plus the small config files.
///
/// * MEGALODON: `config.json`, `consolidate_config.json`, `consolidated.pth` (1 rank) or
///   `consolidated.NN.pth`.
/// * Meta Llama: `params.json` and `consolidated.NN.pth`.
///
/// Tensors are produced one slice at a time (`SlicedTensorSource` makes only the slice; any other
/// source is read whole and cut), so memory stays at one tensor.
public struct ModelParallelWriter {
    public let layout: ModelParallelLayout
    public let ranks: Int
    public let mergeRules: MergeRules
    public var overwrite = false
    /// Bytes written so far (all ranks).
    public var progress: (Int) -> Void = { _ in }

    public enum Failure: Error, CustomStringConvertible {
        case indivisible(tensor: String, axis: Int, size: Int, ranks: Int)
        case unknownSplit(tensor: String)

        public var description: String {
            switch self {
            case let .indivisible(tensor, axis, size, ranks):
                return "\(tensor): axis \(axis) of size \(size) cannot be split evenly over \(ranks) model-parallel ranks"
            case let .unknownSplit(tensor): return "\(tensor): no known model-parallel split for this tensor"
            }
        }
    }

    public init(layout: ModelParallelLayout, ranks: Int, mergeRules: @escaping MergeRules) {
        self.layout = layout
        self.ranks = ranks
        self.mergeRules = mergeRules
    }

    /// The rank files' names, in rank order.
    public func rankFileNames() -> [String] {
        if layout == .consolidateConfig, ranks == 1 { return ["consolidated.pth"] }
        return (0..<ranks).map { String(format: "consolidated.%02d.pth", $0) }
    }

    /// Each rank's slice of every tensor: (rows, columns) of the tensor's [first axis, rest] view.
    func plan(_ infos: [TensorInfo]) throws -> [[(info: TensorInfo, rows: Range<Int>, columns: Range<Int>)]] {
        try (0..<ranks).map { rank in
            try infos.map { info in
                let rows = info.shape.first ?? 1
                let columns = info.shape.dropFirst().reduce(1, *)
                guard let rule = mergeRules(layout, info.name, info.shape.count) else { throw Failure.unknownSplit(tensor: info.name) }
                switch rule {
                case .replicated:
                    return (info, 0..<rows, 0..<columns)
                case let .concatenate(axis):
                    guard axis < max(info.shape.count, 1), axis <= 1, info.shape[axis] % ranks == 0 else {
                        throw Failure.indivisible(
                            tensor: info.name, axis: axis, size: info.shape.count > axis ? info.shape[axis] : 0, ranks: ranks)
                    }
                    var shape = info.shape
                    let part = info.shape[axis] / ranks
                    shape[axis] = part
                    let sliced = TensorInfo(name: info.name, dtype: info.dtype, shape: shape)
                    if axis == 0 { return (sliced, rank * part..<(rank + 1) * part, 0..<columns) }
                    guard info.shape.count == 2 else { throw Failure.unknownSplit(tensor: info.name) }
                    return (sliced, 0..<rows, rank * part..<(rank + 1) * part)
                }
            }
        }
    }

    /// Writes `source` into `directory` with `configFiles` (name → contents) beside the rank files.
    public func write(_ source: TensorSource, to directory: String, configFiles: [(name: String, contents: String)]) throws {
        let plans = try plan(source.tensorInfos)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let sliced = source as? SlicedTensorSource
        var written = 0
        try AtomicOutput.writing(overwrite: overwrite) { output in
            for (fileName, entries) in zip(rankFileNames(), plans) {
                try output.write(to: directory + "/" + fileName) { file in
                    let archive = TorchArchiveWriter(file: file, archiveName: String(fileName.dropLast(".pth".count)))
                    try archive.writeHeader(pickle: try TorchStateDictPickle.encode(entries.map(\.info)))
                    for (key, entry) in entries.enumerated() {
                        let whole = entry.info.shape.first ?? 1
                        let tensor: Tensor
                        if let sliced {
                            tensor = try sliced.tensor(named: entry.info.name, rows: entry.rows, columns: entry.columns)
                        } else {
                            let full = try source.tensor(named: entry.info.name)
                            let isWhole = entry.rows.count == whole && entry.columns.count == full.elementCount / max(whole, 1)
                            tensor = isWhole ? full : try full.slice(rows: entry.rows, columns: entry.columns)
                        }
                        try withExtendedLifetime(tensor) { try archive.addRecord("data/\(key)", tensor.bytes) }
                        written += tensor.byteCount
                        progress(written)
                    }
                    try archive.finish()
                }
            }
            for config in configFiles {
                try output.write(to: directory + "/" + config.name) { try $0.write(Array(config.contents.utf8)) }
            }
        }
    }
}
