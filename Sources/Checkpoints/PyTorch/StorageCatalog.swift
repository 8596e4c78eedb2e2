import Tensors

/// Collects the storages a checkpoint's pickle names through persistent ids, and turns each id into a
/// `StorageReference`. Zip archives use `('storage', type, key, location, numel)`; legacy streams add
/// a sixth field, `view_metadata` = None or `(view_key, offset, size)`.
final class StorageCatalog {
    struct Root {
        let dtype: DType
        let elementCount: Int
        var byteCount: Int { elementCount * (dtype.byteWidth ?? 1) }
    }

    private(set) var roots: [String: Root] = [:]
    private let legacy: Bool
    private let maxElements: Int

    /// `fileSize` bounds every claimed storage size (a storage cannot be larger than the file).
    init(legacy: Bool, fileSize: Int) {
        self.legacy = legacy
        maxElements = fileSize
    }

    func load(_ pid: PickleValue) throws -> PickleValue {
        guard case let .tuple(container) = pid, let typename = container.items.first?.stringValue else {
            throw PickleError.invalidPersistentID("expected a tuple starting with a type name, got \(pid.typeName)")
        }
        guard typename == "storage" else { throw PickleError.invalidPersistentID("type '\(typename)' (only 'storage' is supported)") }
        let fields = Array(container.items.dropFirst())
        guard fields.count == (legacy ? 5 : 4) else {
            throw PickleError.invalidPersistentID("\(fields.count + 1) fields, expected \(legacy ? 6 : 5)")
        }
        let dtype: DType
        switch fields[0] {
        case .global(.untypedStorage): dtype = .u8
        case let .global(.storageType(name, storageDType)):
            guard let storageDType else { throw PickleError.invalidPersistentID("storage type torch.\(name) is not supported") }
            dtype = storageDType
        default: throw PickleError.invalidPersistentID("storage type is a \(fields[0].typeName)")
        }
        guard let key = fields[1].stringValue ?? fields[1].intValue.map(String.init) else {
            throw PickleError.invalidPersistentID("storage key is a \(fields[1].typeName)")
        }
        guard let count = fields[3].intValue, count >= 0, count <= maxElements else {
            throw PickleError.invalidPersistentID("storage '\(key)' has an impossible element count")
        }
        if let existing = roots[key] {
            guard existing.dtype == dtype, existing.elementCount == count else {
                throw PickleError.invalidPersistentID("storage '\(key)' is described twice with different types or sizes")
            }
        } else {
            roots[key] = Root(dtype: dtype, elementCount: count)
        }
        guard legacy, case let .tuple(view) = fields[4] else {
            return .storage(StorageReference(key: key, dtype: dtype, elementCount: count, elementOffset: 0))
        }
        guard view.items.count == 3, let offset = view.items[1].intValue, let size = view.items[2].intValue,
            offset >= 0, size >= 0, offset <= count, size <= count - offset
        else { throw PickleError.invalidPersistentID("storage '\(key)' has an invalid view (view_key, offset, size)") }
        return .storage(StorageReference(key: key, dtype: dtype, elementCount: size, elementOffset: offset))
    }
}
