"""Zones: the default watch zones and the workspace's own, read and edited as GeoJSON.

The workspace's zones live in `<workspace>/zones.geojson`, the file `balise detect` reads and
merges over the default zones by id; this router edits that file, so the next detection run
applies the change. A default zone is edited by writing a zone of the same id (`PUT`): the
workspace's version overrides it. A default zone cannot be deleted (409): deleting the
override brings the default back, and the shipped defaults are only replaced, never removed.

Single zones are validated strictly (`zone_from_feature`: the first problem is a 422 with its
reason); an import is lenient (`zones_from_geojson`: good features are kept, each bad one is
reported with its index and reason). Features of the file that cannot be read are kept as they
are on every write, so hand edits are never lost; the file is replaced atomically (written to a
temporary file, then renamed), one writer at a time per process.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import BaseModel, Field

from balise.api.auth import record, requires
from balise.api.problems import ProblemError, not_found
from balise.errors import InputRejected
from balise.geo.zones import ZoneProblem, default_zones, zone_from_feature, zones_from_geojson
from balise.workspace import Workspace

router = APIRouter(tags=["zones"], dependencies=[Depends(requires("zone"))])
CHANGE = [Depends(requires("zone", "change"))]

_MARKS = ("origin", "overrides_default")
"""Properties this API adds to the zones it returns, removed again before writing."""
_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


PROBLEMS: dict[int | str, dict[str, Any]] = {
    400: {"description": "The body is not JSON"},
    404: {"description": "No zone with this id"},
    409: {
        "description": "Conflict: the id exists, the zone is a default, or the file is unreadable"
    },
    422: {"description": "The feature is not a valid zone (the reason is in `reason`)"},
}
"""The error responses, each documented by `create_app` as a `Problem`."""


class ZoneProblemOut(BaseModel):
    index: int = Field(description="Index of the feature in the file or import.")
    zone_id: str | None
    reason: str


class ZoneCollection(BaseModel):
    """The zones in force: a GeoJSON FeatureCollection; each feature's properties say whether
    it is a default (`origin`) and whether a workspace zone `overrides_default`."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]
    problems: list[ZoneProblemOut] = Field(description="Features of the file that are skipped.")


class ImportResult(BaseModel):
    accepted: list[str] = Field(description="Ids of the zones written, in input order.")
    created: list[str]
    replaced: list[str]
    problems: list[ZoneProblemOut]


def _zone_file(request: Request) -> Path:
    """The workspace's zone file (`Workspace.zones_path`) of the app serving the request."""
    workspace: Workspace | None = getattr(request.app.state, "workspace", None)
    if workspace is None:
        raise ProblemError(409, "No workspace", "this app has no workspace folder for zones")
    return workspace.zones_path


def _lock(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


def _default_features() -> list[dict[str, Any]]:
    text = resources.files("balise.data").joinpath("zones", "default_zones.geojson").read_text()
    features: list[dict[str, Any]] = json.loads(text)["features"]
    return features


def _feature_id(feature: Any) -> str | None:
    if not isinstance(feature, dict):
        return None
    properties = feature.get("properties")
    raw = feature.get("id", properties.get("id") if isinstance(properties, dict) else None)
    return None if raw is None else str(raw)


def _read(path: Path) -> list[Any]:
    """The raw features of the workspace file ([] when there is none)."""
    if not path.exists():
        return []
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ProblemError(409, "Zone file unreadable", f"{path.name}: {err}; fix or remove it",
                           kind="zone-file-unreadable") from err  # fmt: skip
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ProblemError(409, "Zone file unreadable", f"{path.name} is not a FeatureCollection",
                           kind="zone-file-unreadable")  # fmt: skip
    return features


def _write(path: Path, features: list[Any]) -> None:
    """Replace the file atomically: a reader sees the old file or the new one."""
    text = json.dumps({"type": "FeatureCollection", "features": features}, indent=2)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".zones-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _clean(feature: dict[str, Any], zone_id: str) -> dict[str, Any]:
    """The feature as stored: its id at the top, without the marks this API adds."""
    properties = dict(feature.get("properties") or {})
    for key in (*_MARKS, "id"):
        properties.pop(key, None)
    return {"type": "Feature", "id": zone_id, "properties": properties,
            "geometry": feature.get("geometry")}  # fmt: skip


def _marked(feature: dict[str, Any], origin: str, overrides: bool) -> dict[str, Any]:
    properties = dict(feature.get("properties") or {})
    properties |= {"origin": origin, "overrides_default": overrides}
    return feature | {"properties": properties}


def _validated(feature: Any) -> str:
    """The zone id of a feature given by hand, or a 422 problem with the reason."""
    try:
        return zone_from_feature(feature).id
    except InputRejected as err:
        raise ProblemError(422, "Invalid zone", err.message, kind="invalid-zone",
                           reason=err.details.get("reason", err.message)) from err  # fmt: skip


def _problems(problems: tuple[ZoneProblem, ...]) -> list[dict[str, Any]]:
    return [{"index": p.feature_index, "zone_id": p.zone_id, "reason": p.reason} for p in problems]


def _merged(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The zones in force, marked, and the problems of the workspace file."""
    defaults = {_feature_id(f): f for f in _default_features()}
    raw = _read(path)
    load = zones_from_geojson({"type": "FeatureCollection", "features": raw})
    refused = {p.feature_index for p in load.problems}
    own = {_feature_id(f): f for i, f in enumerate(raw) if i not in refused}
    features = [_marked(own.get(k, f), "workspace" if k in own else "default", k in own)
                for k, f in defaults.items()]  # fmt: skip
    features += [_marked(f, "workspace", False) for k, f in own.items() if k not in defaults]
    return features, _problems(load.problems)


@router.get("/api/v1/zones", response_model=ZoneCollection, responses=PROBLEMS)
def list_zones(request: Request) -> dict[str, Any]:
    """Every zone in force: the defaults (or their workspace overrides), then the workspace's."""
    features, problems = _merged(_zone_file(request))
    return {"type": "FeatureCollection", "features": features, "problems": problems}


@router.get("/api/v1/zones/{zone_id}", responses=PROBLEMS)
def get_zone(zone_id: str, request: Request) -> dict[str, Any]:
    """One zone in force, as a GeoJSON Feature."""
    features, _ = _merged(_zone_file(request))
    for feature in features:
        if _feature_id(feature) == zone_id:
            return feature
    raise not_found("zone", zone_id)


def _default_ids() -> set[str]:
    return {zone.id for zone in default_zones()}


def _upsert(features: list[Any], feature: dict[str, Any], zone_id: str) -> bool:
    """`features` with `feature` in place of the zone of the same id (or added); True when it
    replaced one."""
    for index, existing in enumerate(features):
        if _feature_id(existing) == zone_id:
            features[index] = _clean(feature, zone_id)
            return True
    features.append(_clean(feature, zone_id))
    return False


FeatureBody = Annotated[dict[str, Any], Body(description="One GeoJSON Feature (a zone).")]


@router.post("/api/v1/zones", status_code=201, responses=PROBLEMS, dependencies=CHANGE)
def create_zone(feature: FeatureBody, request: Request, response: Response) -> dict[str, Any]:
    """Add a zone to the workspace; its id must be new (use PUT to replace or override)."""
    zone_id = _validated(feature)
    path = _zone_file(request)
    with _lock(path):
        features = _read(path)
        if zone_id in _default_ids() or any(_feature_id(f) == zone_id for f in features):
            raise ProblemError(409, "Zone exists", f"zone {zone_id} exists; PUT replaces it",
                               kind="zone-exists")  # fmt: skip
        _upsert(features, feature, zone_id)
        _write(path, features)
    response.headers["Location"] = f"/api/v1/zones/{zone_id}"
    record(request, "change", "zone", [zone_id], 1, "created")
    return _marked(_clean(feature, zone_id), "workspace", False)


@router.put(
    "/api/v1/zones/{zone_id}",
    responses=PROBLEMS | {201: {"description": "Created"}},
    dependencies=CHANGE,
)
def put_zone(
    zone_id: str, feature: FeatureBody, request: Request, response: Response
) -> dict[str, Any]:
    """Replace a workspace zone, override a default one, or create one with this id."""
    given = _feature_id(feature)
    if given is not None and given != zone_id:
        raise ProblemError(422, "Invalid zone", f"the feature's id {given} is not {zone_id}",
                           kind="invalid-zone", reason="id differs from the path")  # fmt: skip
    feature = feature | {"id": zone_id}
    _validated(feature)
    path = _zone_file(request)
    with _lock(path):
        features = _read(path)
        replaced = _upsert(features, feature, zone_id)
        _write(path, features)
    if not replaced:
        response.status_code = 201
    record(request, "change", "zone", [zone_id], 1, "replaced" if replaced else "created")
    return _marked(_clean(feature, zone_id), "workspace", zone_id in _default_ids())


@router.delete("/api/v1/zones/{zone_id}", status_code=204, responses=PROBLEMS, dependencies=CHANGE)
def delete_zone(zone_id: str, request: Request) -> Response:
    """Remove a workspace zone (a default it overrode comes back); a default zone is refused."""
    path = _zone_file(request)
    with _lock(path):
        features = _read(path)
        kept = [f for f in features if _feature_id(f) != zone_id]
        if len(kept) == len(features):
            if zone_id in _default_ids():
                raise ProblemError(
                    409, "Default zone", f"{zone_id} is a default zone: it cannot be deleted, "
                    "only overridden by a workspace zone of the same id (PUT)",
                    kind="default-zone",
                )  # fmt: skip
            raise not_found("zone", zone_id)
        _write(path, kept)
    record(request, "change", "zone", [zone_id], 1, "deleted")
    return Response(status_code=204)


@router.post(
    "/api/v1/zones/import", response_model=ImportResult, responses=PROBLEMS, dependencies=CHANGE
)
def import_zones(
    collection: Annotated[dict[str, Any], Body(description="A GeoJSON FeatureCollection.")],
    request: Request,
) -> dict[str, Any]:  # fmt: skip
    """Add or replace the good zones of a FeatureCollection; report each bad feature."""
    try:
        load = zones_from_geojson(collection)
    except InputRejected as err:
        raise ProblemError(422, "Invalid zone import", err.message, kind="invalid-zone",
                           reason=err.message) from err  # fmt: skip
    refused = {p.feature_index for p in load.problems}
    given = [(i, f) for i, f in enumerate(collection["features"]) if i not in refused]
    path = _zone_file(request)
    created: list[str] = []
    replaced: list[str] = []
    with _lock(path):
        features = _read(path)
        for _, feature in given:
            zone_id = str(_feature_id(feature))
            (replaced if _upsert(features, feature, zone_id) else created).append(zone_id)
        if given:
            _write(path, features)
    record(request, "change", "zone", created + replaced, len(given), "imported")
    return {"accepted": [str(_feature_id(f)) for _, f in given], "created": created,
            "replaced": replaced, "problems": _problems(load.problems)}  # fmt: skip
