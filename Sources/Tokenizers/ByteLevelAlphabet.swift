/// GPT-2's reversible map between bytes and printable Unicode characters: printable Latin-1
/// bytes stand for themselves, the other 68 bytes take code points 256, 257, ... in byte order.
/// Byte-level BPE vocabularies are written in this alphabet (a space is "Ġ", U+0120).
enum ByteLevelAlphabet {
    /// UTF-8 of the character standing for each byte.
    static let encoded: [[UInt8]] = {
        var next: UInt32 = 256
        return (0..<256).map { byte -> [UInt8] in
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            let scalar: UInt32
            if printable {
                scalar = UInt32(byte)
            } else {
                scalar = next
                next += 1
            }
            return Array(String(Character(Unicode.Scalar(scalar)!)).utf8)
        }
    }()

    /// The byte each alphabet character stands for, by code point.
    static let decoded: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (byte, utf8) in encoded.enumerated() {
            if let scalar = String(decoding: utf8, as: UTF8.self).unicodeScalars.first { map[scalar.value] = UInt8(byte) }
        }
        return map
    }()

    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        for byte in bytes { out += encoded[Int(byte)] }
        return out
    }

    /// The bytes a token's text stands for, or nil if it holds a character outside the alphabet.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            guard let byte = decoded[scalar.value] else { return nil }
            out.append(byte)
        }
        return out
    }
}
