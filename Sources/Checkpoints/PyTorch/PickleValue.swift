import Tensors

/// A value built by the restricted unpickler. Nothing here can run code: callables are limited to the
/// allow-listed `TorchGlobal`s and their effect is computed by `TorchReductions`, never executed.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer wider than 64 bits, as LONG1/LONG4 little-endian two's complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleContainer)
    case list(PickleContainer)
    case set(PickleContainer)
    case dict(PickleDict)
    case global(TorchGlobal)
    case storage(StorageReference)
    case tensor(TensorReference)

    /// Short type name for error messages.
    var typeName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .set: return "set"
        case .dict: return "dict"
        case let .global(global): return global.qualifiedName
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }

    /// Nesting depth used to refuse pathologically deep structures before anything walks them.
    var depth: Int {
        switch self {
        case let .tuple(container), let .list(container), let .set(container): return container.depth
        case let .dict(dict): return dict.depth
        default: return 0
        }
    }

    var intValue: Int? {
        if case let .int(value) = self { return Int(exactly: value) }
        if case let .bool(value) = self { return value ? 1 : 0 }
        return nil
    }

    var stringValue: String? {
        switch self {
        case let .string(text): return text
        // Python 2 pickles (legacy files) may carry ASCII byte strings where Python 3 has str.
        case let .bytes(raw): return String(validating: raw, as: UTF8.self)
        default: return nil
        }
    }

    /// Items of a tuple or list.
    var sequenceItems: [PickleValue]? {
        switch self {
        case let .tuple(container), let .list(container): return container.items
        default: return nil
        }
    }
}

/// Tuples, lists and sets. A class because pickle mutates lists after memoizing them (APPEND on a
/// memo'd list must be visible through every reference).
///
/// `depth` stays exact because a container placed inside another may not get deeper afterwards
/// (`PickleError.nestedContainerDeepened`): the parent's depth was computed from the child's.
/// Python's pickler finishes every child before its parent refers to it, so only cyclic objects
/// (which the flattener refuses anyway) could do this.
final class PickleContainer {
    private(set) var items: [PickleValue]
    private(set) var depth: Int
    /// True once another container or dict holds this one.
    fileprivate(set) var isNested = false

    init(items: [PickleValue] = []) {
        self.items = items
        depth = 1 + (items.map(\.depth).max() ?? 0)
        for item in items { item.markNested() }
    }

    func append(_ value: PickleValue) throws {
        let deeper = value.depth + 1
        if isNested, deeper > depth { throw PickleError.nestedContainerDeepened(depth: deeper) }
        value.markNested()
        items.append(value)
        depth = max(depth, deeper)
    }

    /// Drops every item (teardown: frees cycles and long chains one container at a time).
    func removeAll() { items.removeAll() }
}

/// A dict or OrderedDict: insertion-ordered, a later SETITEM with an equal key replaces the value in place.
/// Like `PickleContainer`, it may not get deeper once nested.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [PickleKey: Int] = [:]
    private(set) var depth = 1
    fileprivate(set) var isNested = false
    /// Attributes set by BUILD (`state_dict()._metadata`), kept but not interpreted.
    var attributes: [PickleValue] = []

    func removeAll() {
        entries.removeAll()
        positions.removeAll()
        attributes.removeAll()
    }

    /// Stores `value` under `key`, whose hashable form the caller built (within its node budget).
    func set(_ key: PickleValue, hashable: PickleKey, _ value: PickleValue) throws {
        let deeper = max(value.depth + 1, key.depth + 1)
        if isNested, deeper > depth { throw PickleError.nestedContainerDeepened(depth: deeper) }
        key.markNested()
        value.markNested()
        depth = max(depth, deeper)
        if let position = positions[hashable] {
            entries[position].value = value
        } else {
            positions[hashable] = entries.count
            entries.append((key, value))
        }
    }
}

extension PickleValue {
    /// Records that a container now holds this value (see `PickleContainer`).
    fileprivate func markNested() {
        switch self {
        case let .tuple(container), let .list(container), let .set(container): container.isNested = true
        case let .dict(dict): dict.isNested = true
        default: break
        }
    }
}

/// The hashable subset of pickle values that may key a dict.
indirect enum PickleKey: Hashable {
    case none, bool(Bool), int(Int64), bigInt([UInt8]), float(Double), string(String), bytes([UInt8]), tuple([PickleKey])

    /// The key for `value`, or nil when it is unhashable. Each node built spends one unit of `budget`:
    /// memo-shared tuples nest `((t, t), (t, t))` to describe 2^n nodes in a few bytes per level, so the
    /// tree is refused (`PickleError.nodeBudgetExceeded`) before it is built rather than after.
    init?(_ value: PickleValue, budget: inout NodeBudget) throws {
        try budget.spend(1)
        switch value {
        case .none: self = .none
        // Python: True == 1 and hash(True) == hash(1), so they are the same key.
        case let .bool(flag): self = .int(flag ? 1 : 0)
        case let .int(number): self = .int(number)
        case let .bigInt(raw): self = .bigInt(raw)
        case let .float(number): self = number == number.rounded() && abs(number) < 9.2e18 ? .int(Int64(number)) : .float(number)
        case let .string(text): self = .string(text)
        case let .bytes(raw): self = .bytes(raw)
        case let .tuple(container):
            var keys: [PickleKey] = []
            for item in container.items {
                guard let key = try PickleKey(item, budget: &budget) else { return nil }
                keys.append(key)
            }
            self = .tuple(keys)
        default: return nil
        }
    }
}

/// How many value nodes a walk may still build or visit. The limit scales with the stream, so a
/// checkpoint of any real size fits while a few hostile bytes cannot stand for exponential work.
struct NodeBudget {
    let limit: Int
    private(set) var remaining: Int

    init(limit: Int) {
        self.limit = limit
        remaining = limit
    }

    /// Room for every node a stream of `streamBytes` can write without memo sharing (at least one byte
    /// each), many times over.
    init(streamBytes: Int) {
        self.init(limit: 16 * streamBytes + (1 << 20))
    }

    mutating func spend(_ nodes: Int) throws {
        guard nodes <= remaining else { throw PickleError.nodeBudgetExceeded(limit: limit) }
        remaining -= nodes
    }
}

/// A storage named by a persistent id: which bytes of the checkpoint hold it and as what element type.
struct StorageReference: Equatable {
    /// The storage key (`data/<key>` in a zip archive; the root key in a legacy file).
    let key: String
    /// Element type of the storage (u8 for `torch.UntypedStorage`).
    let dtype: DType
    /// Size in storage elements.
    let elementCount: Int
    /// Legacy view storages start this many elements into their root storage.
    let elementOffset: Int
}

/// A tensor as the pickle describes it: a strided view into a storage. Offset and strides count
/// elements of the tensor's own dtype.
struct TensorReference: Equatable {
    let storage: StorageReference
    let dtype: DType
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}
