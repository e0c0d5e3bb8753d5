"""The REST API under `/api/v1` (events, alerts, vessels, positions, ports, zones, exports) and
the server of the web application at `/`, both run by `balise serve`."""
