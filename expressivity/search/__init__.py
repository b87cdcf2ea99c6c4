"""Width search: many one-hidden-layer ReLU networks trained at once on n-bit parity, every fit re-checked exactly."""
