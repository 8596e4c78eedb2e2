// libFuzzer harness: the quantization manifest stored in quantized safetensors metadata, and the
// byte geometry of every layout it accepts (scripts/fuzz quant-manifest).
@testable import Quantization

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzQuantizationManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let manifest = try? QuantizationManifest(metadataValue: text) else { return 0 }
    for (name, layout) in manifest.tensors {
        let total = layout.codeBytes + layout.scaleBytes + layout.biasBytes
        precondition(total >= 0)
        _ = QuantizedCheckpointLayout.parts(weightName: name, layout: layout)
    }
    return 0
}
