"""Attribution: evidence in, ranked and calibrated hypotheses with their explanation out."""
