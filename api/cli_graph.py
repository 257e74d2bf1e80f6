"""Commands of the graph job (filled in by its issue)."""
