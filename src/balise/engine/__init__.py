"""Runners that move data through the pure cores: ingestion now, the detector pipeline next."""
