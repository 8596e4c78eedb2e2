import Tensors

extension Tensor {
    /// Hands a memory-mapped tensor's pages back to the kernel once its values have been taken
    /// (streaming writers: quantizers, converters), so the resident set stays near one tensor.
    public func releaseMappedPages() { MappedPages.release(self) }
}
