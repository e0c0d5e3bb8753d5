"""Runners that move data through the pure cores: ingestion into the store, the detection run,
the risk, voyage and destination assessment after it, vessel dossiers and detector settings."""
