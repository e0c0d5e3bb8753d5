"""Need-to-know: roles, agencies and the access policy, credentials, and the insider rules.

Pure code (no I/O): the store keeps accounts and the audit log, the API and the CLI enforce what
`policy` decides.
"""
