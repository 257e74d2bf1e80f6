"""Seeded demo inputs (synthetic, for demonstrations only; see each generator's story)."""
