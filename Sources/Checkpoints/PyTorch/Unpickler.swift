/// A pickle virtual machine that executes nothing. It understands the binary opcodes of protocols
/// 2–5 that torch's `weights_only` unpickler accepts plus the protocol 3–5 ones third-party writers
/// emit; GLOBAL/STACK_GLOBAL resolve only allow-listed names (`TorchGlobal`), and REDUCE/NEWOBJ/BUILD
/// compute the documented effect of those few callables (`TorchReductions`).
///
/// Every operand is bounds-checked against the stream; memo size and nesting depth are capped, and the
/// nodes built (container items, dict entries, key trees) are counted against a budget proportional
/// to the stream's size.
final class Unpickler {
    struct Limits {
        var maxMemoEntries = 1 << 22
        var maxNestingDepth = 200
        /// Nodes the stream may build; nil: `NodeBudget(streamBytes:)` of the stream's length.
        var maxNodes: Int? = nil
    }

    /// Turns a BINPERSID operand into the value it stands for (a storage reference).
    typealias PersistentLoad = (PickleValue) throws -> PickleValue

    private let view: ByteView
    private var position: Int
    private let limits: Limits
    private let persistentLoad: PersistentLoad
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    private var budget: NodeBudget
    /// Every container built, so teardown can empty them one by one: this frees cycles and keeps
    /// deeply nested chains from releasing recursively.
    private var containers: [PickleContainer] = []
    private var dicts: [PickleDict] = []

    /// Runs the pickle that starts at `start`, hands the result to `extract` and frees what was built.
    /// Returns what `extract` returned and the offset just past the STOP opcode.
    static func load<Result>(
        _ bytes: UnsafeRawBufferPointer, from start: Int = 0, limits: Limits = Limits(),
        persistentLoad: @escaping PersistentLoad, extract: (PickleValue) throws -> Result
    ) throws -> (result: Result, end: Int) {
        let machine = Unpickler(view: ByteView(bytes), start: start, limits: limits, persistentLoad: persistentLoad)
        defer { machine.tearDown() }
        let value = try machine.run()
        return (try extract(value), machine.position)
    }

    private init(view: ByteView, start: Int, limits: Limits, persistentLoad: @escaping PersistentLoad) {
        self.view = view
        position = start
        self.limits = limits
        self.persistentLoad = persistentLoad
        budget = limits.maxNodes.map(NodeBudget.init(limit:)) ?? NodeBudget(streamBytes: view.count - start)
    }

    private func tearDown() {
        stack.removeAll()
        memo.removeAll()
        for container in containers { container.removeAll() }
        for dict in dicts { dict.removeAll() }
        containers.removeAll()
        dicts.removeAll()
    }

    // MARK: Building values (all containers go through here so teardown sees them)

    func makeContainer(_ items: [PickleValue] = []) throws -> PickleContainer {
        try budget.spend(1 + items.count)
        let container = PickleContainer(items: items)
        containers.append(container)
        try checkDepth(container.depth)
        return container
    }

    /// Stores `value` under `key` in `dict`, building the hashable key within the node budget.
    func setItem(_ dict: PickleDict, _ key: PickleValue, _ value: PickleValue) throws {
        try budget.spend(1)
        guard let hashable = try PickleKey(key, budget: &budget) else { throw PickleError.unhashableKey(type: key.typeName) }
        try dict.set(key, hashable: hashable, value)
    }

    func makeDict() -> PickleDict {
        let dict = PickleDict()
        dicts.append(dict)
        return dict
    }

    private func checkDepth(_ depth: Int) throws {
        if depth > limits.maxNestingDepth { throw PickleError.nestingTooDeep(limit: limits.maxNestingDepth) }
    }

    // MARK: The machine

    private func run() throws -> PickleValue {
        while true {
            let opcodeOffset = position
            guard let opcode = view.u8(at: position) else {
                throw position == 0 ? PickleError.noStop : PickleError.truncated(offset: position)
            }
            position += 1
            if opcode == Opcode.stop {
                return try pop(opcode, opcodeOffset)
            }
            try execute(opcode, at: opcodeOffset)
        }
    }

    private enum Opcode {
        static let stop = UInt8(ascii: ".")
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    private func execute(_ opcode: UInt8, at offset: Int) throws {
        switch opcode {
        case 0x80:  // PROTO
            let version = Int(try readUnsigned(1))
            guard version <= 5 else { throw PickleError.unsupportedProtocol(version) }
        case 0x95:  // FRAME: a length hint only; the bytes follow inline.
            let length = try readUnsigned(8)
            guard length <= UInt64(view.count - position) else { throw PickleError.lengthExceedsStream(length: length, offset: offset) }
        case UInt8(ascii: "("):  // MARK
            marks.append(stack.count)
        case UInt8(ascii: "0"):  // POP
            _ = try pop(opcode, offset)
        case UInt8(ascii: "1"):  // POP_MARK
            _ = try popMark(opcode, offset)
        case UInt8(ascii: "2"):  // DUP
            stack.append(try top(opcode, offset))

        case UInt8(ascii: "N"): stack.append(.none)
        case 0x88: stack.append(.bool(true))
        case 0x89: stack.append(.bool(false))
        case UInt8(ascii: "J"): stack.append(.int(Int64(Int32(truncatingIfNeeded: try readUnsigned(4)))))
        case UInt8(ascii: "K"): stack.append(.int(Int64(try readUnsigned(1))))
        case UInt8(ascii: "M"): stack.append(.int(Int64(try readUnsigned(2))))
        case 0x8A: try pushLong(length: Int(try readUnsigned(1)), at: offset)
        case 0x8B:
            let length = Int32(truncatingIfNeeded: try readUnsigned(4))
            guard length >= 0 else { throw PickleError.invalidOperand(opcode: opcode, offset: offset, detail: "negative length") }
            try pushLong(length: Int(length), at: offset)
        case UInt8(ascii: "G"):  // BINFLOAT, big-endian
            stack.append(.float(Double(bitPattern: try readUnsigned(8).byteSwapped)))

        case UInt8(ascii: "X"): stack.append(.string(try readString(lengthBytes: 4, at: offset)))
        case 0x8C: stack.append(.string(try readString(lengthBytes: 1, at: offset)))
        case 0x8D: stack.append(.string(try readString(lengthBytes: 8, at: offset)))
        case UInt8(ascii: "U"): stack.append(legacyString(try readBytes(lengthBytes: 1, at: offset)))
        case UInt8(ascii: "T"): stack.append(legacyString(try readBytes(lengthBytes: 4, signed: true, at: offset)))
        case UInt8(ascii: "C"): stack.append(.bytes(try readBytes(lengthBytes: 1, at: offset)))
        case UInt8(ascii: "B"): stack.append(.bytes(try readBytes(lengthBytes: 4, at: offset)))
        case 0x8E: stack.append(.bytes(try readBytes(lengthBytes: 8, at: offset)))
        case 0x96: stack.append(.bytes(try readBytes(lengthBytes: 8, at: offset)))  // BYTEARRAY8

        case UInt8(ascii: ")"): stack.append(.tuple(try makeContainer()))
        case UInt8(ascii: "]"): stack.append(.list(try makeContainer()))
        case UInt8(ascii: "}"): stack.append(.dict(makeDict()))
        case 0x8F: stack.append(.set(try makeContainer()))
        case UInt8(ascii: "t"): stack.append(.tuple(try makeContainer(try popMark(opcode, offset))))
        case 0x85, 0x86, 0x87:  // TUPLE1..3
            let count = Int(opcode - 0x84)
            guard stack.count >= count + (marks.last ?? 0) else { throw PickleError.stackUnderflow(opcode: opcode, offset: offset) }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            stack.append(.tuple(try makeContainer(items)))
        case UInt8(ascii: "l"): stack.append(.list(try makeContainer(try popMark(opcode, offset))))
        case UInt8(ascii: "d"):
            let items = try popMark(opcode, offset)
            let dict = makeDict()
            try fill(dict, pairs: items, opcode, offset)
            stack.append(.dict(dict))
        case 0x91: stack.append(.set(try makeContainer(try popMark(opcode, offset))))  // FROZENSET

        case UInt8(ascii: "a"):  // APPEND
            let value = try pop(opcode, offset)
            try appendItems([value], opcode, offset)
        case UInt8(ascii: "e"):  // APPENDS
            let items = try popMark(opcode, offset)
            try appendItems(items, opcode, offset)
        case 0x90:  // ADDITEMS
            let items = try popMark(opcode, offset)
            guard case let .set(container) = try top(opcode, offset) else {
                throw PickleError.invalidOperand(opcode: opcode, offset: offset, detail: "ADDITEMS target is not a set")
            }
            try budget.spend(items.count)
            for item in items { try container.append(item) }
            try checkDepth(container.depth)
        case UInt8(ascii: "s"):  // SETITEM
            let value = try pop(opcode, offset)
            let key = try pop(opcode, offset)
            try fill(try topDict(opcode, offset), pairs: [key, value], opcode, offset)
        case UInt8(ascii: "u"):  // SETITEMS
            let items = try popMark(opcode, offset)
            try fill(try topDict(opcode, offset), pairs: items, opcode, offset)

        case UInt8(ascii: "h"): try memoGet(Int(try readUnsigned(1)), offset)
        case UInt8(ascii: "j"): try memoGet(Int(try readUnsigned(4)), offset)
        case UInt8(ascii: "q"): try memoPut(Int(try readUnsigned(1)), opcode, offset)
        case UInt8(ascii: "r"): try memoPut(Int(try readUnsigned(4)), opcode, offset)
        case 0x94: try memoPut(memo.count, opcode, offset)  // MEMOIZE

        case UInt8(ascii: "c"):  // GLOBAL "module\nname\n"
            let module = try readLine(at: offset)
            let name = try readLine(at: offset)
            stack.append(.global(try TorchGlobal.resolve(module: module, name: name)))
        case 0x93:  // STACK_GLOBAL
            let name = try pop(opcode, offset)
            let module = try pop(opcode, offset)
            guard case let .string(moduleName) = module, case let .string(globalName) = name else {
                throw PickleError.invalidOperand(opcode: opcode, offset: offset, detail: "STACK_GLOBAL needs two strings")
            }
            stack.append(.global(try TorchGlobal.resolve(module: moduleName, name: globalName)))
        case UInt8(ascii: "Q"):  // BINPERSID
            let pid = try pop(opcode, offset)
            stack.append(try persistentLoad(pid))
        case UInt8(ascii: "R"):  // REDUCE
            let arguments = try pop(opcode, offset)
            let callable = try pop(opcode, offset)
            guard case let .global(global) = callable else {
                throw PickleError.invalidCall(callable: callable.typeName, detail: "only allow-listed globals can be called")
            }
            guard case let .tuple(args) = arguments else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "arguments are a \(arguments.typeName), not a tuple")
            }
            stack.append(try call(global, args.items))
        case 0x81:  // NEWOBJ: cls.__new__(cls, *args)
            let arguments = try pop(opcode, offset)
            let cls = try pop(opcode, offset)
            guard case let .global(global) = cls, case let .tuple(args) = arguments else {
                throw PickleError.invalidCall(callable: cls.typeName, detail: "NEWOBJ needs an allow-listed class and a tuple")
            }
            stack.append(try instantiate(global, args.items))
        case UInt8(ascii: "b"):  // BUILD
            let state = try pop(opcode, offset)
            try build(try top(opcode, offset), state: state)
        default:
            throw PickleError.unsupportedOpcode(opcode: opcode, offset: offset)
        }
    }

    // MARK: Stack helpers

    private func pop(_ opcode: UInt8, _ offset: Int) throws -> PickleValue {
        // Like CPython's unpickler, never pop below the innermost MARK.
        guard stack.count > (marks.last ?? 0), let value = stack.popLast() else {
            throw PickleError.stackUnderflow(opcode: opcode, offset: offset)
        }
        return value
    }

    private func top(_ opcode: UInt8, _ offset: Int) throws -> PickleValue {
        guard let value = stack.last else { throw PickleError.stackUnderflow(opcode: opcode, offset: offset) }
        return value
    }

    private func topDict(_ opcode: UInt8, _ offset: Int) throws -> PickleDict {
        guard case let .dict(dict) = try top(opcode, offset) else {
            throw PickleError.invalidOperand(
                opcode: opcode, offset: offset, detail: "item assignment on a \(stack.last?.typeName ?? "nothing")")
        }
        return dict
    }

    private func popMark(_ opcode: UInt8, _ offset: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw PickleError.markMissing(opcode: opcode, offset: offset) }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func appendItems(_ items: [PickleValue], _ opcode: UInt8, _ offset: Int) throws {
        guard case let .list(list) = try top(opcode, offset) else {
            throw PickleError.invalidOperand(
                opcode: opcode, offset: offset, detail: "append to a \(stack.last?.typeName ?? "nothing"), not a list")
        }
        try budget.spend(items.count)
        for item in items { try list.append(item) }
        try checkDepth(list.depth)
    }

    private func fill(_ dict: PickleDict, pairs: [PickleValue], _ opcode: UInt8, _ offset: Int) throws {
        guard pairs.count % 2 == 0 else {
            throw PickleError.invalidOperand(opcode: opcode, offset: offset, detail: "odd number of items for a dict")
        }
        for index in stride(from: 0, to: pairs.count, by: 2) {
            try setItem(dict, pairs[index], pairs[index + 1])
        }
        try checkDepth(dict.depth)
    }

    private func memoGet(_ index: Int, _ offset: Int) throws {
        guard let value = memo[index] else { throw PickleError.memoMissing(index: index, offset: offset) }
        stack.append(value)
    }

    private func memoPut(_ index: Int, _ opcode: UInt8, _ offset: Int) throws {
        if memo[index] == nil, memo.count >= limits.maxMemoEntries { throw PickleError.memoTooLarge(limit: limits.maxMemoEntries) }
        memo[index] = try top(opcode, offset)
    }

    // MARK: Operand readers

    private func readUnsigned(_ width: Int) throws -> UInt64 {
        guard let value = view.unsigned(at: position, width: width) else { throw PickleError.truncated(offset: position) }
        position += width
        return value
    }

    private func readBytes(lengthBytes: Int, signed: Bool = false, at offset: Int) throws -> [UInt8] {
        let raw = try readUnsigned(lengthBytes)
        if signed, Int32(truncatingIfNeeded: raw) < 0 {
            throw PickleError.invalidOperand(opcode: 0, offset: offset, detail: "negative length")
        }
        guard raw <= UInt64(view.count - position), let region = view.slice(at: position, length: Int(raw)) else {
            throw PickleError.lengthExceedsStream(length: raw, offset: offset)
        }
        position += Int(raw)
        return Array(region)
    }

    private func readString(lengthBytes: Int, at offset: Int) throws -> String {
        let raw = try readBytes(lengthBytes: lengthBytes, at: offset)
        guard let text = String(validating: raw, as: UTF8.self) else { throw PickleError.invalidUTF8(offset: offset) }
        return text
    }

    /// Python 2 `str` pickles: text when it decodes, raw bytes otherwise.
    private func legacyString(_ raw: [UInt8]) -> PickleValue {
        String(validating: raw, as: UTF8.self).map(PickleValue.string) ?? .bytes(raw)
    }

    private func readLine(at offset: Int) throws -> String {
        var end = position
        while true {
            guard let byte = view.u8(at: end) else { throw PickleError.truncated(offset: end) }
            if byte == UInt8(ascii: "\n") { break }
            end += 1
        }
        guard let region = view.slice(at: position, length: end - position), let text = String(validating: region, as: UTF8.self) else {
            throw PickleError.invalidUTF8(offset: offset)
        }
        position = end + 1
        return text
    }

    private func pushLong(length: Int, at offset: Int) throws {
        guard length <= 64 else { throw PickleError.integerTooLarge(bytes: length, offset: offset) }
        guard let region = view.slice(at: position, length: length) else { throw PickleError.truncated(offset: position) }
        position += length
        let raw = Array(region)
        if let mostSignificant = raw.last, raw.count <= 8 {
            // Sign-extend the little-endian two's complement value to 64 bits.
            var value: UInt64 = mostSignificant >= 0x80 ? ~0 : 0
            for byte in raw.reversed() { value = value << 8 | UInt64(byte) }
            stack.append(.int(Int64(bitPattern: value)))
        } else if raw.isEmpty {
            stack.append(.int(0))
        } else {
            stack.append(.bigInt(raw))
        }
    }
}
