import ArgumentParser
import Benchmarks
import CommandSupport
import Foundation
import Models
import Tensors

/// `megalodon-bench blas`: OpenBLAS's kernel families (core types) measured on this CPU, each in a
/// child process started with `OPENBLAS_CORETYPE` set (the only way to choose them), in interleaved
/// rounds so that every core type sees the same machine; the figures behind `BLASKernelSelection`.
struct BLASBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blas",
        abstract: "Measure OpenBLAS's kernel families (OPENBLAS_CORETYPE) on this CPU: sgemm and sgemv, 1 thread.",
        usage: "megalodon-bench blas [<options>]",
        discussion:
            "OpenBLAS chooses its kernels when it loads, from the CPU model it recognises; the tools override that choice from the CPU's instruction sets (BLASKernelSelection). This command shows what each choice gives here: for each --cores entry a child process with OPENBLAS_CORETYPE set times sgemm on an N³ cube and on a prefill shape (512 × 576 · 1536 × 576ᵀ, SmolLM2's MLP), and sgemv streaming a --sgemv-mb f32 matrix. --rounds rounds run the core types one after another (paired), and the table gives medians over rounds. The line 'default' is what the tools load when OPENBLAS_CORETYPE is unset."
    )

    @Option(help: ArgumentHelp("Comma-separated OpenBLAS core types to measure.", valueName: "names"))
    var cores = "Prescott,Haswell,Zen,SkylakeX"

    @Option(help: "Interleaved rounds over the core types; medians are reported.")
    var rounds = 3

    @Option(help: "Size N of the sgemm cube.")
    var sgemmSize = 1536

    @Option(name: .customLong("sgemv-mb"), help: "Megabytes of the f32 matrix sgemv streams (above the last-level cache measures memory).")
    var sgemvMB = 256

    @Flag(help: .hidden) var measureOnly = false

    func validate() throws {
        guard rounds >= 1, sgemmSize >= 16, sgemvMB >= 1 else {
            throw ValidationError("--rounds, --sgemm-size and --sgemv-mb must be positive")
        }
    }

    /// One core type's figures from one child process.
    struct Figures { var core: String; var cube: Double; var prefill: Double; var sgemv: Double }

    func run() throws {
        try reportingErrors {
            setComputeThreads(1)
            if measureOnly {
                let cube = BLASAnchors.sgemm(rows: sgemmSize, inputs: sgemmSize, outputs: sgemmSize, repeats: 3).gflops
                let prefill = BLASAnchors.sgemm(rows: 512, inputs: 576, outputs: 1536, repeats: 5).gflops
                let sgemv = BLASAnchors.sgemv(rows: max(1, sgemvMB * 1_048_576 / 4 / 4096), columns: 4096, repeats: 5).gigabytesPerSecond
                print("\(BLAS.coreName) \(cube) \(prefill) \(sgemv)")
                return
            }
            let names = ["default"] + cores.split(separator: ",").map(String.init)
            var samples: [String: [Figures]] = [:]
            for round in 1...rounds {
                for name in names {
                    FileHandle.standardError.write(Data("… round \(round)/\(rounds): \(name)\n".utf8))
                    samples[name, default: []].append(try measureChild(core: name == "default" ? nil : name))
                }
            }
            print("megalodon-bench blas: \(CPUDescription.current.summary), 1 thread, median of \(rounds) interleaved rounds")
            let preferred = BLASKernelSelection.preferredCoreType(cpuFlags: CPUDescription.current.flags) ?? "none"
            print("tools' choice from the CPU flags: \(preferred)")
            print(
                "| OPENBLAS_CORETYPE | kernels loaded | sgemm \(sgemmSize)³ GFLOP/s | sgemm 512×576·1536×576ᵀ GFLOP/s | sgemv \(sgemvMB) MiB GB/s |"
            )
            print("|---|---|---|---|---|")
            func median(_ values: [Double]) -> Double { Timing(samples: values).median }
            for name in names {
                let figures = samples[name] ?? []
                print(
                    String(
                        format: "| %@ | %@ | %.1f | %.1f | %.1f |", name == "default" ? "unset" : name, figures.first?.core ?? "?",
                        median(figures.map(\.cube)), median(figures.map(\.prefill)), median(figures.map(\.sgemv))))
            }
        }
    }

    private func measureChild(core: String?) throws -> Figures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["blas", "--measure-only", "--sgemm-size", "\(sgemmSize)", "--sgemv-mb", "\(sgemvMB)"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = core
        if core == nil { environment.removeValue(forKey: "OPENBLAS_CORETYPE") }
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).map(String.init)
        guard process.terminationStatus == 0, fields.count == 4, let cube = Double(fields[1]), let prefill = Double(fields[2]),
            let sgemv = Double(fields[3])
        else {
            throw ToolFailure("the measuring child for OPENBLAS_CORETYPE=\(core ?? "unset") failed (status \(process.terminationStatus))")
        }
        return Figures(core: fields[0], cube: cube, prefill: prefill, sgemv: sgemv)
    }
}
