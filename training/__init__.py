"""Interactions and features in, a fitted hybrid-model artefact (npz + JSON metadata) out."""
