"""Networks: exact ReLU gadgets, the layered compiler, shallow constructions, ``LayeredNet``, export (torch, ONNX) and one loader for every network file."""
