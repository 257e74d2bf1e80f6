"""Commands of the model job (filled in by its issue)."""
