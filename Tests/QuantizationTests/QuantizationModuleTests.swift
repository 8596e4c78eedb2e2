import Testing
import TestSupport
@testable import Quantization

// Placeholder until the issue that builds Quantization adds real tests: checks only that the module links.
