// libFuzzer harness: the safetensors header reader and the JSON parser behind it (scripts/fuzz safetensors).
@testable import Checkpoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let header = try? SafetensorsHeader(file: bytes, path: "fuzz") {
        // Accepted files must tile their data section exactly.
        var end = 0
        for entry in header.entries {
            precondition(entry.dataRange.lowerBound == end && entry.dataRange.count == entry.info.byteCount)
            end = entry.dataRange.upperBound
        }
        precondition(header.dataStart + end == size)
    }
    _ = try? JSONParser.parse(bytes)
    return 0
}
