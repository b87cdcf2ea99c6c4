"""Results: files written atomically (never replacing a device, a link or a mode), JSON-lines records and resume, progress, tables, plots."""
