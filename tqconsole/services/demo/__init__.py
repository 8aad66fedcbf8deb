"""Demo data for the embedded default, one module per backend."""
