"""The store's protocol for company registries (`RegistryStore`): the entities and links of
`balise.model.registry`, written by `PortRecordStore.store_records` (batches of
`RecordKind.REGISTRY` and `REGISTRY_LINKS`), one row per entity id and per link id (the latest
ingest's)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

import polars as pl


class RegistryStore(Protocol):
    """Registry entities and their ownership and directorship links."""

    def registry_entities(self, ids: Collection[str] | None = None) -> pl.DataFrame:
        """The entities (`ENTITY_SCHEMA`) of `ids` when given, else all, by id."""
        ...

    def registry_links(self, ids: Collection[str] | None = None) -> pl.DataFrame:
        """The links (`LINK_SCHEMA`) from or to any of `ids` when given, else all, by id."""
        ...
