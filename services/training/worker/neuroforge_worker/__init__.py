"""NeuroForge's PyTorch training worker: RetNet per ADR 0001, trained from a JSON job spec."""

__version__ = "0.1.0"
