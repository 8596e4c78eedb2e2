import CQuantKernels
import Tensors

extension QuantizedLinear {
    /// Matrices that read the same input, prepared once: the kernels' descriptors (with the decode
    /// panels attached) and where each matrix's output rows start. Decode keeps one per group of
    /// projections, so a token's products build no arrays and copy no matrices. Built per call, those
    /// (and the arrays of the activations and results around them) cost the calling thread 5–8% of a
    /// SmolLM2-135M Q4_0 decode in allocation and reference counting (perf, Zen 5), while the second
    /// thread waited.
    public final class Plan: @unchecked Sendable {
        /// Inputs every matrix reads.
        public let columns: Int
        /// Output rows of all the matrices together.
        public var outputs: Int { starts[starts.count - 1] }
        /// Keep the matrices' bytes (and panels) alive: the descriptors point into them.
        private let matrices: [QuantizedMatrix]
        private let panels: [DecodePanels?]
        private let descriptors: [qk_matrix]
        /// `matrices.count + 1` offsets: matrix i's rows are `starts[i]..<starts[i + 1]` of the whole.
        private let starts: [Int]
        /// Bytes of one activation row regrouped for the first matrix's panels (0: it has none).
        private let preparedBytes: Int
        /// Activation blocks that share a scale in one-row calls (`QuantizedActivations.blocksPerScale(for:rows:)`).
        private let oneRowBlocksPerScale: Int

        /// `panels[i]`, when given, must have been made from `matrices[i]`.
        public init(_ matrices: [QuantizedMatrix], panels: [DecodePanels?]) {
            precondition(!matrices.isEmpty && panels.count == matrices.count, "a plan needs matrices, each with its panels or nil")
            let columns = matrices[0].columns
            var descriptors: [qk_matrix] = []
            var starts = [0]
            for (matrix, panels) in zip(matrices, panels) {
                precondition(matrix.columns == columns, "matrices of one plan read inputs of \(columns) and \(matrix.columns) columns")
                descriptors.append(QuantizedLinear.kernelMatrix(matrix, panels: panels))
                starts.append(starts[starts.count - 1] + matrix.rows)
            }
            self.columns = columns
            self.matrices = matrices
            self.panels = panels
            self.descriptors = descriptors
            self.starts = starts
            oneRowBlocksPerScale = QuantizedActivations.blocksPerScale(for: matrices.map(\.scheme), rows: 1)
            preparedBytes = descriptors.withUnsafeBufferPointer { qk_panel_activation_bytes($0.baseAddress) }
        }

        /// `y = x · Wᵢᵀ` for one row `x` of `columns` floats: matrix i's outputs at `y + starts[i]`, in
        /// order (`outputs` floats in all). The activations are quantized on this thread into
        /// temporary space, as the products' own single-row path would.
        public func applyOneRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, variant: KernelVariant = .preferred) {
            precondition(variant.isAvailable, "kernel variant \(variant) is not available on this CPU")
            let blocks = (columns + QuantizedLayout.blockValues - 1) / QuantizedLayout.blockValues
            guard blocks > 0 else {
                y.initialize(repeating: 0, count: outputs)
                return
            }
            withUnsafeTemporaryAllocation(of: Int8.self, capacity: blocks * QuantizedLayout.blockValues) { codes in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * blocks) { factors in
                    withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: matrices.count) { outputs in
                        guard let codes = codes.baseAddress, let factors = factors.baseAddress, let outputs = outputs.baseAddress else {
                            return
                        }
                        qk_quantize_activation_row_shared(x, columns, blocks, oneRowBlocksPerScale, codes, factors, factors + blocks)
                        for index in matrices.indices { outputs[index] = y + starts[index] }
                        var inputs = qk_activations(
                            rows: 1, blocksPerRow: blocks, codes: codes, scales: factors, scaledSums: factors + blocks,
                            blocksPerScale: oneRowBlocksPerScale)
                        run(&inputs, outputs: outputs, variant: variant)
                    }
                }
            }
        }

        /// Every matrix times `activations` (quantized by the caller), matrix i's
        /// `[activations.rows, rows of matrix i]` written at `outputs[i]`.
        func apply(_ activations: QuantizedActivations, outputs: [UnsafeMutablePointer<Float>?], variant: KernelVariant) {
            precondition(variant.isAvailable, "kernel variant \(variant) is not available on this CPU")
            precondition(activations.columns == columns, "activations have \(activations.columns) columns, the matrices \(columns)")
            precondition(outputs.count == matrices.count, "one output per matrix")
            guard activations.rows > 0 else { return }
            guard activations.blocksPerRow > 0 else {
                for index in matrices.indices {
                    outputs[index]?.initialize(repeating: 0, count: activations.rows * (starts[index + 1] - starts[index]))
                }
                return
            }
            activations.withKernelInputs { inputs in
                outputs.withUnsafeBufferPointer { outputs in
                    guard let outputs = outputs.baseAddress else { return }
                    run(&inputs, outputs: outputs, variant: variant)
                }
            }
        }

        /// The products as one job on the pool, output rows of all matrices split between threads.
        private func run(_ inputs: inout qk_activations, outputs: UnsafePointer<UnsafeMutablePointer<Float>?>, variant: KernelVariant) {
            let rows = inputs.rows
            // One activation row against panels: regrouped once here rather than by every part.
            let prepared = rows == 1 ? preparedBytes : 0
            withUnsafeTemporaryAllocation(byteCount: max(prepared, 1), alignment: 64) { buffer in
                descriptors.withUnsafeBufferPointer { weights in
                    starts.withUnsafeBufferPointer { starts in
                        guard let weights = weights.baseAddress, let buffer = buffer.baseAddress else { return }
                        if prepared > 0 { qk_panel_prepare_activations(weights, &inputs, buffer.assumingMemoryBound(to: UInt8.self)) }
                        let chunk = max(16, minimumPartWork / max(columns * rows, 1))
                        let parts = partsPerThread(weights: self.outputs * columns * rows, threads: ThreadPool.shared.threadCount)
                        withUnsafePointer(to: inputs) { inputs in
                            ThreadPool.shared.parallelFor(segmentStarts: starts, minimumChunk: chunk, partsPerThread: parts) {
                                index, range in
                                qk_matmul(
                                    variant.rawValue, weights + index, inputs, range.lowerBound, range.upperBound, outputs[index],
                                    starts[index + 1] - starts[index])
                            }
                        }
                    }
                }
            }
        }
    }
}
