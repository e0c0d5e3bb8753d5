"""Lists filled from files and typed entries: the entities become entry rows with their
provenance (`balise.entities.lists`) and are stored; analysts' judgements of candidate matches
are recorded against the entry as it stands; every change can be audited (`audit_change`) and
is followed by a screening of what is stored (`rescreen`).
`balise list`, the API's list routes and `balise demo` use it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import polars as pl

from balise.alerts.rules import AlertRules
from balise.alerts.store import AlertStore
from balise.engine.accounts import Actor, audit_entry
from balise.engine.ownership import OwnershipReport, run_ownership
from balise.engine.screening import ScreeningReport, run_screening, stored_subject_digest
from balise.entities.judgements import entry_digest
from balise.entities.lists import entry_row, new_entry_id
from balise.entities.match import Entity
from balise.entities.params import ScreenParams
from balise.entities.shell_params import ShellParams
from balise.io.screen_lists import read_entity_file
from balise.model.lists import LIST_ENTRY_SCHEMA
from balise.store.base import Store


@dataclass(frozen=True)
class ListImport:
    """What an import read and added, and the file's rows quarantined (and values ignored) by
    reason."""

    read: int
    added: int
    quarantined: Counter[str]


def provenance(by: str, source: str = "", reason: str = "", **dates: Any) -> dict[str, Any]:
    """The provenance columns of new entries added now by `by`; `dates` may give
    `source_date`, `valid_from`, `valid_until`."""
    return {"source": source, "reason": reason, "added_by": by, "added_at": datetime.now(UTC),
            "source_date": dates.get("source_date"), "valid_from": dates.get("valid_from"),
            "valid_until": dates.get("valid_until"), "removed_at": None, "removed_by": None,
            "removed_reason": None}  # fmt: skip


def add_entities(
    store: Store,
    list_name: str,
    entities: Sequence[Entity],
    given: Mapping[str, Any],
    own_ids: bool = False,
) -> tuple[list[str], int]:
    """Store `entities` on `list_name` with the provenance `given`; their ids are their own
    (`own_ids`: FtM entity ids) or made from their content. The entry ids and how many were
    new."""
    ids = [e.id if own_ids else new_entry_id(list_name, e) for e in entities]
    rows = [entry_row(list_name, e, i, given) for e, i in zip(entities, ids, strict=True)]
    return ids, store.add_list_entries(pl.DataFrame(rows, schema=LIST_ENTRY_SCHEMA))


def import_file(store: Store, list_name: str, path: Path, given: Mapping[str, Any]) -> ListImport:
    """Store the entities of a CSV or FtM JSON lines file on `list_name` (leniently: bad rows
    are counted, the good ones kept); an entry already listed is not added twice."""
    found = read_entity_file(path)
    ids, added = add_entities(store, list_name, found.entities, given, own_ids=found.ftm)
    return ListImport(len(ids), added, found.quarantined)


AUDITED: Final = "lists"
"""The policy resource of lists, entries and judgements (`balise.security.policy`)."""


def audit_change(store: Store, actor: Actor, records: Sequence[str], detail: str) -> None:
    """Write an audit entry for a change of lists (`records`: lists or `<list>/<entry id>`)."""
    store.append_audit([audit_entry(actor, "change", AUDITED, records, detail=detail)])


def record_judgement(
    store: Store, by: str, pair: tuple[str, str, str, str], verdict: str, note: str = ""
) -> dict[str, Any] | None:
    """Record `by`'s `verdict` on `pair` (subject kind, subject id, list, entry id) against the
    entry's and the stored subject's matching data as they stand; None (nothing recorded) when
    the list holds no such active entry."""
    subject_kind, subject_id, list_name, entry_id = pair
    entries = store.list_entries(list_name).filter(pl.col("entry_id") == entry_id)
    if entries.is_empty():
        return None
    record = {"subject_kind": subject_kind, "subject_id": subject_id, "list_name": list_name,
              "entry_id": entry_id, "entry_digest": entry_digest(entries.row(0, named=True)),
              "subject_digest": stored_subject_digest(store, subject_kind, subject_id),
              "verdict": verdict, "note": note, "judged_by": by,
              "judged_at": datetime.now(UTC)}  # fmt: skip
    store.add_judgement(record)
    return record


@dataclass(frozen=True)
class Rescreened:
    """What screening again after a list change did: the stored vessels and parties (None when
    no list is active) and the registries (None when the workspace holds none)."""

    screening: ScreeningReport | None
    ownership: OwnershipReport | None


def rescreen(
    store: Store,
    screen: ScreenParams,
    shell: ShellParams,
    rules: AlertRules,
    today: date | None = None,
) -> Rescreened:
    """Screen again after a list changed: the stored vessels and manifest parties
    (`list_match`), then the registries through the ownership graph (a company owned or
    directed by a newly listed person, a vessel of a listed owner); the alerts are refreshed
    when events changed."""
    done = Rescreened(run_screening(store, screen, today),
                      run_ownership(store, shell, screen, today))  # fmt: skip
    changes = [r.changes for r in (done.screening, done.ownership) if r is not None]
    if any(c.new or c.revised or c.retracted for c in changes):
        AlertStore(store).refresh(rules=rules)
    return done
