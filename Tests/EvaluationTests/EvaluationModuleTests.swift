import Testing
import TestSupport
@testable import Evaluation

// Placeholder until the issue that builds Evaluation adds real tests: checks only that the module links.
