"""Settings shared by every test: property tests are checked for what they find, never for how
long an example takes (speed is measured by the benchmarks in `bench/`, not by tests, whose
machine may be busy)."""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("balise", deadline=None)
settings.load_profile("balise")
