import Foundation
import Tensors

/// Writes the canonical model directory: `config.json`, safetensors weights (one file, or shards
/// of at most `maximumShardSize` bytes with `model.safetensors.index.json`) and the tokenizer
/// files, all committed together (nothing appears under a final name unless everything was written).
public struct ModelDirectoryWriter {
    public var directory: String
    public var maximumShardSize: Int = Int.max
    public var overwrite = false
    /// Called after each tensor with the bytes written so far.
    public var progress: (Int) -> Void = { _ in }

    public init(directory: String) { self.directory = directory }

    @discardableResult
    public func write(
        _ source: TensorSource, configJSON: String?, tokenizerFiles: [String],
        generatedFiles: [(name: String, write: (OutputFile) throws -> Void)] = [],
        metadata: SafetensorsMetadata = []
    ) throws -> ShardPlan {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let existed = manager.fileExists(atPath: directory, isDirectory: &isDirectory)
        if existed, !isDirectory.boolValue { throw AtomicOutputError.outputExists(path: directory) }
        if !existed {
            do { try manager.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw AtomicOutputError.cannotCreate(path: directory, reason: error.localizedDescription)
            }
        }
        let stale = existed ? Self.weightFiles(in: directory) : []
        var written = 0
        var previous: Tensor?
        let plan: ShardPlan
        do {
            plan = try AtomicOutput.writing(overwrite: overwrite) { output in
                let plan = try ShardedSafetensorsWriter.write(
                    into: output, directory: directory, tensors: source.tensorInfos,
                    metadata: metadata, maximumShardSize: maximumShardSize
                ) { info in
                    // The writer has copied the previous tensor by now: let it go before making the next.
                    if let previous { MappedPages.release(previous) }
                    previous = nil
                    let tensor = try source.tensor(named: info.name)
                    previous = tensor
                    written += info.byteCount
                    progress(written)
                    return tensor
                }
                for file in tokenizerFiles {
                    let name = URL(fileURLWithPath: file).lastPathComponent
                    try output.write(to: directory + "/" + name) { try Self.copy(file, into: $0) }
                }
                for (name, body) in generatedFiles { try output.write(to: directory + "/" + name, body) }
                if let configJSON {
                    try output.write(to: directory + "/config.json") { try $0.write(Array(configJSON.utf8)) }
                }
                return plan
            }
        } catch {
            if !existed { try? manager.removeItem(atPath: directory) }
            throw error
        }
        // A replaced checkpoint may have had other shards or an index that would shadow the new files.
        let keep = Set(
            (0..<plan.shards.count).map { plan.fileName(ofShard: $0) }
                + (plan.shards.count > 1 ? [ShardedSafetensorsWriter.indexFileName] : []))
        for name in stale where !keep.contains(name) { try? manager.removeItem(atPath: directory + "/" + name) }
        return plan
    }

    /// Safetensors weight files and indexes of a model folder.
    static func weightFiles(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            !$0.hasPrefix(".") && ($0.hasSuffix(".safetensors") || $0.hasSuffix(".safetensors.index.json"))
        }
    }

    static func copy(_ path: String, into file: OutputFile) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ConversionError.cannotCopy(path: path, reason: "cannot open") }
        defer { try? handle.close() }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 20) ?? Data() } catch {
                throw ConversionError.cannotCopy(path: path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            try file.write([UInt8](chunk))
        }
    }
}

/// `--verify`: reads every tensor of a written output back and compares its dtype, shape and bytes
/// with what the conversion meant to write, one tensor at a time.
public enum ConversionVerifier {
    public static func verify(output: TensorSource, expected: TensorSource, progress: (Int) -> Void = { _ in }) throws {
        try checkNames(output: output, expected: expected.tensorInfos)
        var done = 0
        for info in expected.tensorInfos {
            // The expected tensor first: a merged one lets its rank pages go before the output's
            // pages come in, so at most two copies of the tensor are resident.
            let want = try expected.tensor(named: info.name)
            MappedPages.prefetch(want)
            let got = try output.tensor(named: info.name)
            MappedPages.prefetch(got)
            try checkLayout(got, dtype: want.dtype, shape: want.shape, tensor: info.name, output: output)
            guard want.byteCount == got.byteCount,
                memcmp(
                    want.bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, got.bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!,
                    want.byteCount) == 0
            else {
                throw ConversionError.verificationFailed(output: output.location, tensor: info.name, detail: "values differ")
            }
            MappedPages.release(want)
            MappedPages.release(got)
            done += info.byteCount
            progress(done)
        }
    }

    /// The same check against the digests of the bytes the writer was given (`DigestRecordingSource`):
    /// the output is read once and the input not at all.
    public static func verify(
        output: TensorSource, expected: [TensorInfo], digests: [String: ContentDigest],
        progress: (Int) -> Void = { _ in }
    ) throws {
        try checkNames(output: output, expected: expected)
        var done = 0
        for info in expected {
            guard let want = digests[info.name] else {
                throw ConversionError.verificationFailed(output: output.location, tensor: info.name, detail: "never handed to the writer")
            }
            let got = try output.tensor(named: info.name)
            MappedPages.prefetch(got)
            try checkLayout(got, dtype: info.dtype, shape: info.shape, tensor: info.name, output: output)
            guard ContentDigest(of: got.bytes) == want else {
                throw ConversionError.verificationFailed(output: output.location, tensor: info.name, detail: "values differ")
            }
            MappedPages.release(got)
            done += info.byteCount
            progress(done)
        }
    }

    private static func checkLayout(_ got: Tensor, dtype: DType, shape: [Int], tensor: String, output: TensorSource) throws {
        guard got.dtype == dtype, got.shape == shape else {
            throw ConversionError.verificationFailed(
                output: output.location, tensor: tensor, detail: "expected \(dtype) \(shape), found \(got.dtype) \(got.shape)")
        }
    }

    private static func checkNames(output: TensorSource, expected: [TensorInfo]) throws {
        let written = Set(output.tensorNames), wanted = Set(expected.map(\.name))
        if let missing = expected.first(where: { !written.contains($0.name) }) {
            throw ConversionError.verificationFailed(output: output.location, tensor: missing.name, detail: "missing from the output")
        }
        if let extra = output.tensorNames.first(where: { !wanted.contains($0) }) {
            throw ConversionError.verificationFailed(output: output.location, tensor: extra, detail: "not expected in the output")
        }
    }
}
