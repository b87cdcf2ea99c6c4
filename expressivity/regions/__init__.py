"""Real-valued ReLU networks as exact piecewise-linear maps: regions and pieces, exactly."""
