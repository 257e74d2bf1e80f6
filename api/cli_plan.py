"""Commands of the plan job (filled in by its issue)."""
