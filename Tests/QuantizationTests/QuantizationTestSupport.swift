import Foundation
import Tensors
import TestSupport

@testable import Quantization

enum Fixtures {
    static func url(_ name: String) -> URL { SharedFiles.tests("QuantizationTests/Fixtures/ggml/\(name)") }

    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: url(name))
        return data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    static func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url(name))) }

    struct Entry: Decodable {
        let `case`: String
        let type: String
        let rows: Int
        let columns: Int
        let input: String
        let blocks: String
        let dequantized: String
    }

    static func manifest() throws -> [Entry] {
        struct Manifest: Decodable { let entries: [Entry] }
        return try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url("manifest.json"))).entries
    }
}

extension QuantizedMatrix {
    /// All bytes of the codes / blocks, for comparisons.
    var codeBytes: [UInt8] { [UInt8](codes.bytes) }
}

/// Plain reference: y[t, r] = Σ_c W[r, c]·x[t, c] in double precision.
func referenceLinear(weights: [Float], rows outputs: Int, columns: Int, x: [Float], rows: Int) -> [Double] {
    var y = [Double](repeating: 0, count: rows * outputs)
    for t in 0..<rows {
        for r in 0..<outputs {
            var sum = 0.0
            for c in 0..<columns { sum += Double(weights[r * columns + c]) * Double(x[t * columns + c]) }
            y[t * outputs + r] = sum
        }
    }
    return y
}
