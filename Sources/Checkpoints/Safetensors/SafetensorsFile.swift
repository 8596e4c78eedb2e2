import Tensors

/// A safetensors file opened for reading: the header is validated up front, the file is
/// memory-mapped, and each tensor is a zero-copy view of the mapping made on request.
public final class SafetensorsFile: TensorSource {
    public let location: String
    public let header: SafetensorsHeader
    public let tensorInfos: [TensorInfo]
    private let file: MappedFile
    private let indexByName: [String: Int]

    public init(path: String) throws(SafetensorsError) {
        let mapped: MappedFile
        do {
            mapped = try MappedFile(path: path)
        } catch let failure as MappedFile.Failure {
            throw .cannotOpen(path: path, reason: failure.reason)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        location = path
        file = mapped
        header = try SafetensorsHeader(file: mapped.bytes, path: path)
        tensorInfos = header.entries.map(\.info)
        var index: [String: Int] = [:]
        for (position, entry) in header.entries.enumerated() {
            // Names are unique byte-wise (the parser rejects duplicate keys) but Swift compares
            // strings by canonical equivalence, so two spellings of one name must be refused here.
            guard index.updateValue(position, forKey: entry.info.name) == nil else {
                throw .duplicateKey(path: path, key: entry.info.name)
            }
        }
        indexByName = index
    }

    /// `__metadata__` as a dictionary (empty when absent).
    public var metadata: [String: String] {
        Dictionary(metadataEntries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// `__metadata__` in file order (empty when absent).
    public var metadataEntries: [(key: String, value: String)] { header.metadata ?? [] }

    /// Byte range of a tensor within the file.
    public func fileRange(of name: String) -> Range<Int>? {
        indexByName[name].map { header.entries[$0].dataRange.shifted(by: header.dataStart) }
    }

    public func tensor(named name: String) throws -> Tensor {
        guard let position = indexByName[name] else { throw SafetensorsError.tensorNotFound(path: location, name: name) }
        let entry = header.entries[position]
        let storage = Storage(file: file, range: entry.dataRange.shifted(by: header.dataStart))
        return try Tensor(dtype: entry.info.dtype, shape: entry.info.shape, storage: storage)
    }
}

extension Range where Bound == Int {
    func shifted(by offset: Int) -> Range<Int> { (lowerBound + offset)..<(upperBound + offset) }
}

extension MappedFile.Failure {
    var reason: String {
        switch self {
        case let .cannotOpen(_, reason), let .cannotMap(_, reason): return reason
        }
    }
}
