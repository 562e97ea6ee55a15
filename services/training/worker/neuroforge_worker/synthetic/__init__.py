"""Small synthetic tasks the platform learns end to end (tests, demos, the multimodal report)."""
