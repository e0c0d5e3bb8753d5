"""Readers (lenient parsers of NMEA and national AIS CSV archives into fixed-schema frames) and
writers (NMEA, DMA CSV, GeoJSON and Moving Features tracks, KML)."""
