"""`python -m balise`."""

from balise.cli.main import entry

entry()
