"""Benchmark data sets: synthetic AU-like data with an annotator noise model."""
from wsc.datasets.au_synth import AUData, make_au_data

__all__ = ["AUData", "make_au_data"]
