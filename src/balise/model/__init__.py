"""Record schemas (Polars/Arrow) and domain identifiers (MMSI, IMO, flag)."""
