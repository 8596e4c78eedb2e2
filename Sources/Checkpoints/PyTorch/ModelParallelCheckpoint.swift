import Foundation
import Tensors

/// A model-parallel training checkpoint directory read as one set of full tensors.
///
/// * MEGALODON (megalodon-spec.md §3): `config.json` (training config with `model` and `tokenizer`),
///   `consolidate_config.json` (`model_parallel_size`, `dtype`), and `consolidated.pth` when the size
///   is 1, else `consolidated.00.pth` … `consolidated.NN.pth`.
/// * Meta Llama: `params.json` and `consolidated.00.pth` … (as many as there are).
///
/// Each rank file is a flat state dict. Opening reads every rank's pickle and checks that key sets,
/// dtypes and shapes agree with the split rules the caller gives (`MergeRules`: the architecture's
/// knowledge); `tensor(named:)` then reads each rank's
/// slice and concatenates, so peak memory is about one merged tensor. Replicated tensors are compared
/// across ranks on read and must be bit-identical.
public final class ModelParallelCheckpoint: TensorSource {
    public let location: String
    public let layout: ModelParallelLayout
    public let tensorInfos: [TensorInfo]
    /// `model_parallel_size`, `dtype`, and the scalars of `config.json` / `params.json` (`model.model_dim`, ...).
    public let metadata: [String: String]
    public let shards: [PyTorchCheckpoint]
    private let rules: [String: MergeRule]
    /// Far above any real tensor-parallel degree; keeps a corrupt config from naming millions of files.
    public static let maxRanks = 4096

    /// True when `directory` looks like one of the supported model-parallel layouts.
    public static func isCheckpointDirectory(_ directory: String) -> Bool {
        let manager = FileManager.default
        return manager.fileExists(atPath: directory + "/consolidate_config.json") || manager.fileExists(atPath: directory + "/params.json")
    }

    public init(directory: String, mergeRules: MergeRules) throws {
        let manager = FileManager.default
        let shardPaths: [String]
        var metadata: [String: String] = [:]
        if manager.fileExists(atPath: directory + "/consolidate_config.json") {
            layout = .consolidateConfig
            let consolidate = try Self.jsonObject(at: directory + "/consolidate_config.json")
            guard let size = consolidate["model_parallel_size"]?.numberValue?.intValue, (1...Self.maxRanks).contains(size) else {
                throw ModelParallelError.invalidConfig(
                    path: directory + "/consolidate_config.json",
                    detail: "model_parallel_size must be an integer from 1 to \(Self.maxRanks)")
            }
            Self.flatten(consolidate, prefix: "", into: &metadata)
            if manager.fileExists(atPath: directory + "/config.json") {
                Self.flatten(try Self.jsonObject(at: directory + "/config.json"), prefix: "", into: &metadata)
            }
            shardPaths =
                size == 1
                ? [directory + "/consolidated.pth"]
                : (0..<size).map { directory + "/" + String(format: "consolidated.%02d.pth", $0) }
        } else if manager.fileExists(atPath: directory + "/params.json") {
            layout = .params
            Self.flatten(try Self.jsonObject(at: directory + "/params.json"), prefix: "", into: &metadata)
            let files = (try? manager.contentsOfDirectory(atPath: directory)) ?? []
            let count = files.filter { $0.hasPrefix("consolidated.") && $0.hasSuffix(".pth") }.count
            shardPaths = (0..<count).map { directory + "/" + String(format: "consolidated.%02d.pth", $0) }
            guard !shardPaths.isEmpty else { throw ModelParallelError.missingShard(path: directory + "/consolidated.00.pth") }
        } else {
            throw ModelParallelError.notACheckpointDirectory(path: directory)
        }
        for path in shardPaths where !manager.fileExists(atPath: path) { throw ModelParallelError.missingShard(path: path) }
        metadata["model_parallel_size"] = String(shardPaths.count)

        let shards = try shardPaths.map { try PyTorchCheckpoint(path: $0) }
        let (infos, rules) = try Self.plan(shards, directory: directory) { [layout] in mergeRules(layout, $0, $1) }
        location = directory
        self.shards = shards
        self.metadata = metadata
        self.rules = rules
        tensorInfos = infos
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let rule = rules[name], let info = info(named: name) else { throw PyTorchError.unknownTensor(path: location, name: name) }
        let pieces = try shards.map { try $0.tensor(named: name) }
        switch rule {
        case .replicated:
            for (rank, piece) in pieces.enumerated().dropFirst() {
                guard piece.byteCount == pieces[0].byteCount else {
                    throw ModelParallelError.replicatedDiffers(path: location, tensor: name, rank: rank)
                }
                try Self.inWindows(of: [pieces[0], piece], units: piece.byteCount, unitBytes: [1, 1]) { window in
                    guard piece.bytes[window].elementsEqual(pieces[0].bytes[window]) else {
                        throw ModelParallelError.replicatedDiffers(path: location, tensor: name, rank: rank)
                    }
                }
            }
            return pieces[0]
        case let .concatenate(axis):
            return try Self.concatenate(pieces, axis: axis, into: info)
        }
    }

    /// Bytes of the ranks' mapped pages faulted in at once while a tensor is merged or compared.
    static let windowBytes = 16 << 20

    /// Visits `units` equal units of every piece (piece i's unit is `unitBytes[i]` bytes: rows of the
    /// leading axes, or single bytes) a window of units at a time, faulting in each piece's window before
    /// `body` and handing it back to the kernel after: only windows are resident, never whole rank
    /// slices (read whole, four 65 MB slices of a 7B embedding put up to 1.16 GB of rank pages in the
    /// resident set of a Llama conversion, against a target of 2 × 262 MB + 200 MB). `body` gets the
    /// window as a range of units.
    static func inWindows(
        of pieces: [Tensor], units: Int, unitBytes: [Int], windowBytes: Int = windowBytes, _ body: (Range<Int>) throws -> Void
    ) rethrows {
        let step = max(1, windowBytes / max(unitBytes.reduce(0, +), 1))
        var start = 0
        while start < units {
            let window = start..<min(units, start + step)
            let ranges = unitBytes.map { window.lowerBound * $0..<window.upperBound * $0 }
            for (piece, range) in zip(pieces, ranges) { MappedPages.prefetch(piece, bytes: range) }
            defer { for (piece, range) in zip(pieces, ranges) { MappedPages.release(piece, bytes: range) } }
            try body(window)
            start = window.upperBound
        }
    }

    /// Concatenates rank slices along `axis`: for every index of the leading axes, each rank's block in
    /// turn, a window at a time (the merged tensor is a copy; the ranks' pages go back to the kernel
    /// window by window).
    static func concatenate(_ pieces: [Tensor], axis: Int, into info: TensorInfo, windowBytes: Int = windowBytes) throws -> Tensor {
        let outer = info.shape[..<axis].reduce(1, *)
        let blockBytes = pieces.map { $0.byteCount / max(outer, 1) }
        let rowBytes = blockBytes.reduce(0, +)
        let storage = Storage(count: info.byteCount) { target in
            guard let targetBase = target.baseAddress, outer > 0 else { return }
            if outer == 1 {
                // Axis 0: each rank's slice in one piece, one after another.
                var offset = 0
                for piece in pieces {
                    guard let source = piece.bytes.baseAddress else { continue }
                    inWindows(of: [piece], units: piece.byteCount, unitBytes: [1], windowBytes: windowBytes) { window in
                        (targetBase + offset + window.lowerBound).copyMemory(from: source + window.lowerBound, byteCount: window.count)
                    }
                    offset += piece.byteCount
                }
                return
            }
            inWindows(of: pieces, units: outer, unitBytes: blockBytes, windowBytes: windowBytes) { window in
                var written = window.lowerBound * rowBytes
                for row in window {
                    for (piece, block) in zip(pieces, blockBytes) where block > 0 {
                        guard let source = piece.bytes.baseAddress else { continue }
                        (targetBase + written).copyMemory(from: source + row * block, byteCount: block)
                        written += block
                    }
                }
            }
        }
        return try Tensor(dtype: info.dtype, shape: info.shape, storage: storage)
    }

    /// Checks key sets, dtypes and shapes across ranks and derives each merged tensor's shape.
    private static func plan(
        _ shards: [PyTorchCheckpoint], directory: String,
        rule: (String, Int) -> MergeRule?
    ) throws -> ([TensorInfo], [String: MergeRule]) {
        let first = shards[0]
        let names = Set(first.tensorNames)
        for (rank, shard) in shards.enumerated().dropFirst() {
            let other = Set(shard.tensorNames)
            if let missing = names.subtracting(other).sorted().first {
                throw ModelParallelError.keySetsDiffer(path: shard.location, detail: "lacks '\(missing)', which rank 0 has (rank \(rank))")
            }
            if let extra = other.subtracting(names).sorted().first {
                throw ModelParallelError.keySetsDiffer(path: shard.location, detail: "has '\(extra)', which rank 0 lacks (rank \(rank))")
            }
        }
        var infos: [TensorInfo] = []
        var rules: [String: MergeRule] = [:]
        for base in first.tensorInfos {
            let pieces = shards.compactMap { $0.info(named: base.name) }
            guard let rule = rule(base.name, base.shape.count) else {
                throw ModelParallelError.unknownKey(path: directory, tensor: base.name)
            }
            var shape = base.shape
            for (rank, piece) in pieces.enumerated() {
                guard piece.dtype == base.dtype else {
                    throw ModelParallelError.shapeMismatch(
                        path: directory, tensor: base.name, detail: "rank \(rank) holds \(piece.dtype), rank 0 \(base.dtype)")
                }
                try checkShape(piece.shape, against: base.shape, rule: rule, tensor: base.name, rank: rank, directory: directory)
            }
            if case let .concatenate(axis) = rule, shards.count > 1 {
                shape[axis] = pieces.reduce(0) { $0 + $1.shape[axis] }
            }
            infos.append(TensorInfo(name: base.name, dtype: base.dtype, shape: shape))
            rules[base.name] = rule
        }
        return (infos, rules)
    }

    private static func checkShape(
        _ shape: [Int], against base: [Int], rule: MergeRule, tensor: String, rank: Int, directory: String
    ) throws {
        let agrees: Bool
        switch rule {
        case .replicated:
            agrees = shape == base
        case let .concatenate(axis):
            guard axis < base.count else {
                throw ModelParallelError.shapeMismatch(
                    path: directory, tensor: tensor, detail: "cannot concatenate a \(base.count)-D tensor along axis \(axis)")
            }
            agrees =
                shape.count == base.count && zip(shape, base).enumerated().allSatisfy { $0.offset == axis || $0.element.0 == $0.element.1 }
        }
        guard agrees else {
            throw ModelParallelError.shapeMismatch(
                path: directory, tensor: tensor, detail: "rank \(rank) has shape \(shape), rank 0 \(base) (\(rule))")
        }
    }

    /// The small config files beside the rank files, read with the strict parser (integers, booleans
    /// and floats stay apart, so `"model_parallel_size": true` is refused rather than read as 1).
    private static func jsonObject(at path: String) throws -> JSONObject {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelParallelError.invalidConfig(path: path, detail: "cannot read the file")
        }
        guard let object = (try? JSONParser.parse([UInt8](data)))?.objectValue else {
            throw ModelParallelError.invalidConfig(path: path, detail: "not a JSON object")
        }
        return object
    }

    private static func flatten(_ object: JSONObject, prefix: String, into metadata: inout [String: String]) {
        for (key, value) in object.members {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case let .object(nested): flatten(nested, prefix: name, into: &metadata)
            case let .string(text): metadata[name] = text
            case let .number(number): metadata[name] = number.lexeme
            case let .bool(flag): metadata[name] = flag ? "true" : "false"
            case .null: metadata[name] = "None"
            case .array: break
            }
        }
    }
}

/// Why a model-parallel checkpoint directory could not be merged.
public enum ModelParallelError: Error, Equatable, CustomStringConvertible {
    case notACheckpointDirectory(path: String)
    case invalidConfig(path: String, detail: String)
    case missingShard(path: String)
    case keySetsDiffer(path: String, detail: String)
    case unknownKey(path: String, tensor: String)
    case shapeMismatch(path: String, tensor: String, detail: String)
    case replicatedDiffers(path: String, tensor: String, rank: Int)
    case noMergeRules(path: String)

    public var description: String {
        switch self {
        case let .notACheckpointDirectory(path):
            return "\(path): not a model-parallel checkpoint directory (no consolidate_config.json or params.json)"
        case let .invalidConfig(path, detail): return "\(path): \(detail)"
        case let .missingShard(path): return "\(path): model-parallel shard is missing"
        case let .keySetsDiffer(path, detail): return "\(path): \(detail)"
        case let .unknownKey(path, tensor): return "\(path): no known model-parallel split for tensor '\(tensor)'"
        case let .shapeMismatch(path, tensor, detail): return "\(path): tensor '\(tensor)': \(detail)"
        case let .replicatedDiffers(path, tensor, rank):
            return "\(path): replicated tensor '\(tensor)' differs between rank 0 and rank \(rank)"
        case let .noMergeRules(path): return "\(path): a model-parallel folder needs its architecture's merge rules to be opened here"
        }
    }
}
