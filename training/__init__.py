"""Interactions and features in, a fitted hybrid-model artefact (npz + JSON metadata) out: the interaction
container, the protocols that split it, the selection metrics and the validation that tunes the model."""
