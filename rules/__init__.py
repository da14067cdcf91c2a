"""The rules: one module per rule; each registers its class on import."""
