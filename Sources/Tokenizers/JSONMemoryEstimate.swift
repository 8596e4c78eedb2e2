/// Roughly what json-c will allocate to hold a JSON text, counted in one pass before json-c sees it.
///
/// json-c builds a heap node per value, and an empty object costs it about 800 bytes (its hash
/// table is preallocated), so `[{},{},…]` asks for ~264 × the file size: a 50 MB hostile
/// tokenizer.json would take ~13 GB. Counting values is cheap and needs no tree, so a file whose
/// tree would be out of proportion to its size is refused before any node exists.
struct JSONMemoryEstimate: Equatable {
    /// Per-node costs measured on json-c: an object's preallocated hash table, an array's initial
    /// slot list, and a scalar's node (numbers, strings, keys, true, false, null).
    static let bytesPerObject = 800
    static let bytesPerArray = 256
    static let bytesPerScalar = 64

    /// The most a text of `fileSize` bytes may ask for. Real tokenizer files of dense `["a","b"]`
    /// merge pairs reach ~38 × their size (10 bytes → one array and two strings); 48 × leaves them
    /// room, the constant covers small files, and empty objects or arrays (85-266 ×) are refused.
    static func budget(forFileSize fileSize: Int) -> Int { 48 * fileSize + (16 << 20) }

    private(set) var objects = 0
    private(set) var arrays = 0
    private(set) var scalars = 0

    var bytes: Int { objects * Self.bytesPerObject + arrays * Self.bytesPerArray + scalars * Self.bytesPerScalar }

    /// Counts values without checking syntax: json-c still rejects malformed text afterwards, and a
    /// malformed text can only be counted as costing more than json-c would build, never less.
    init(scanning text: UnsafeRawBufferPointer) {
        var inString = false
        var escaped = false
        var inBareValue = false
        for byte in text {
            if inString {
                // A quote closes the string unless a backslash escapes it; `\\` escapes the backslash.
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "{"):
                objects += 1
                inBareValue = false
            case UInt8(ascii: "["):
                arrays += 1
                inBareValue = false
            case UInt8(ascii: "\""):
                scalars += 1
                inString = true
                inBareValue = false
            case UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ","), UInt8(ascii: ":"),
                UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                inBareValue = false
            default:
                // A number or literal: only its first byte starts a new value.
                if !inBareValue { scalars += 1 }
                inBareValue = true
            }
        }
    }
}
