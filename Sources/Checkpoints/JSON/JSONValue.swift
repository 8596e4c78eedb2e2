/// A parsed JSON document that keeps what a strict reader needs: object keys in file order and
/// numbers as their original text, so integers are read exactly (no detour through Double).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name, for messages ("expected a string, found an array").
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    public var stringValue: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case let .object(value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case let .array(value) = self { return value }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case let .number(value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }
}

/// A JSON number kept as its lexeme (already checked against the JSON grammar).
public struct JSONNumber: Sendable, Equatable, CustomStringConvertible {
    public let lexeme: String

    public init(lexeme: String) { self.lexeme = lexeme }

    public var description: String { lexeme }

    /// True when the lexeme has no sign, fraction or exponent: the only numbers serde accepts for
    /// `u64`/`usize` fields.
    public var isPlainUnsignedInteger: Bool { lexeme.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }

    /// The value as an unsigned 64-bit integer, exactly as serde reads a `u64`: nil for negative,
    /// fractional or exponent forms and for values above `UInt64.max`.
    public var uint64Value: UInt64? {
        guard isPlainUnsignedInteger else { return nil }
        var value: UInt64 = 0
        for digit in lexeme.utf8 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// The value as a signed 64-bit integer (optional leading minus, no fraction or exponent).
    public var int64Value: Int64? {
        var digits = Substring(lexeme)
        let negative = digits.first == "-"
        if negative { digits = digits.dropFirst() }
        guard let magnitude = JSONNumber(lexeme: String(digits)).uint64Value else { return nil }
        if negative {
            if magnitude == UInt64(Int64.max) + 1 { return Int64.min }
            return magnitude <= UInt64(Int64.max) ? -Int64(magnitude) : nil
        }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    public var intValue: Int? { int64Value.map { Int($0) } }

    /// The nearest Double (always finite: the parser rejects numbers that overflow, as serde_json does).
    public var doubleValue: Double { Double(lexeme) ?? .nan }
}

/// A JSON object's members in file order. Keys are unique (the parser rejects duplicates).
public struct JSONObject: Sendable, Equatable {
    public private(set) var members: [(key: String, value: JSONValue)]
    private var indexByKey: [String: Int]

    public init() {
        members = []
        indexByKey = [:]
    }

    /// Adds a member; returns false (and changes nothing) if the key is already present.
    @discardableResult
    public mutating func append(key: String, value: JSONValue) -> Bool {
        guard indexByKey[key] == nil else { return false }
        indexByKey[key] = members.count
        members.append((key, value))
        return true
    }

    public subscript(key: String) -> JSONValue? {
        indexByKey[key].map { members[$0].value }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members.count == rhs.members.count
            && zip(lhs.members, rhs.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
