"""Security cores: reading patterns of Balise's users (and of the port systems whose access logs
are imported) that look like an insider working for a trafficking network. Pure, like
`balise.maritime`: frames in, events out, no files, no store."""
