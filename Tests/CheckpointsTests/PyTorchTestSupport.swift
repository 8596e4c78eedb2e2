import Foundation
import Tensors
@testable import Checkpoints

/// Test-only reader for the reference .safetensors files the parity tests compare against: the header
/// (u64 length + JSON) and raw bytes per tensor. Kept minimal on purpose; it reads trusted fixtures.
struct ReferenceSafetensors {
    struct Entry {
        let dtype: String
        let shape: [Int]
        let bytes: Data
    }

    let entries: [String: Entry]

    init(url: URL) throws {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as? [String: Any] ?? [:]
        var entries: [String: Entry] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String, let shape = info["shape"] as? [Int],
                  let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else { continue }
            let start = 8 + headerLength + offsets[0]
            entries[name] = Entry(dtype: dtype, shape: shape, bytes: data.subdata(in: start..<(8 + headerLength + offsets[1])))
        }
        self.entries = entries
    }
}

extension Tensor {
    var data: Data { Data(bytes) }
}
