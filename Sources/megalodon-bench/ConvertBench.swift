import ArgumentParser
import Benchmarks
import Checkpoints
import CommandSupport
import Conversion
import Foundation
import Tensors

struct ConvertBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Conversion throughput and peak memory on a synthetic checkpoint, next to a plain file copy.",
        usage: "megalodon-bench convert [<options>]",
        discussion:
            "Writes a synthetic bf16 safetensors checkpoint of --size-gb (one tensor of --largest-mb, the rest smaller), then in the same run times a plain copy of its bytes (1 MiB reads and writes plus fsync) and the converter writing a model directory from it: same dtype, bf16 to f32, and into the zstd container. Throughput is input bytes per second; the ratio to the plain copy is the figure to watch (target 0.5 or more for the same-dtype conversion). Peak RSS is the kernel's high-water mark, reset before each step (target: at most twice the largest tensor plus 100 MB). Files go to --folder and are removed at the end."
    )

    @Option(help: "Size of the synthetic checkpoint in GB (10^9 bytes).")
    var sizeGb: Double = 2.2

    @Option(help: "Size of its largest tensor in MB (10^6 bytes).")
    var largestMb: Int = 256

    @Option(help: "Folder for the temporary files (needs about four times --size-gb free).")
    var folder = NSTemporaryDirectory()

    @Option(
        help:
            "Rounds of the copy and same-dtype conversion, interleaved; each step's fastest round is reported (disk caches and neighbours make single runs noisy)."
    )
    var repeats = 3

    @Flag(help: "Also time the zstd container (slow: compression).")
    var zstd = false

    @Option(
        help: ArgumentHelp(
            "Instead of the synthetic run: measure the zstd container on this checkpoint (size, write and decode speed in f32 and bf16, with and without byte planes).",
            valueName: "path"))
    var containerOf: String?

    func containerFigures(_ input: String, bench: ConvertBenchmark) throws {
        print("megalodon-bench convert --container-of \(input)")
        print("machine: \(CPUDescription.current.summary)")
        print("| dtype, level, transform | stored bytes | container bytes | ratio | write s | decode s | decode GB/s (stored bytes) |")
        print("|---|---|---|---|---|---|---|")
        for dtype in [DType.f32, .bf16] {
            for (level, planes) in [(3, false), (3, true), (9, true)] {
                let (row, decode) = try bench.container(of: input, level: level, bytePlanes: planes, dtype: dtype)
                let stored = try bench.storedBytes(of: input, dtype: dtype)
                print(
                    String(
                        format: "| %@ | %ld | %ld | %.3f | %.2f | %.2f | %.2f |", row.label, stored, row.outputBytes,
                        Double(row.outputBytes) / Double(stored), row.seconds, decode, Double(stored) / decode / 1e9))
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let work = (folder as NSString).appendingPathComponent("megalodon-bench-convert-\(getpid())")
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let bench = ConvertBenchmark(folder: work, totalBytes: Int(sizeGb * 1e9), largestTensorBytes: largestMb * 1_000_000)
            if let containerOf { return try containerFigures(containerOf, bench: bench) }
            let note = { (text: String) in FileHandle.standardError.write(Data("… \(text)\n".utf8)) }
            let figures = try bench.synthetic(repeats: repeats, zstd: zstd, note: note)
            let rows = figures.rows
            let largest = bench.tensors().map(\.byteCount).max() ?? 0
            let largestF32 = 2 * largest
            let total = rows[0].bytes
            print(
                "rounds: \(repeats); copy seconds " + figures.copySeconds.map { String(format: "%.2f", $0) }.joined(separator: ", ")
                    + "; same-dtype conversion seconds "
                    + figures.conversionSeconds.map { String(format: "%.2f", $0) }.joined(separator: ", "))
            print(
                "megalodon-bench convert: synthetic bf16 checkpoint, \(bench.tensors().count) tensors, \(total) bytes (\(ByteCountText.format(Double(total)))), largest tensor \(ByteCountText.format(Double(largest)))"
            )
            print("machine: \(CPUDescription.current.summary)")
            print(
                "| step | seconds | GB/s (input bytes) | ratio to plain copy | peak RSS | RSS target (2 × largest tensor written + 100 MB) | output bytes |"
            )
            print("|---|---|---|---|---|---|---|")
            for row in rows {
                let peak = row.peakResidentBytes.map { ByteCountText.format(Double($0)) } ?? "n/a"
                let written = row.label.contains("f32") ? largestF32 : largest
                print(
                    String(
                        format: "| %@ | %.2f | %.2f | %.2f | %@ | %@ | %ld |", row.label, row.seconds, row.gigabytesPerSecond,
                        row.gigabytesPerSecond / rows[0].gigabytesPerSecond, peak, ByteCountText.format(Double(2 * written + 100_000_000)),
                        row.outputBytes))
            }
        }
    }
}
