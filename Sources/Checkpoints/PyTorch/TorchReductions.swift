import Tensors

/// What REDUCE, NEWOBJ and BUILD mean for each allow-listed global. These mirror the Python functions
/// torch pickles (`torch/_utils.py`, `torch/_tensor.py`) as data transformations; no code is run.
extension Unpickler {
    func call(_ global: TorchGlobal, _ args: [PickleValue]) throws -> PickleValue {
        switch global {
        case .orderedDict, .counter:
            return .dict(try dictionary(global, from: args))
        case .rebuildTensor:
            try expectCount(global, args, 4...4)
            return .tensor(try tensor(global, args, dtypeOverride: nil))
        case .rebuildTensorV2:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            try expectCount(global, args, 6...7)
            return .tensor(try tensor(global, args, dtypeOverride: nil))
        case .rebuildTensorV3:
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
            try expectCount(global, args, 7...8)
            guard case let .global(.dtype(name, dtype)) = args[6] else {
                throw PickleError.invalidCall(
                    callable: global.qualifiedName, detail: "argument 7 is a \(args[6].typeName), not a torch dtype")
            }
            guard let dtype else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "dtype torch.\(name) is not supported")
            }
            return .tensor(try tensor(global, args, dtypeOverride: dtype))
        case .rebuildParameter, .rebuildParameterWithState, .parameterType:
            // A Parameter is its data tensor; requires_grad, hooks and Python state do not change the bytes.
            try expectCount(global, args, global == .parameterType ? 1...2 : (global == .rebuildParameter ? 3...3 : 4...4))
            guard case .tensor = args[0] else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "data is a \(args[0].typeName), not a tensor")
            }
            return args[0]
        case .rebuildFromTypeV2:
            // (func, new_type, args, state): the tensor is func(*args); the subclass and state are Python-side only.
            try expectCount(global, args, 4...4)
            guard case let .global(function) = args[0], case let .tuple(inner) = args[2] else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "expected (function, type, args tuple, state)")
            }
            guard case .global(.tensorType) = args[1] else {
                if case .global(.parameterType) = args[1] { return try call(function, inner.items) }
                throw PickleError.invalidCall(
                    callable: global.qualifiedName, detail: "tensor subclass \(args[1].typeName) is not supported")
            }
            return try call(function, inner.items)
        case .size:
            try expectCount(global, args, 0...1)
            guard let dims = args.first else { return .tuple(try makeContainer()) }
            guard let items = dims.sequenceItems, items.allSatisfy({ $0.intValue != nil }) else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "dimensions are not integers")
            }
            return .tuple(try makeContainer(items))
        case .device, .getLayout:
            try expectCount(global, args, 1...2)
            guard let name = args[0].stringValue else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "argument is a \(args[0].typeName), not a string")
            }
            return .string(args.count == 2 ? "\(name):\(args[1].intValue.map(String.init) ?? "?")" : name)
        case .set, .frozenset:
            try expectCount(global, args, 0...1)
            let items: [PickleValue]
            if let source = args.first {
                if case let .set(container) = source {
                    items = container.items
                } else {
                    guard let sequence = source.sequenceItems else {
                        throw PickleError.invalidCall(callable: global.qualifiedName, detail: "cannot make a set from a \(source.typeName)")
                    }
                    items = sequence
                }
            } else {
                items = []
            }
            return .set(try makeContainer(items))
        case .bytearray:
            try expectCount(global, args, 0...1)
            guard let source = args.first else { return .bytes([]) }
            guard case let .bytes(raw) = source else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "argument is a \(source.typeName), not bytes")
            }
            return .bytes(raw)
        case .codecsEncode:
            // Protocol 2 pickles Python 3 bytes as _codecs.encode(text, "latin1").
            try expectCount(global, args, 2...2)
            guard case let .string(text) = args[0], let encoding = args[1].stringValue,
                ["latin1", "latin-1"].contains(encoding.lowercased())
            else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "only (str, 'latin1') is accepted")
            }
            var raw: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value <= 0xFF else {
                    throw PickleError.invalidCall(callable: global.qualifiedName, detail: "text is not latin-1")
                }
                raw.append(UInt8(scalar.value))
            }
            return .bytes(raw)
        case .tensorType, .storageType, .untypedStorage, .dtype:
            throw PickleError.invalidCall(callable: global.qualifiedName, detail: "it is not callable in a weights-only checkpoint")
        }
    }

    /// NEWOBJ: `cls.__new__(cls, *args)` for the few classes a state dict may instantiate this way.
    func instantiate(_ global: TorchGlobal, _ args: [PickleValue]) throws -> PickleValue {
        switch global {
        case .orderedDict, .counter: return .dict(makeDict())
        case .set, .frozenset: return .set(try makeContainer())
        case .parameterType: return try call(global, args)
        default: throw PickleError.invalidCall(callable: global.qualifiedName, detail: "it cannot be instantiated with NEWOBJ")
        }
    }

    /// BUILD: only an (Ordered)Dict may receive state — `state_dict()._metadata` — which is kept, not applied.
    func build(_ instance: PickleValue, state: PickleValue) throws {
        guard case let .dict(dict) = instance else {
            throw PickleError.invalidCall(callable: "BUILD", detail: "cannot set state on a \(instance.typeName)")
        }
        dict.attributes.append(state)
    }

    private func expectCount(_ global: TorchGlobal, _ args: [PickleValue], _ allowed: ClosedRange<Int>) throws {
        guard allowed.contains(args.count) else {
            throw PickleError.invalidCall(
                callable: global.qualifiedName,
                detail:
                    "\(args.count) arguments, expected \(allowed.lowerBound == allowed.upperBound ? "\(allowed.lowerBound)" : "\(allowed.lowerBound)–\(allowed.upperBound)")"
            )
        }
    }

    private func dictionary(_ global: TorchGlobal, from args: [PickleValue]) throws -> PickleDict {
        try expectCount(global, args, 0...1)
        let dict = makeDict()
        guard let source = args.first else { return dict }
        if case let .dict(other) = source {
            for (key, value) in other.entries { try setItem(dict, key, value) }
            return dict
        }
        guard let pairs = source.sequenceItems else {
            throw PickleError.invalidCall(callable: global.qualifiedName, detail: "cannot build a dict from a \(source.typeName)")
        }
        for pair in pairs {
            guard let items = pair.sequenceItems, items.count == 2 else {
                throw PickleError.invalidCall(callable: global.qualifiedName, detail: "items are not (key, value) pairs")
            }
            try setItem(dict, items[0], items[1])
        }
        return dict
    }

    private func tensor(_ global: TorchGlobal, _ args: [PickleValue], dtypeOverride: DType?) throws -> TensorReference {
        let name = global.qualifiedName
        guard case let .storage(storage) = args[0] else {
            throw PickleError.invalidCall(callable: name, detail: "argument 1 is a \(args[0].typeName), not a storage")
        }
        guard let offset = args[1].intValue, offset >= 0 else {
            throw PickleError.invalidCall(callable: name, detail: "storage offset is not a non-negative integer")
        }
        guard let shape = integers(args[2]), shape.allSatisfy({ $0 >= 0 }) else {
            throw PickleError.invalidCall(callable: name, detail: "size is not a tuple of non-negative integers")
        }
        guard let strides = integers(args[3]), strides.count == shape.count, strides.allSatisfy({ $0 >= 0 }) else {
            throw PickleError.invalidCall(callable: name, detail: "stride is not a tuple of non-negative integers matching the size")
        }
        if args.count > 5, case let .dict(hooks) = args[5], !hooks.entries.isEmpty {
            throw PickleError.invalidCall(callable: name, detail: "backward hooks are not supported")
        }
        return TensorReference(
            storage: storage, dtype: dtypeOverride ?? storage.dtype, storageOffset: offset, shape: shape, strides: strides)
    }

    private func integers(_ value: PickleValue) -> [Int]? {
        guard let items = value.sequenceItems else { return nil }
        var result: [Int] = []
        for item in items {
            guard case let .int(number) = item, let exact = Int(exactly: number) else { return nil }
            result.append(exact)
        }
        return result
    }
}
