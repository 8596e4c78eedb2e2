// The Models module; its contents arrive with the issue that builds it.
@_exported import Checkpoints
