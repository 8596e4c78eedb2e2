// swift-tools-version:6.0
import PackageDescription

// One library split into modules whose dependencies point down only (see ARCHITECTURE.md):
// Tensors ← Checkpoints ← {Tokenizers, Quantization} ← Models ← {Conversion, Evaluation} ← executables;
// Provenance (who ran a job) sits below Conversion and Evaluation and depends on nothing;
// Benchmarks (above Conversion and Evaluation) is linked by megalodon-bench only.
let package = Package(
    name: "Megalodon",
    products: [
        .library(
            name: "MegalodonKit",
            targets: ["Tensors", "Checkpoints", "Tokenizers", "Quantization", "Models", "Provenance", "Conversion", "Evaluation"]),
        .executable(name: "megalodon-convert", targets: ["megalodon-convert"]),
        .executable(name: "megalodon-quantize", targets: ["megalodon-quantize"]),
        .executable(name: "megalodon-eval", targets: ["megalodon-eval"]),
        .executable(name: "megalodon-generate", targets: ["megalodon-generate"]),
        .executable(name: "megalodon-bench", targets: ["megalodon-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CJSONC", pkgConfig: "json-c", providers: [.apt(["libjson-c-dev"])]),

        // The CPU's spin-wait hint for the thread pool's idle loops.
        .target(name: "CSpinWait"),
        .target(name: "Tensors", dependencies: ["COpenBLAS", "CSpinWait"]),
        // Who produced a result: build version and commit, CPU and threads, installation paths.
        .target(name: "Provenance"),
        .target(name: "Checkpoints", dependencies: ["Tensors", "CZstd"]),
        .target(name: "Tokenizers", dependencies: ["Checkpoints", "CJSONC"]),
        // Quantized matmul kernels in C: one file per instruction set, chosen at run time.
        .target(name: "CQuantKernels"),
        .target(name: "Quantization", dependencies: ["Checkpoints", "CQuantKernels"]),
        .target(name: "Models", dependencies: ["Tensors", "Checkpoints", "Tokenizers", "Quantization", "CQuantKernels"]),
        // Whole-model jobs: conversion planning and model quantization, over the architecture wings.
        .target(name: "Conversion", dependencies: ["Tensors", "Checkpoints", "Quantization", "Models", "Provenance"]),
        .target(name: "Evaluation", dependencies: ["Models", "Provenance"]),
        // Benchmark programs' library side; only megalodon-bench links it.
        .target(name: "Benchmarks", dependencies: ["Tensors", "Checkpoints", "Models", "Conversion", "Evaluation"]),
        .target(
            name: "CommandSupport",
            dependencies: [
                "Checkpoints", "Models", "Provenance", "Quantization",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        tool("megalodon-convert"),
        tool("megalodon-quantize"),
        tool("megalodon-eval"),
        tool("megalodon-generate"),
        tool("megalodon-bench", extra: ["Benchmarks"]),

        // Test helpers only (locating fixtures and shared data, the tiny test model); never linked into the tools.
        .target(name: "TestSupport", dependencies: ["Checkpoints", "Models"]),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "TestSupport"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "QuantizationTests", dependencies: ["Quantization", "CQuantKernels", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Conversion", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ConversionTests", dependencies: ["Conversion", "Provenance", "TestSupport"]),
        .testTarget(name: "BenchmarksTests", dependencies: ["Benchmarks", "TestSupport"]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "Provenance", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CommandSupportTests", dependencies: ["CommandSupport"]),
    ],
    swiftLanguageModes: [.v5]
)

func tool(_ name: String, extra: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "Tensors", "Checkpoints", "Tokenizers", "Quantization", "Models", "Conversion", "Evaluation", "Provenance", "CommandSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ] + extra)
}
