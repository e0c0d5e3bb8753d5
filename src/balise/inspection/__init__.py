"""The inspection plan: which containers a site's scanners check on a day, and what the results
teach without selection bias.

Pure (no I/O): `params` (the settings and a site's scanners and shifts), `parties` (the banned
list), `planner` (lanes, the capacity-constrained choice and the random exploration share) and
`estimate` (the hit rate by inverse propensity weighting). The store, the risk model and the
command line are wired in `balise.engine.inspection` and `balise.cli.cargo`.
"""
