"""The `balise` command line (ingest, detect, query, serve, sim, demo): one module per command
group, each thin: parse, call the engine or the store, print."""
