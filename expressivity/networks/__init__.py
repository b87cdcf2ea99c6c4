"""Networks: exact ReLU gadgets, layered networks, shallow constructions."""
