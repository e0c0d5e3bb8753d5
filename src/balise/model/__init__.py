"""Records and identifiers every layer shares: Polars/Arrow schemas, the event record, reader
batches, broadcast frames and domain codes (MMSI and flag, IMO, call signs, ship types, status)."""
