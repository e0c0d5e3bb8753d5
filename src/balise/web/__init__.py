"""The watch officer's web application, built from `web/` into `static/` and served at `/` by
`balise serve`.

The built assets ship inside the package so that `pip install balise` users need no Node: the
sources are in `web/` at the repository root, `make web` rebuilds them, and CI checks that the
committed build matches the sources (docs/decisions/0005-web-assets.md). The API finds them as
package resources (`balise.api.app`); this module holds no code.
"""
