import Foundation
import Tensors

@testable import Checkpoints

/// The reference .safetensors twins the parity tests compare against, read through `SafetensorsFile`
/// (itself checked against the reference safetensors library) as name → dtype, shape and bytes.
struct ReferenceSafetensors {
    struct Entry {
        let dtype: String
        let shape: [Int]
        let bytes: Data
    }

    let entries: [String: Entry]

    init(url: URL) throws {
        let file = try SafetensorsFile(path: url.path)
        var entries: [String: Entry] = [:]
        for info in file.tensorInfos {
            entries[info.name] = Entry(dtype: info.dtype.rawValue, shape: info.shape, bytes: try file.tensor(named: info.name).data)
        }
        self.entries = entries
    }
}

extension Tensor {
    var data: Data { Data(bytes) }
}
