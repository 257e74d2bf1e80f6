"""Free text to ESCO concepts: pure functions and estimators over plain records (no database, no I/O)."""
