"""Geography that detectors use: named ports and anchorages, distance to shore."""
