"""Pure maritime cores: cleaning, segmentation into tracks, the behaviour detectors, lanes, risk
scores, voyages and destination tracking. Frames in, frames out; no I/O here."""
