"""Entities, lists and screening: the pure matching core (no I/O).

`normalise` turns a name into comparable tokens (transliterated to Latin, lower-case, legal forms
and titles set aside), `identifiers` checks and compares IMO, MMSI, LEI and other numbers,
`names` scores two names with its reasons, `match` weighs names, identifiers, dates of birth and
countries into one score, and `blocking` finds the few list entries worth scoring for a query.
"""
