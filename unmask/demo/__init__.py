"""The end-to-end demo: a synthetic incident with known ground truth, and the pipeline over it."""
