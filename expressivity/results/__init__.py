"""Results: atomic files, JSON-lines records and plots."""
