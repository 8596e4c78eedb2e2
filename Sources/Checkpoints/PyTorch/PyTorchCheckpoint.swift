import Tensors

/// A `torch.save` checkpoint (`.pt`, `.pth`, `.bin`) read without Python and without executing the
/// pickle: the zip archive format (torch ≥ 1.6) and the legacy pickle-stream format.
///
/// Nested objects are flattened to dotted names: a file saving
/// `{"config": {...}, "state_dict": {"embed.weight": t}, "outputs": {...}}` exposes the tensor
/// `state_dict.embed.weight` and the metadata `config.num_layers`. Pass `prefix: "state_dict"` (or
/// `"model"`, `"module"`, ... — see `commonWrappers` and `detectWrapper`) to see only that sub-dict's
/// tensors, named without the prefix. A bare `torch.save(tensor)` exposes one tensor called `tensor`.
///
/// Opening reads only the pickle; tensor bytes are touched when `tensor(named:)` is called. Contiguous
/// little-endian tensors are zero-copy views of the memory map; strided views (transposed, sliced) and
/// big-endian files are gathered into an owned buffer. Tensors that share a storage (tied weights)
/// read the same bytes.
public final class PyTorchCheckpoint: TensorSource {
    public let location: String
    public let tensorInfos: [TensorInfo]
    /// Scalar leaves of the pickled object (`config.model_dim` = "64"), plus `pytorch.format`,
    /// `pytorch.byteorder` and the archive's version records.
    public let metadata: [String: String]
    /// Every tensor name in the file before any prefix was applied (for choosing a prefix).
    public let allTensorNames: [String]
    /// The top-level keys of the saved dict (empty if the file saved something else).
    public let rootKeys: [String]

    private let file: MappedFile
    private let references: [String: TensorReference]
    private let storageRanges: [String: Range<Int>]
    private let bigEndian: Bool

    /// Top-level keys training scripts commonly wrap a state dict in.
    public static let commonWrappers = ["state_dict", "model", "module", "model_state_dict", "state"]

    public init(path: String, prefix: String? = nil) throws {
        let file = try MappedFile(path: path)
        let parsed: ParsedTorchFile
        if ZipArchive.looksLikeZip(file.bytes) {
            parsed = try TorchFileLayouts.readZip(file)
        } else if ByteView(file.bytes).matches(Array("ustar".utf8), at: 257) {
            throw PyTorchError.legacyTarFormat(path: path)
        } else if ByteView(file.bytes).u8(at: 0) == 0x80 {
            parsed = try TorchFileLayouts.readLegacy(file)
        } else {
            throw PyTorchError.notAPyTorchCheckpoint(path: path)
        }

        guard !parsed.tensors.isEmpty else { throw PyTorchError.noTensors(path: path) }
        var selected = parsed.tensors
        if let prefix, !prefix.isEmpty {
            let head = prefix + "."
            selected = parsed.tensors.compactMap { entry in
                entry.name.hasPrefix(head) ? (String(entry.name.dropFirst(head.count)), entry.tensor) : nil
            }
            guard !selected.isEmpty else {
                throw PyTorchError.prefixNotFound(path: path, prefix: prefix, available: Self.topLevelKeys(parsed.tensors.map(\.name)))
            }
        }

        for (name, tensor) in selected {
            try Self.validate(tensor, name: name, path: path, ranges: parsed.storageRanges)
        }
        location = path
        self.file = file
        allTensorNames = parsed.tensors.map(\.name)
        rootKeys = parsed.rootKeys
        tensorInfos = selected.map { TensorInfo(name: $0.name, dtype: $0.tensor.dtype, shape: $0.tensor.shape) }
        references = Dictionary(selected.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        storageRanges = parsed.storageRanges
        bigEndian = parsed.bigEndian
        metadata = parsed.scalars.merging(parsed.formatMetadata) { _, format in format }
    }

    /// The first of `commonWrappers` under which the file holds tensors, or nil when tensors sit at the top.
    public static func detectWrapper(in tensorNames: [String]) -> String? {
        let keys = Set(topLevelKeys(tensorNames))
        return commonWrappers.first(where: keys.contains)
    }

    /// The wrapper this file's state dict sits in: one of `commonWrappers` that is itself a key of
    /// the saved dict. A flat state dict whose names start with `model.` (Hugging Face's
    /// `pytorch_model.bin`) has no such key and is not unwrapped.
    public var wrapper: String? {
        guard let candidate = Self.detectWrapper(in: allTensorNames), rootKeys.contains(candidate) else { return nil }
        return candidate
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let reference = references[name], let fileRange = storageRanges[reference.storage.key],
            let width = reference.dtype.byteWidth, let storageWidth = reference.storage.dtype.byteWidth
        else { throw PyTorchError.unknownTensor(path: location, name: name) }
        let base = fileRange.lowerBound + reference.storage.elementOffset * storageWidth + reference.storageOffset * width
        let count = Tensor.elementCount(of: reference.shape) ?? 0
        let storage: Storage
        if count == 0 {
            // An empty view may carry any offset; it addresses no bytes, so it maps nothing.
            storage = Storage(count: 0) { _ in }
        } else if StridedCopy.isContiguous(shape: reference.shape, strides: reference.strides), !bigEndian || width == 1 {
            storage = Storage(file: file, range: base..<(base + count * width))
        } else {
            storage = StridedCopy.gather(
                from: file.bytes, base: base, width: width, shape: reference.shape,
                strides: reference.strides, swapBytes: bigEndian && width > 1)
        }
        return try Tensor(dtype: reference.dtype, shape: reference.shape, storage: storage)
    }

    /// Checks at open time that every element a tensor can address lies inside its storage, so that
    /// `tensor(named:)` cannot read outside the file.
    private static func validate(_ tensor: TensorReference, name: String, path: String, ranges: [String: Range<Int>]) throws {
        guard let range = ranges[tensor.storage.key] else { throw PyTorchError.storageMissing(path: path, key: tensor.storage.key) }
        guard let width = tensor.dtype.byteWidth, let storageWidth = tensor.storage.dtype.byteWidth else {
            throw PyTorchError.tensorOutOfBounds(path: path, tensor: name, detail: "dtype \(tensor.dtype) has no whole-byte width")
        }
        guard let count = Tensor.elementCount(of: tensor.shape), count.multipliedReportingOverflow(by: width).overflow == false else {
            throw PyTorchError.tensorOutOfBounds(path: path, tensor: name, detail: "shape \(tensor.shape) is too large")
        }
        let storageBytes = tensor.storage.elementCount * storageWidth
        let viewStart = tensor.storage.elementOffset * storageWidth
        guard viewStart + storageBytes <= range.count else {
            throw PyTorchError.tensorOutOfBounds(path: path, tensor: name, detail: "storage view exceeds the stored bytes")
        }
        guard count > 0 else { return }
        guard let lastElement = StridedCopy.lastElementIndex(offset: tensor.storageOffset, shape: tensor.shape, strides: tensor.strides)
        else {
            throw PyTorchError.tensorOutOfBounds(path: path, tensor: name, detail: "offset and strides overflow")
        }
        let (end, overflow) = (lastElement + 1).multipliedReportingOverflow(by: width)
        guard !overflow, end <= storageBytes else {
            throw PyTorchError.tensorOutOfBounds(
                path: path, tensor: name,
                detail:
                    "offset \(tensor.storageOffset), size \(tensor.shape), stride \(tensor.strides) reach byte \(overflow ? Int.max : end) of a \(storageBytes)-byte storage"
            )
        }
        // Stride 0 (an expanded view) repeats elements, so reading the tensor can allocate far more
        // than the file holds: [2^40] with stride [0] over one float would ask for 4 TiB.
        let bytes = count * width
        guard bytes <= maximumViewBytes(storageBytes: storageBytes) else {
            throw PyTorchError.expandedViewTooLarge(path: path, tensor: name, bytes: bytes, storageBytes: storageBytes)
        }
    }

    /// What a view over `storageBytes` may materialise: 64 times the storage plus 64 MiB (a bias
    /// expanded over a matrix fits; a scalar repeated a trillion times does not).
    static func maximumViewBytes(storageBytes: Int) -> Int { 64 * storageBytes + (64 << 20) }

    private static func topLevelKeys(_ names: [String]) -> [String] {
        var seen: [String] = []
        for name in names {
            let head = String(name.prefix { $0 != "." })
            if head != name, !seen.contains(head) { seen.append(head) }
        }
        return seen
    }
}
