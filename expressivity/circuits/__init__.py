"""Boolean circuits as networkx graphs: schema, builders, lowering, metrics, reference evaluator."""
