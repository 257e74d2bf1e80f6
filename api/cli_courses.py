"""Commands of the courses job (filled in by its issue)."""
