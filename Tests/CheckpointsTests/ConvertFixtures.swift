import TestSupport

typealias ConvertFixtures = CheckpointFixtures
