"""The REST API and the web application's server (`balise serve`)."""
