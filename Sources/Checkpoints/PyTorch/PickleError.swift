/// Why a pickle stream was refused. Offsets are byte positions inside the pickle stream.
public enum PickleError: Error, Equatable, CustomStringConvertible {
    case truncated(offset: Int)
    case unsupportedOpcode(opcode: UInt8, offset: Int)
    case unsupportedProtocol(Int)
    /// A GLOBAL / STACK_GLOBAL naming anything outside the allow-list; nothing was imported or run.
    case disallowedGlobal(String)
    case stackUnderflow(opcode: UInt8, offset: Int)
    case markMissing(opcode: UInt8, offset: Int)
    case memoMissing(index: Int, offset: Int)
    case memoTooLarge(limit: Int)
    case nestingTooDeep(limit: Int)
    /// A container already held by another one got deeper (only cyclic objects do this).
    case nestedContainerDeepened(depth: Int)
    /// Building or walking the object would touch more nodes than the stream's size allows
    /// (memo-shared references describing exponentially many nodes).
    case nodeBudgetExceeded(limit: Int)
    case lengthExceedsStream(length: UInt64, offset: Int)
    case integerTooLarge(bytes: Int, offset: Int)
    case invalidUTF8(offset: Int)
    case unhashableKey(type: String)
    case invalidOperand(opcode: UInt8, offset: Int, detail: String)
    /// A REDUCE / NEWOBJ / BUILD whose callable or arguments are not what torch writes.
    case invalidCall(callable: String, detail: String)
    case invalidPersistentID(String)
    case noStop

    public var description: String {
        switch self {
        case let .truncated(offset): return "pickle stream ends early (at byte \(offset))"
        case let .unsupportedOpcode(opcode, offset):
            return "unsupported pickle opcode 0x\(String(opcode, radix: 16)) \(printable(opcode)) at byte \(offset)"
        case let .unsupportedProtocol(version): return "unsupported pickle protocol \(version)"
        case let .disallowedGlobal(name):
            return "pickle refers to '\(name)', which is not on the allow-list of tensor-checkpoint globals (nothing was executed)"
        case let .stackUnderflow(opcode, offset): return "pickle opcode \(printable(opcode)) at byte \(offset) pops an empty stack"
        case let .markMissing(opcode, offset): return "pickle opcode \(printable(opcode)) at byte \(offset) needs a MARK that is not there"
        case let .memoMissing(index, offset): return "pickle reads memo slot \(index) at byte \(offset), which was never stored"
        case let .memoTooLarge(limit): return "pickle stores more than \(limit) memo entries"
        case let .nestingTooDeep(limit): return "pickle nests containers deeper than \(limit) levels"
        case let .nestedContainerDeepened(depth):
            return
                "pickle adds to a container after placing it inside another, making it \(depth) levels deep (a cyclic object; torch never writes this)"
        case let .nodeBudgetExceeded(limit):
            return "pickle describes more than \(limit) nodes for its size (memo references shared exponentially)"
        case let .lengthExceedsStream(length, offset):
            return "pickle operand at byte \(offset) claims \(length) bytes, more than the stream holds"
        case let .integerTooLarge(bytes, offset): return "pickle integer of \(bytes) bytes at byte \(offset) is too large"
        case let .invalidUTF8(offset): return "pickle string at byte \(offset) is not valid UTF-8"
        case let .unhashableKey(type): return "pickle uses a \(type) as a dict key"
        case let .invalidOperand(opcode, offset, detail): return "pickle opcode \(printable(opcode)) at byte \(offset): \(detail)"
        case let .invalidCall(callable, detail): return "pickle calls \(callable) with unexpected arguments: \(detail)"
        case let .invalidPersistentID(detail): return "pickle persistent id is not a storage reference: \(detail)"
        case .noStop: return "pickle stream has no STOP opcode"
        }
    }

    private func printable(_ opcode: UInt8) -> String {
        (0x21...0x7E).contains(opcode) ? "'\(Character(Unicode.Scalar(opcode)))'" : "0x\(String(opcode, radix: 16))"
    }
}
