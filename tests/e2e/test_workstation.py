"""The watch officer's day, in a real browser: the map on the simulated world, search and the
dossier, the timebar, triage that survives a reload, and an export of the view.

Browser tests: the web application in Debian's headless Chromium, driven by Playwright,
against the real API served by uvicorn on a small simulated workspace.

They skip (with the reason) when Playwright or the system Chromium is missing; `.ci/run`
installs Chromium, and Playwright is in the `dev` extra. Playwright never downloads a browser
here: it launches the system one. Screenshots of the main views go to `$BALISE_SCREENSHOTS`
when set (`make screenshots` writes docs/screenshots), else to the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    # WebGL in software: CI machines have no GPU
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
]


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days of 20 simulated vessels, ingested and detected (no shore grid: see
    tests/engine/test_detect.py)."""
    folder = tmp_path_factory.mktemp("e2e")
    world = folder / "world"
    args = ["--seed", "5", "--vessels", "20", "--days", "2"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    assert run(["--workspace", str(folder / "ws"), "ingest", "ais", str(world / "ais.nmea")]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            detect_cli,
            "default_geography",
            lambda cache_dir, zones=(): Geography(zones=zones or ()),
        )
        assert run(["--workspace", str(folder / "ws"), "detect"]) == 0
    return folder / "ws"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def server(workspace: Path) -> Iterator[str]:
    """`balise serve` on the workspace: the API and the web app, on a free local port."""
    import uvicorn

    from balise.api.app import create_app

    port = _free_port()
    config = uvicorn.Config(
        create_app(workspace), host="127.0.0.1", port=port, log_level="warning", ws="none"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("no system Chromium (apt-get install chromium; .ci/run does it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page at 1600×900 that records script errors, what the Content-Security-Policy
    blocked, and any request leaving the machine (the app must work offline)."""
    context = browser.new_context(
        viewport={"width": 1600, "height": 900}, accept_downloads=True, base_url=server
    )
    opened = context.new_page()
    opened.errors = []
    opened.external = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    # what the server's Content-Security-Policy blocked (Chromium reports it on the console)
    opened.on(
        "console",
        lambda message: (
            opened.errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    opened.on(
        "request",
        lambda request: (
            opened.external.append(request.url)
            if request.url.startswith(("http:", "https:")) and not request.url.startswith(server)
            else None
        ),
    )
    yield opened
    context.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: $BALISE_SCREENSHOTS, else a temporary folder."""
    target = os.environ.get("BALISE_SCREENSHOTS")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


READY = "body[data-ready=true]"


def _api(server: str, path: str) -> Any:
    with urllib.request.urlopen(server + path, timeout=30) as response:
        return json.load(response)


def _open(page: Any, path: str = "/") -> None:
    page.goto(path)
    page.wait_for_selector(READY, timeout=30_000)


def _top_alert(server: str) -> dict[str, Any]:
    alerts: list[dict[str, Any]] = _api(server, "/api/v1/alerts?state=open&limit=50")["items"]
    assert alerts, "the simulated world raises alerts"
    return next(a for a in alerts if a["mmsi"] is not None)


def test_map_draws_vessels_offline(page: Any, shots: Path) -> None:
    _open(page)
    drawn = int(page.get_attribute("body", "data-vessels"))
    assert drawn > 0
    assert "vessels" in page.inner_text("#map-status")
    assert page.locator("#map canvas").count() == 1
    assert page.locator("#inbox li.alert").count() > 0
    page.wait_for_timeout(1500)  # let the WebGL frame settle for the picture
    page.screenshot(path=str(shots / "map.png"))
    assert page.errors == []
    assert page.external == [], "the app fetched something from the network"


def test_search_opens_the_dossier_and_back_clears_it(page: Any, server: str, shots: Path) -> None:
    mmsi = _top_alert(server)["mmsi"]
    _open(page)
    page.keyboard.press("/")
    page.keyboard.type(str(mmsi))
    result = page.locator("#search-results li button").first
    result.wait_for(timeout=10_000)
    assert str(mmsi) in result.inner_text()
    result.click()
    page.wait_for_selector(f"#dossier .ids:has-text('MMSI {mmsi}')", timeout=10_000)
    assert f"vessel={mmsi}" in page.url
    assert page.locator("#dossier .risk-section, #dossier section h3").count() > 0
    assert page.locator("#dossier ul.events li").count() > 0
    # a section without data is left out, not printed as "null"
    assert "null" not in page.locator("#dossier").inner_text().split()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / "dossier.png"))
    page.go_back()
    page.wait_for_selector("#dossier .state.empty")
    page.go_forward()
    page.wait_for_selector(f"#dossier .ids:has-text('MMSI {mmsi}')")
    page.keyboard.press("Escape")
    page.wait_for_selector("#dossier .state.empty")
    assert "vessel=" not in page.url
    assert page.errors == []


def test_timebar_plays_the_selected_track(page: Any, server: str) -> None:
    mmsi = _top_alert(server)["mmsi"]
    _open(page, f"/?vessel={mmsi}")
    page.wait_for_selector(f"#dossier .ids:has-text('MMSI {mmsi}')")
    page.locator("#timebar canvas").click(position={"x": 5, "y": 20})
    before = page.inner_text("#timebar .instant")
    page.click("#timebar [data-role=play]")
    page.wait_for_timeout(1500)
    assert page.get_attribute("#timebar [data-role=play]", "aria-pressed") == "true"
    page.keyboard.press("Space")  # pause
    after = page.inner_text("#timebar .instant")
    assert after != before
    assert "at=" in page.url
    assert page.errors == []


def test_triage_is_kept_after_reload(page: Any, server: str, shots: Path) -> None:
    alert = _top_alert(server)
    _open(page)
    row = page.locator(f"#inbox li.alert[data-id='{alert['id']}']")
    row.locator("[data-action=acknowledge]").click()
    page.wait_for_selector(f"#inbox li.alert[data-id='{alert['id']}'] .status.acknowledged")
    page.reload()
    page.wait_for_selector(READY)
    assert row.locator(".status").inner_text().lower() == "acknowledged"
    assert _api(server, f"/api/v1/alerts/{alert['id']}")["state"] == "acknowledged"
    dismissed = page.locator("#inbox li.alert.status-open").first
    dismissed.locator("[data-action=dismiss]").click()
    dismissed.locator("select[name=reason]").select_option("duplicate")
    dismissed.locator("form button[type=submit]").click()
    page.wait_for_selector("#inbox .counter.dismissed:has-text('1 dismissed')")
    page.screenshot(path=str(shots / "inbox.png"))
    assert page.errors == []


def test_export_geojson_of_the_view(page: Any, tmp_path: Path) -> None:
    _open(page)
    page.click("#exports summary")
    with page.expect_download() as download:
        page.click("a[data-export=events-geojson]")
    target = tmp_path / "events.geojson"
    download.value.save_as(target)
    collection = json.loads(target.read_text())
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    assert collection["features"][0]["geometry"]["type"] == "Point"


def _map_centre(page: Any) -> tuple[float, float]:
    box = page.locator("#map").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_draw_a_zone_and_save_it(page: Any, server: str, tmp_path: Path) -> None:
    _open(page, "/?map=-30.000,20.000,5.00")
    before = int(page.get_attribute("body", "data-zones"))
    x, y = _map_centre(page)
    page.click("#draw-zone")
    for dx, dy in ((-60, -60), (60, -60), (60, 60)):
        page.mouse.click(x + dx, y + dy)
    page.mouse.dblclick(x - 60, y + 60)
    form = page.locator("#zone-form")
    form.wait_for(timeout=5_000)
    assert "4 corners" in form.inner_text()
    form.locator("input[name=name]").fill("Drawn square")
    assert form.locator("input[name=id]").input_value() == "drawn-square"
    form.locator("select[name=trigger]").select_option("dwell")
    form.locator("input[name=minutes]").fill("90")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".zone-panel .saved")
    page.wait_for_selector(f"body[data-zones='{before + 1}']")
    zones = {f["id"]: f for f in _api(server, "/api/v1/zones")["features"]}
    drawn = zones["drawn-square"]
    assert drawn["properties"]["rules"] == [{"trigger": "dwell", "min_dwell_minutes": 90}]
    ring = drawn["geometry"]["coordinates"][0]
    assert len(ring) == 5
    assert ring[0] == ring[-1]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    assert min(lons) < -30 < max(lons)
    assert min(lats) < 20 < max(lats)
    # the same id again is refused: the problem's detail is shown, and Esc abandons the zone
    page.click("#draw-zone")
    for dx, dy in ((-40, -40), (40, -40), (40, 40)):
        page.mouse.click(x + dx, y + dy)
    page.keyboard.press("Enter")
    form.locator("input[name=name]").fill("Drawn square")
    form.locator("button[type=submit]").click()
    problem = page.locator("#zone-form .problem")
    problem.wait_for()
    assert "exists" in problem.inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#zone-form").count() == 0
    # an import keeps the good features and lists each refused one
    square = [[-20, 10], [-19, 10], [-19, 11], [-20, 11], [-20, 10]]
    good = {"type": "Feature", "id": "imported-box", "properties": {"name": "Imported"},
            "geometry": {"type": "Polygon", "coordinates": [square]}}  # fmt: skip
    bad: dict[str, Any] = {"type": "Feature", "id": "no-geometry", "geometry": None}
    upload = tmp_path / "zones.geojson"
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": [good, bad]}))
    page.set_input_files("#import-zones", str(upload))
    report = page.locator("#zone-import")
    report.wait_for()
    assert "1 zone accepted" in report.inner_text()
    assert "imported-box" in report.locator(".accepted").inner_text()
    assert "feature 1 (no-geometry)" in report.locator(".problems").inner_text()
    page.wait_for_selector(f"body[data-zones='{before + 2}']")
    assert page.errors == []


def _click_until(page: Any, x: float, y: float, selector: str, shift: bool = False) -> None:
    """Click the map at (`x`, `y`) until `selector` shows: the glyphs are drawn by WebGL some
    frames after their data arrives, later on a loaded machine."""
    for _ in range(20):
        page.wait_for_timeout(750)
        if shift:
            page.keyboard.down("Shift")
        page.mouse.click(x, y)
        if shift:
            page.keyboard.up("Shift")
        try:
            page.wait_for_selector(selector, timeout=1_500)
            return
        except Exception:  # playwright's TimeoutError: not drawn yet, click again
            continue
    page.wait_for_selector(selector, timeout=5_000)


def test_shift_click_selects_two_vessels(page: Any, server: str) -> None:
    columns = _api(server, "/api/v1/positions/latest")["columns"]
    fleet = list(zip(columns["mmsi"], columns["lon"], columns["lat"], strict=True))
    first = fleet[0]
    second = next(v for v in fleet if abs(v[1] - first[1]) + abs(v[2] - first[2]) > 1)
    _open(page, f"/?map={first[1]:.5f},{first[2]:.5f},11")
    x, y = _map_centre(page)
    _click_until(page, x, y, f"#dossier .ids:has-text('MMSI {first[0]}')")
    # move the camera to the second vessel as back/forward would, keeping the selection
    page.evaluate(
        "([mmsi, lon, lat]) => {"
        " history.pushState(null, '', `?vessel=${mmsi}&map=${lon},${lat},11`);"
        " dispatchEvent(new PopStateEvent('popstate')); }",
        [first[0], second[1], second[2]],
    )
    _click_until(page, x, y, f"#dossier .ids:has-text('MMSI {second[0]}')", shift=True)
    assert f"vessel={first[0]},{second[0]}" in page.url
    assert page.locator("#selection li").count() == 2
    page.wait_for_selector("body[data-tracks='2']")
    page.locator(f"#selection li[data-mmsi='{first[0]}'] button.switch").click()
    page.wait_for_selector(f"#dossier .ids:has-text('MMSI {first[0]}')")
    assert f"vessel={second[0]},{first[0]}" in page.url
    assert page.errors == []


def test_ports_layer_loads_near_the_coast(page: Any) -> None:
    """The ports and anchorages layer, switched on in the URL, fetches the view's places from
    the zoom where it is drawn (off Martinique at zoom 8)."""
    _open(page, "/?layers=vessels,ports&map=-61.0,14.6,8")
    page.wait_for_function("document.body.dataset.ports > 0", timeout=15_000)
    assert int(page.get_attribute("body", "data-ports")) > 0
    assert page.errors == []


def test_api_docs_render_offline(page: Any, server: str) -> None:
    """Swagger UI from the package under the server's Content-Security-Policy: every operation
    of the API drawn, nothing blocked, nothing fetched from elsewhere."""
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".swagger-ui .opblock").count() >= 10
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.wait_for_selector(".swagger-ui .opblock-body", timeout=10_000)
    assert page.errors == []
    assert page.external == [], "the docs fetched something from the network"
