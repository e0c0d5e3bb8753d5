"""The synthetic world: places, sea routes over the land mask, fleet, traffic, staged scenarios,
reception, ground truth and the files written (NMEA, DMA CSV, radar, documents)."""
