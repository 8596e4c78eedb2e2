/// Flattens an unpickled checkpoint object into dotted names: tensors (`state_dict.embed.weight`) and
/// scalar leaves rendered as text (`config.num_layers` = "2"). Dict keys and list indices become name
/// components; storages, globals, sets and bytes are skipped.
///
/// A memo-shared tuple is one object the walk meets many times (`t1 = (t0, t0)`, `t2 = (t1, t1)`, ...:
/// 2^n paths in a few bytes per level), so every node visited and every 16 bytes of name built spend
/// from a budget sized by the stream, and `PickleError.nodeBudgetExceeded` ends the walk.
struct PickleFlattener {
    let path: String
    var maxDepth = 64
    private var budget: NodeBudget

    private(set) var tensors: [(name: String, tensor: TensorReference)] = []
    private(set) var scalars: [String: String] = [:]
    /// The root dict's keys as name components (empty when the root is not a dict).
    private(set) var rootKeys: [String] = []
    private var seenNames: Set<String> = []
    private var onPath: Set<ObjectIdentifier> = []

    init(path: String, streamBytes: Int) {
        self.path = path
        budget = NodeBudget(streamBytes: streamBytes)
    }

    mutating func flatten(_ root: PickleValue) throws {
        if case let .dict(dict) = root { rootKeys = dict.entries.map { Self.component($0.key) } }
        try visit(root, name: "", depth: 0)
    }

    private mutating func visit(_ value: PickleValue, name: String, depth: Int) throws {
        guard depth <= maxDepth else { throw PyTorchError.nestingTooDeep(path: path, at: name) }
        try budget.spend(1 + name.utf8.count / 16)
        switch value {
        case let .tensor(tensor):
            // A bare tensor saved on its own has no name; call it "tensor".
            let tensorName = name.isEmpty ? "tensor" : name
            guard seenNames.insert(tensorName).inserted else { throw PyTorchError.duplicateTensorName(path: path, name: tensorName) }
            tensors.append((tensorName, tensor))
        case let .dict(dict):
            try enter(ObjectIdentifier(dict), name: name) { flattener in
                for (key, item) in dict.entries {
                    try flattener.visit(item, name: Self.join(name, Self.component(key)), depth: depth + 1)
                }
            }
        case let .list(container), let .tuple(container):
            try enter(ObjectIdentifier(container), name: name) { flattener in
                for (index, item) in container.items.enumerated() {
                    try flattener.visit(item, name: Self.join(name, String(index)), depth: depth + 1)
                }
            }
        case .none: scalars[name] = "None"
        case let .bool(flag): scalars[name] = flag ? "true" : "false"
        case let .int(number): scalars[name] = String(number)
        case let .float(number): scalars[name] = String(number)
        case let .string(text): scalars[name] = text
        case .bigInt, .bytes, .set, .global, .storage: break
        }
    }

    private mutating func enter(_ identity: ObjectIdentifier, name: String, _ body: (inout PickleFlattener) throws -> Void) throws {
        guard onPath.insert(identity).inserted else { throw PyTorchError.cyclicStructure(path: path, at: name.isEmpty ? "<root>" : name) }
        try body(&self)
        onPath.remove(identity)
    }

    private static func join(_ prefix: String, _ component: String) -> String {
        prefix.isEmpty ? component : "\(prefix).\(component)"
    }

    private static func component(_ key: PickleValue) -> String {
        switch key {
        case let .string(text): return text
        case let .int(number): return String(number)
        case let .bool(flag): return flag ? "True" : "False"
        case .none: return "None"
        case let .float(number): return String(number)
        case let .bytes(raw): return String(decoding: raw, as: UTF8.self)
        default: return key.typeName
        }
    }
}
