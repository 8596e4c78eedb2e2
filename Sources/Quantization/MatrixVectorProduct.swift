/// One matrix `weights[rows, columns]` (elements of type `Element`, read in place) of a product
/// with an input shared with other matrices, and where its `rows` results go.
public struct MatrixVectorProduct<Element> {
    public let weights: UnsafePointer<Element>
    public let rows: Int
    public let output: UnsafeMutablePointer<Float>

    public init(_ weights: UnsafePointer<Element>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        self.weights = weights
        self.rows = rows
        self.output = output
    }
}
