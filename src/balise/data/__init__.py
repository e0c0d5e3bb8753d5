"""Bundled reference data, read as package resources: GFW's port and anchorage list, the high-risk
ports and the example watch zones, each with its source and licence."""
