"""Security cores: need-to-know (roles, agencies and the access policy; credentials) and the
insider rules (reading patterns of Balise's users, and of the port systems whose access logs are
imported, that look like an insider working for a trafficking network).

Pure, like `balise.maritime`: no files, no store. The store keeps accounts and the audit log; the
API and the CLI enforce what `policy` decides.
"""
