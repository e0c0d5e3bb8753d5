"""The watch officer's day, in a real browser: sign-in, the map on the simulated world, search
and the dossier, the timebar, triage that survives a reload, and an export of the view; what a
viewer does not see; the security officer's audit view; one-time links and codes; a customs
analyst's inspection plan (Targeting); a list entry added and its match judged (Lists).

Browser tests: the web application in Debian's headless Chromium, driven by Playwright,
against the real API served by uvicorn on a small simulated workspace.

They skip (with the reason) when Playwright or the system Chromium is missing; `.ci/run`
installs Chromium, and Playwright is in the `dev` extra. Playwright never downloads a browser
here: it launches the system one. Screenshots of the main views go to `$BALISE_SCREENSHOTS`
when set (`make screenshots` writes docs/screenshots), else to the test's temporary folder.

Every test signs in through the page, as a person does. The test server adds the Content-
Security-Policy the application must live with (no inline script or style, nothing from elsewhere)
when the app does not set one itself; a violation fails the test like a script error.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pyotp
import pytest

from balise.cli import detect as detect_cli
from balise.cli.main import run
from balise.engine.detect import Geography
from browsers import launched_browser
from local_server import served

PASSWORD: Final = "tide-chart-9-lanterns"
ACCOUNTS: Final = {
    "officer": ("Ana Costa", ("analyst", "watch_officer"), "customs"),
    "viewer": ("Vic Ewer", ("viewer",), "customs"),
    "security": ("Sam Curity", ("security_officer",), "police"),
    "linked": ("Lin Ked", ("watch_officer",), "navy"),
    "coded": ("Cody Otp", ("watch_officer",), "navy"),
}
"""The accounts of the tests: display name, roles, agency; all with `PASSWORD`."""
CARGO_RECORDS: Final = (
    ("containers", "container-events.jsonl"),
    ("manifests", "manifests.csv"),
    ("telemetry", "telemetry.jsonl"),
    ("releases", "releases.csv"),
    ("gate", "gate.csv"),
    ("registry", "registry-entities.csv"),
    ("registry", "registry-links.csv"),
)
"""The demo world's cargo records and company registry, ingested beside its AIS and radar."""


def balise(root: Path, *args: str, stdin: str = "") -> str:
    """`balise --workspace ROOT ARGS…` with `stdin`; its standard output."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr("sys.stdin", io.StringIO(stdin))
        assert run(["--workspace", str(root), *args]) == 0
    return out.getvalue()


def add_accounts(root: Path) -> dict[str, str]:
    """`balise users add` of every test account, with its password on stdin: their API tokens."""
    tokens = {}
    for username, (name, roles, agency) in ACCOUNTS.items():
        args = ["users", "add", username, "--agency", agency, "--name", name, "--password-stdin"]
        args += [option for role in roles for option in ("--role", role)]
        tokens[username] = balise(root, *args, stdin=PASSWORD + "\n").strip().splitlines()[-1]
    return tokens


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days of 20 simulated vessels with the coastal radars' sites and contacts and the
    world's cargo records (container events, manifests, telemetry, releases, gate), ingested
    and detected (no shore grid: see tests/engine/test_detect.py)."""
    folder = tmp_path_factory.mktemp("e2e")
    world = folder / "world"
    args = ["--seed", "5", "--vessels", "20", "--days", "2"]
    assert run(["sim", "atlantic", "--out", str(world), *args]) == 0
    ws = ["--workspace", str(folder / "ws")]
    assert run([*ws, "ingest", "ais", str(world / "ais.nmea")]) == 0
    assert run([*ws, "ingest", "radar-sites", str(world / "radars.csv")]) == 0
    assert run([*ws, "ingest", "radar", str(world / "radar-contacts.csv")]) == 0
    for kind, name in CARGO_RECORDS:
        assert run([*ws, "ingest", kind, str(world / name)]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            detect_cli,
            "default_geography",
            lambda cache_dir, zones=(): Geography(zones=zones or ()),
        )
        assert run(["--workspace", str(folder / "ws"), "detect"]) == 0
    return folder / "ws"


@pytest.fixture(scope="session")
def tokens(workspace: Path) -> dict[str, str]:
    """The test accounts, made before the server starts: username → API token."""
    return add_accounts(workspace)


@pytest.fixture(scope="session")
def server(workspace: Path, tokens: dict[str, str]) -> Iterator[str]:
    """`balise serve` on the workspace: the API and the web app, on a free local port."""
    from balise.api.app import create_app

    with served(create_app(workspace, bind_host="127.0.0.1")) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """A fresh page at 1600×900 that records script errors, refusals by the Content-Security-
    Policy and any request leaving the machine (the app must work offline)."""
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
Api = Callable[[str], Any]


@pytest.fixture(scope="session")
def api(server: str, tokens: dict[str, str]) -> Api:
    """GET an API path with the officer's token: its JSON."""

    def get(path: str) -> Any:
        headers = {"Authorization": f"Bearer {tokens['officer']}"}
        request = urllib.request.Request(server + path, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    return get


def _sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Fill the sign-in form and send it."""
    form = page.locator("#signin-form")
    form.wait_for(timeout=30_000)
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("button[type=submit]").click()


def _open(page: Any, path: str = "/", username: str = "officer") -> None:
    """Go to `path`, sign in there as `username` and wait for the workstation."""
    page.goto(path)
    _sign_in(page, username)
    page.wait_for_selector(READY, timeout=30_000)


def _top_alert(api: Api) -> dict[str, Any]:
    alerts: list[dict[str, Any]] = api("/api/v1/alerts?state=open&limit=50")["items"]
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


def test_search_opens_the_dossier_and_back_clears_it(page: Any, api: Api, shots: Path) -> None:
    mmsi = _top_alert(api)["mmsi"]
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


def test_timebar_plays_the_selected_track(page: Any, api: Api) -> None:
    mmsi = _top_alert(api)["mmsi"]
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


def test_triage_is_kept_after_reload(page: Any, api: Api, shots: Path) -> None:
    alert = _top_alert(api)
    _open(page)
    row = page.locator(f"#inbox li.alert[data-id='{alert['id']}']")
    row.locator("[data-action=acknowledge]").click()
    page.wait_for_selector(f"#inbox li.alert[data-id='{alert['id']}'] .status.acknowledged")
    page.reload()
    page.wait_for_selector(READY)
    assert row.locator(".status").inner_text().lower() == "acknowledged"
    assert api(f"/api/v1/alerts/{alert['id']}")["state"] == "acknowledged"
    chosen = page.locator("#inbox li.alert.status-open").first.get_attribute("data-id")
    dismissed = page.locator(f"#inbox li.alert[data-id='{chosen}']")
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


def test_draw_a_zone_and_save_it(page: Any, api: Api, tmp_path: Path) -> None:
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
    zones = {f["id"]: f for f in api("/api/v1/zones")["features"]}
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
    for _ in range(30):
        page.wait_for_timeout(750)
        if shift:
            page.keyboard.down("Shift")
        page.mouse.click(x, y)
        if shift:
            page.keyboard.up("Shift")
        try:
            page.wait_for_selector(selector, timeout=3_000)
            return
        except Exception:  # playwright's TimeoutError: not drawn yet, click again
            continue
    page.wait_for_selector(selector, timeout=5_000)


def test_shift_click_selects_two_vessels(page: Any, api: Api) -> None:
    columns = api("/api/v1/positions/latest")["columns"]
    # a vessel alone where it is drawn: no other vessel, nor another's event glyph, near it, so
    # that the click finds the one we mean whichever glyph is drawn on top
    events = api("/api/v1/events?limit=1000")["items"]
    marks = [(e["mmsi"], e["lon"], e["lat"]) for e in events if e["lon"] is not None]
    vessels = list(zip(columns["mmsi"], columns["lon"], columns["lat"], strict=True))

    def alone(vessel: tuple[int, float, float]) -> bool:
        mmsi, lon, lat = vessel
        near = [m for m, x, y in [*vessels, *marks] if abs(x - lon) + abs(y - lat) <= 0.05]
        return all(m == mmsi for m in near)

    fleet = [v for v in vessels if alone(v)]
    first = fleet[0]
    second = next(v for v in fleet if abs(v[1] - first[1]) + abs(v[2] - first[2]) > 1)
    _open(page, f"/?map={first[1]:.5f},{first[2]:.5f},11")
    x, y = _map_centre(page)
    _click_until(page, x, y, f"#dossier .ids:has-text('MMSI {first[0]}')")
    # its track drawn and the camera's fit to it (600 ms) over, before the camera moves on
    page.wait_for_selector("body[data-tracks='1']", timeout=30_000)
    page.wait_for_timeout(1_000)
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
    # selectors, not wait_for_function: the Content-Security-Policy forbids its eval
    page.wait_for_selector("body[data-ports]:not([data-ports='0'])", timeout=15_000)
    assert int(page.get_attribute("body", "data-ports")) > 0
    assert page.errors == []


def test_radar_coverage_layer_and_the_radar_tracks_of_a_vessel(
    page: Any, api: Api, shots: Path
) -> None:
    """The radar coverage layer is off until switched on in the legend; then each site's
    coverage is drawn and a site's popup gives its antenna and coverage range. A vessel radar
    followed lists those radar tracks in its dossier."""
    sites = api("/api/v1/radar/sites")["features"]
    assert sites, "the simulated world has coastal radars"
    site = next(s for s in sites if s["properties"]["sensor_id"].startswith("MQ-"))
    p = site["properties"]
    _open(page, f"/?map={p['lon']:.4f},{p['lat']:.4f},8")
    assert page.get_attribute("body", "data-radar-sites") is None  # off by default
    toggle = page.locator("#legend label.layer:has-text('radar coverage') input")
    toggle.check()
    page.wait_for_selector(f"body[data-radar-sites='{len(sites)}']", timeout=15_000)
    assert "radar" in page.url
    x, y = _map_centre(page)
    _click_until(page, x, y, ".radar-popup")
    popup = page.locator(".radar-popup").inner_text()
    assert p["name"] in popup
    assert f"antenna {p['antenna_height_m']:.0f} m" in popup
    covers = re.search(r"covers ([\d.]+) nm for a 2 m target", popup)
    assert covers, popup
    assert abs(float(covers[1]) - p["coverage_nm"]) <= 0.05 + 1e-9
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / "radar.png"))
    # the layer is off again once unticked: the site no longer answers a click
    toggle.uncheck()
    page.mouse.click(x, y)
    page.wait_for_selector(".radar-popup", state="detached", timeout=5_000)
    # a vessel radar followed: her dossier lists the radar tracks paired with her AIS
    pairs = api("/api/v1/radar/associations?limit=50")
    assert pairs, "the radar followed some of the simulated vessels"
    mmsi = pairs[0]["mmsi"]
    mine = [a for a in pairs if a["mmsi"] == mmsi]
    page.goto(f"/?vessel={mmsi}")
    page.wait_for_selector(f"#dossier .ids:has-text('MMSI {mmsi}')", timeout=15_000)
    rows = page.locator("#dossier .radar-section tbody tr")
    assert rows.count() == len(mine)
    first = rows.first.inner_text()
    assert mine[0]["track_id"] in first
    assert f"{mine[0]['matched']} / {mine[0]['contacts']}" in first
    assert page.errors == []


SITING: Final = Path(__file__).parents[2] / "bench" / "radar_siting"
"""The shipped inputs of the Martinique siting benchmark: the approaches and nine candidates."""


def _api_status(api: Api, path: str) -> int:
    """The HTTP status of `api(path)`: 200, or the error's."""
    try:
        api(path)
    except urllib.error.HTTPError as err:
        return int(err.code)
    return 200


def test_the_radar_siting_plan_on_the_map(
    page: Any, api: Api, workspace: Path, shots: Path
) -> None:
    """Without a plan the siting layer says so in the legend; after `balise plan radars` on the
    Martinique approaches, switching it on again draws the proposed sites, and a proposed site's
    popup names it with its marginal gain and its coverage."""
    assert _api_status(api, "/api/v1/radar/plans/latest") == 404, "no plan before this test"
    _open(page, "/?map=-61.0000,14.6500,8")
    assert page.get_attribute("body", "data-radar-plan-sites") is None  # off by default
    toggle = page.locator("#legend label.layer:has-text('radar siting plan') input")
    toggle.check()
    page.wait_for_selector("body[data-radar-plan-sites='0']", timeout=15_000)
    assert "plan" in page.url
    note = page.locator("#legend .plan-note.empty")
    assert "No siting plan in this workspace yet" in note.inner_text()
    balise(
        workspace, "plan", "radars", "--count", "2",
        "--zone", str(SITING / "martinique-approaches.geojson"),
        "--candidates", str(SITING / "martinique-candidates.csv"),
    )  # fmt: skip
    plan = api("/api/v1/radar/plans/latest")
    proposed = [f for f in plan["features"] if f["properties"]["role"] == "site"]
    assert len(proposed) == 2
    # switched off and on again, the layer asks again and finds the plan
    toggle.uncheck()
    toggle.check()
    page.wait_for_selector("body[data-radar-plan-sites='2']", timeout=15_000)
    share = plan["properties"]
    summary = page.locator("#legend .plan-note").inner_text()
    assert f"2 proposed sites ({share['method']}" in summary
    assert f"{share['share_after']:.1%}" in summary
    site = proposed[0]["properties"]
    assert site["rank"] == 1
    # the plan over the existing radars' coverage, centred on the first proposed site (no
    # vessel layer: the click can find nothing else)
    page.goto(f"/?layers=radar,plan&map={site['lon']:.5f},{site['lat']:.5f},8.5")
    page.wait_for_selector("body[data-radar-plan-sites='2'][data-radar-sites]", timeout=30_000)
    x, y = _map_centre(page)
    _click_until(page, x, y, ".plan-popup")
    popup = page.locator(".plan-popup").inner_text()
    assert site["name"] in popup
    assert f"proposed radar {site['sensor_id']} · choice 1" in popup
    gain = re.search(r"marginal gain \+([\d.]+)% of the weighted demand", popup)
    assert gain, popup
    assert abs(float(gain[1]) - 100 * site["gain_share"]) <= 0.05 + 1e-9
    covers = re.search(r"covers ([\d.]+) nm \(range ([\d.]+) nm\)", popup)
    assert covers, popup
    assert abs(float(covers[1]) - site["reach_nm"]) <= 0.05 + 1e-9
    assert abs(float(covers[2]) - site["range_nm"]) <= 0.05 + 1e-9
    assert f"{share['share_before']:.1%} → {share['share_after']:.1%}" in popup
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / "radar-plan.png"))
    assert page.errors == []


def test_a_dark_target_shows_its_evidence(page: Any, api: Api, shots: Path) -> None:
    """A dark target names no vessel: picking it from the events list shows the event on its
    own in the dossier panel, its evidence in words and units, and Esc clears it."""
    events = api("/api/v1/events?type=dark_target&limit=50")["items"]
    dark = [e for e in events if e["mmsi"] is None]
    assert dark, "the simulated world's radars see boats without AIS"
    event = dark[0]
    evidence = event["evidence"]
    _open(page, "/?tab=events")
    row = page.locator(f"#events li[data-id='{event['id']}']")
    assert f"radar track {evidence['track_id']}" in row.inner_text()
    row.locator("button.row").click()
    head = page.locator(f"#dossier .event-head[data-event='{event['id']}']")
    head.wait_for(timeout=10_000)
    assert f"event={event['id']}" in page.url
    assert "no AIS identity" in head.inner_text()
    table = page.locator("#dossier table.evidence")
    speed = table.locator("tr[data-key=median_speed_knots] td").inner_text()
    assert speed == f"{evidence['median_speed_knots']:.1f} kn"
    night = table.locator("tr[data-key=night] td").inner_text()
    assert night.startswith("yes" if evidence["night"] else "no")
    assert "horizon" in night
    assert table.locator("tr[data-key=minutes_to_landfall] td").inner_text() != ""
    assert table.locator("tr[data-key=score] td").inner_text() == f"{event['score']:.2f}"
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / "dark-target.png"))
    page.keyboard.press("Escape")
    page.wait_for_selector("#dossier .state.empty")
    assert page.errors == []


def test_api_docs_render_offline(page: Any, server: str) -> None:
    """Swagger UI from the package under the server's Content-Security-Policy: every operation
    of the API drawn, nothing blocked, nothing fetched from elsewhere. The page needs a signed-in
    session, as the OpenAPI document it loads does."""
    _open(page)
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".swagger-ui .opblock").count() >= 10
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.wait_for_selector(".swagger-ui .opblock-body", timeout=10_000)
    assert page.errors == []
    assert page.external == [], "the docs fetched something from the network"


# ---- sign-in, rights and the audit view ---------------------------------------------------


def _status(page: Any, path: str) -> int:
    """The status of a GET of `path` with the page's cookies."""
    status: int = page.request.get(path).status
    return status


def test_wrong_password_shows_the_error_and_no_workstation(page: Any, shots: Path) -> None:
    page.goto("/")
    form = page.locator("#signin-form")
    form.wait_for(timeout=30_000)
    assert "Balise" in page.inner_text("#signin")
    assert page.locator("input[name=totp]").is_hidden()
    page.screenshot(path=str(shots / "signin.png"))
    _sign_in(page, "officer", "not-the-password-at-all")
    message = form.locator(".message")
    message.wait_for()
    assert "wrong password" in message.inner_text().lower()
    assert form.locator("input[name=password]").input_value() == ""
    assert not page.locator("#map").is_visible()
    assert not page.locator("#account").is_visible()
    assert page.get_attribute("body", "data-ready") is None
    assert page.locator("#inbox li.alert").count() == 0
    assert _status(page, "/api/v1/auth/me") == 401
    # the password is in no address, cookie or storage of the page
    assert "not-the-password" not in page.url
    stored = page.evaluate("JSON.stringify([document.cookie, localStorage, sessionStorage])")
    assert "not-the-password" not in stored
    assert page.errors == []


def test_sign_out_returns_to_the_sign_in_page(page: Any) -> None:
    _open(page)
    account = page.inner_text("#account")
    for shown in ("Ana Costa", "customs", "Analyst, Watch officer", "Sign out"):
        assert shown in account
    assert _status(page, "/api/v1/auth/me") == 200
    page.click("#sign-out")
    page.locator("#signin-form").wait_for(timeout=10_000)
    assert not page.locator("#map").is_visible()
    assert _status(page, "/api/v1/auth/me") == 401
    assert _status(page, "/api/v1/alerts") == 401
    page.reload()
    page.locator("#signin-form").wait_for(timeout=10_000)
    assert page.errors == []


def test_changes_send_the_csrf_token(page: Any) -> None:
    """The session's changes carry the CSRF token of the readable cookie, and only them."""
    _open(page)
    status, kind = page.evaluate(
        "async () => { const r = await fetch('/api/v1/zones', {method: 'POST', credentials: "
        "'same-origin', headers: {'Content-Type': 'application/json'}, body: '{}'});"
        " return [r.status, (await r.json()).type]; }"
    )
    assert status == 403  # without the header, the server refuses the change
    assert kind.endswith("csrf")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "balise_csrf")
    sent: list[tuple[str, str | None]] = []
    page.on("request", lambda r: sent.append((r.method, r.headers.get("x-csrf-token"))))
    page.select_option("#status", "open")  # reads: no token
    page.wait_for_selector("#inbox li.alert.status-open")
    row = page.locator("#inbox li.alert.status-open").first
    row.locator("[data-action=acknowledge]").click()
    page.wait_for_selector("#inbox .counter.acknowledged")
    assert {token for method, token in sent if method == "GET"} == {None}
    assert {token for method, token in sent if method == "POST"} == {csrf}
    assert page.errors == []


def test_a_viewer_sees_no_triage_export_or_zone_editing(page: Any, api: Api) -> None:
    _open(page, "/?view=audit", username="viewer")
    assert "Viewer" in page.inner_text("#account")
    assert not page.locator("#audit-view").is_visible()
    assert "view=audit" not in page.url
    page.wait_for_selector("#inbox li.alert")
    assert page.locator("#inbox li.alert").count() > 0
    assert page.locator("#inbox [data-action]").count() == 0
    assert not page.locator("#exports").is_visible()
    assert not page.locator("#draw-zone").is_visible()
    assert not page.locator("#audit-toggle").is_visible()
    assert not page.locator("[role=tab][data-tab=targeting]").is_visible()
    assert not page.locator("[role=tab][data-tab=lists]").is_visible()
    assert not page.locator("[role=tab][data-tab=entities]").is_visible()
    # a vessel's alert (the inbox also holds containers' alerts, which open a container)
    vessel_alert = _top_alert(api)["id"]
    page.locator(f"#inbox li.alert[data-id='{vessel_alert}'] button.row").click()
    page.wait_for_selector("#dossier .ids")
    assert page.locator("#dossier section.exports").count() == 0
    assert page.errors == []


def test_security_officer_audits_sign_ins_and_the_chain(
    page: Any, api: Api, server: str, tokens: dict[str, str], shots: Path
) -> None:
    # more reads than one page holds, so that the view pages through them
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    for _ in range(110):
        request = urllib.request.Request(f"{server}/api/v1/alerts?limit=1", headers=headers)
        urllib.request.urlopen(request, timeout=30).close()
    _open(page, username="security")
    types = {t["name"]: t for t in api("/api/v1/event-types")}
    security_types = [name for name, t in types.items() if t["domain"] == "security"]
    # the inbox is for alerts this account may read: security alerts, when the type exists
    assert page.locator("[data-tab=inbox]").is_visible() == bool(security_types)
    assert not page.locator("#exports").is_visible()
    page.click("#audit-toggle")
    view = page.locator("#audit-view")
    view.wait_for()
    assert "view=audit" in page.url
    rows = view.locator("tbody tr")
    rows.first.wait_for()
    assert rows.count() == 100
    sign_in = view.locator("tbody tr[data-action=sign_in]:has-text('security')")
    assert sign_in.count() >= 1
    assert "police" in sign_in.first.inner_text()
    assert "127.0.0.1" in sign_in.first.inner_text()
    view.locator("#audit-more").click()
    page.wait_for_selector("#audit-view tbody tr:nth-child(101)")
    page.click("#verify-chain")
    chain = view.locator("#chain-status .chain")
    chain.wait_for()
    text = chain.inner_text()
    assert re.search(r"Chain holds: [\d,]+ entries, head [0-9a-f]{16,}", text), text
    assert "ok" in (chain.get_attribute("class") or "")
    assert (view.locator(".audit-insider").count() == 1) == ("insider_lookup" in types)
    page.screenshot(path=str(shots / "audit.png"))
    # the filters: the failed and successful sign-ins of one account
    form = view.locator("#audit-filters")
    form.locator("input[name=user]").fill("security")
    form.locator("select[name=action]").select_option("sign_in")
    form.locator("button[type=submit]").click()
    others = "#audit-view tbody tr:not([data-action=sign_in])"
    page.wait_for_selector(others, state="detached")
    page.wait_for_selector("#audit-view tbody tr[data-action=sign_in]")
    assert all("security" in row.inner_text() for row in view.locator("tbody tr").all())
    page.go_back()
    page.wait_for_selector("#audit-view", state="hidden")
    assert page.errors == []


def test_a_one_time_link_signs_in_once(
    browser: Any, page: Any, workspace: Path, server: str
) -> None:
    link = balise(workspace, "users", "link", "linked", "--base", server).strip()
    assert link.startswith(f"{server}/api/v1/auth/link?token=")
    page.goto(link)
    page.wait_for_selector(READY, timeout=30_000)
    assert page.url.startswith(f"{server}/")
    assert "token=" not in page.url
    assert "Lin Ked" in page.inner_text("#account")
    again = browser.new_context(base_url=server).new_page()
    try:
        again.goto(link)
        message = again.locator("#signin-form .message")
        message.wait_for(timeout=30_000)
        assert "This sign-in link was used or has expired" in message.inner_text()
        assert "signin=" not in again.url
    finally:
        again.context.close()
    assert page.errors == []


def test_an_account_with_a_second_factor_asks_for_the_code(page: Any, workspace: Path) -> None:
    uri = balise(workspace, "users", "totp", "coded").strip()
    secret = pyotp.parse_uri(uri).secret
    page.goto("/")
    _sign_in(page, "coded")
    code = page.locator("input[name=totp]")
    code.wait_for(state="visible", timeout=10_000)
    assert "one-time code required" in page.inner_text("#signin-form .message").lower()
    assert page.evaluate("document.activeElement.name") == "totp"
    code.fill(pyotp.TOTP(secret).now())
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector(READY, timeout=30_000)
    assert "Cody Otp" in page.inner_text("#account")
    assert page.errors == []


def test_an_ended_session_returns_to_the_sign_in_page(page: Any) -> None:
    _open(page)
    page.wait_for_selector("#inbox li.alert")
    page.context.clear_cookies()  # as when the session expires or is ended on the server
    page.select_option("#status", "open")
    message = page.locator("#signin-form .message")
    message.wait_for(timeout=10_000)
    assert "session has ended" in message.inner_text()
    assert not page.locator("#map").is_visible()
    _sign_in(page, "officer")
    page.wait_for_selector("#inbox li.alert.status-open", timeout=10_000)
    assert page.locator("#map").is_visible()
    assert "status=open" in page.url
    assert page.errors == []


INSIDER_ALERT: Final = {
    "id": "insider_lookup-test",
    "state": "open",
    "severity": 0.82,
    "severity_label": "high",
    "strength": 0.8,
    "type": "insider_lookup",
    "subject": {"kind": "user", "id": "c.dupont"},
    "related": [],
    "mmsi": None,
    "other_mmsi": None,
    "start": "2024-03-01T22:40:00Z",
    "end": "2024-03-01T23:10:00Z",
    "lat": None,
    "lon": None,
    "evidence": {
        "rule": "release_before_pickup",
        "reasons": ["read the release of MSCU1234565 2 h before a pickup by another haulier"],
    },
}


def test_the_audit_view_shows_a_broken_chain_and_insider_look_ups(page: Any) -> None:
    """What the server would say of a tampered log and of an insider look-up (answers stubbed
    in the browser: the view's rendering, whatever the registry of this build holds)."""

    def with_insider_type(route: Any) -> None:
        types = route.fetch().json()
        types.append({"name": "insider_lookup", "title": "Insider look-up", "domain": "security",
                      "subject": "user", "definition": "Reading patterns of a user.",
                      "shape": "circle"})  # fmt: skip
        route.fulfill(json=types)

    page.route("**/api/v1/event-types", with_insider_type)
    page.route(
        re.compile(r".*/api/v1/alerts\?.*type=insider_lookup.*"),
        lambda route: route.fulfill(json={"items": [INSIDER_ALERT], "next": None}),
    )
    broken = {"ok": False, "entries": 40, "head": "ab" * 32, "broken_at": 17,
              "reason": "entry 17 does not hash to its recorded value"}  # fmt: skip
    page.route("**/api/v1/audit/verify", lambda route: route.fulfill(json=broken))
    _open(page, "/?view=audit", username="security")
    view = page.locator("#audit-view")
    view.wait_for()
    insider = view.locator(".insider-list li.insider")
    insider.wait_for()
    assert "c.dupont" in insider.inner_text()
    assert "release before pickup" in insider.inner_text()
    assert "2 h before a pickup by another haulier" in insider.locator(".reasons").inner_text()
    page.click("#verify-chain")
    chain = view.locator("#chain-status .chain.broken")
    chain.wait_for()
    assert "Chain broken at entry 17: entry 17 does not hash" in chain.inner_text()
    assert page.errors == []


def test_a_container_at_risk_shows_its_journey_and_its_readings(
    page: Any, api: Api, shots: Path
) -> None:
    top = api("/api/v1/containers?limit=50")["items"][0]
    number, port = top["container_number"], top["last_port"]
    _open(page)
    page.click("[role=tab][data-tab=containers]")
    page.select_option("#container-port", port)
    row = page.locator(f"#containers li.container-row[data-number={number}]")
    row.wait_for(timeout=10_000)
    assert top["reasons"][0]["text"][:20] in row.inner_text()
    href = page.locator("#containers-export").get_attribute("href")
    assert href.endswith(f"/api/v1/exports/containers.csv?port={port}")
    row.locator("button.row").click()
    page.wait_for_selector(f"body[data-container={number}]", timeout=20_000)
    assert f"container={number}" in page.url
    panel = page.locator("#dossier .container-dossier")
    assert number in panel.locator("h2").inner_text()
    assert panel.locator(".risk-section ol.reasons li").count() == len(top["reasons"])
    assert panel.locator("table.legs tbody tr").count() > 0
    assert panel.locator(".container-events li.event").count() == top["events"]
    journey = api(f"/api/v1/containers/{number}/journey.geojson")
    ports = [f["properties"]["port"] for f in journey["features"]
             if f["properties"]["kind"] == "port"]  # fmt: skip
    labels = page.locator(".journey-label")
    assert labels.count() == len(ports)
    assert sorted(label.split(" · ")[0] for label in labels.all_inner_texts()) == sorted(ports)
    readings = api(f"/api/v1/containers/{number}/telemetry")
    if readings:
        assert panel.locator("svg.telemetry-chart g.series").count() > 0
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / "container.png"))
    page.keyboard.press("Escape")
    page.wait_for_function("!location.search.includes('container=')", timeout=5_000)
    page.keyboard.press("/")
    page.keyboard.type(number)
    page.locator("#search-results li button").first.click()
    page.wait_for_selector(f"#dossier .container-dossier[data-container={number}]", timeout=10_000)
    assert page.errors == []
    assert page.external == []


TARGET_SITE: Final = "MQFDF"
TARGET_DAY: Final = "2024-03-03"
"""Fort-de-France the day after the small world's busiest discharge (240 boxes off a ship late
on its last day, in the yard the next day; the shipped sites table has Le Havre alone, so the
test adds the site)."""


def test_targeting_plans_a_day_and_records_a_result(
    page: Any, api: Api, workspace: Path, shots: Path
) -> None:
    (workspace / "inspection-sites.csv").write_text(
        "site,scanners,scans_per_hour,shifts\nFRLEH,2,3,06:00-13:00;13:00-20:00\n"
        f"{TARGET_SITE},2,3,06:00-14:00\n"
    )
    _open(page, f"/?tab=targeting&site={TARGET_SITE}&day={TARGET_DAY}")
    panel = page.locator("#targeting")
    assert page.locator("[role=tab][data-tab=targeting]").is_visible()
    panel.locator("button.plan-day").click()  # no plan yet: the analyst plans the day
    panel.locator(".capacity").wait_for(timeout=60_000)
    plan = api(f"/api/v1/inspection/plans/{TARGET_SITE}/{TARGET_DAY}?limit=1000")
    assert plan["candidates"] > 0
    capacity = panel.locator(".capacity").inner_text()
    assert f"of {plan['capacity_minutes']:,.0f} scanner min" in capacity
    assert f"red {plan['lanes']['red']}" in panel.locator(".lane-counts").inner_text()
    red = [b for b in plan["items"] if b["lane"] == "red"]
    assert panel.locator("li.plan-box[data-lane=red]").count() == len(red)
    drawn = [b for b in red if b["selected_by"] == "exploration"]
    if drawn:
        row = panel.locator(f"li.plan-box[data-number={drawn[0]['container_number']}]")
        assert "random" in row.inner_text()
    box = red[0]
    number = box["container_number"]
    row = panel.locator(f"li.plan-box[data-number={number}]")
    row.locator("button.row").click()
    # the box's reasons, and the container's own view in the dossier
    assert row.locator("ol.reasons li").count() == max(len(box["reasons"]), 1)
    page.wait_for_selector(f"body[data-container={number}]", timeout=20_000)
    form = row.locator("form.result-form")
    form.locator("input[name=found][value=yes]").check()
    form.locator("input[name=what]").fill("cocaine, 40 kg")
    form.locator("button[type=submit]").click()
    panel.locator(f"li.plan-box[data-number={number}] .done").wait_for(timeout=10_000)
    assert "found" in panel.locator(f"li.plan-box[data-number={number}] .done").inner_text()
    chart = panel.locator("svg.performance-chart")
    chart.wait_for(timeout=10_000)
    assert chart.locator("g.series-naive .marker").count() == 1
    assert chart.locator("g.series-ipw .marker").count() == 1
    rates = api(f"/api/v1/inspection/performance?site={TARGET_SITE}")["overall"]
    assert (rates["scanned"], rates["found"]) == (1, 1)
    page.screenshot(path=str(shots / "targeting.png"))
    assert page.errors == []
    assert page.external == []


def _post(server: str, token: str, path: str, body: dict[str, Any]) -> Any:
    """POST `body` as JSON to an API path with `token`: its JSON."""
    request = urllib.request.Request(
        server + path, data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def test_lists_add_an_entry_and_judge_its_match(
    page: Any, api: Api, server: str, tokens: dict[str, str], shots: Path
) -> None:
    named = [v for v in api("/api/v1/vessels?limit=200")["items"] if v["name"]]
    vessel = max(named, key=lambda v: (len(v["name"]), v["mmsi"]))
    made = {"name": "e2e-voi", "kind": "vessels_of_interest", "description": "browser test"}
    _post(server, tokens["officer"], "/api/v1/lists", made)
    _open(page, "/?tab=lists")
    assert page.locator("[role=tab][data-tab=lists]").is_visible()
    listed = page.locator("details.watchlist[data-list=e2e-voi]")
    listed.locator("summary").click()
    form = listed.locator("form.add-entry")
    form.locator("input[name=name]").fill(vessel["name"])
    form.locator("select[name=schema]").select_option("Vessel")
    form.locator("input[name=source]").fill("MAOC-N bulletin")
    form.locator("input[name=reason]").fill("suspected carrier")
    form.locator("button[type=submit]").click()
    listed.locator("li.list-entry").wait_for(timeout=60_000)
    (entry,) = api("/api/v1/lists/e2e-voi/entries")["items"]
    assert entry["added_by"] == "officer"
    assert "MAOC-N bulletin" in listed.locator("li.list-entry .provenance").inner_text()
    row = page.locator(f"#review-queue li.review-row[data-subject-id='{vessel['mmsi']}']"
                       f"[data-entry='{entry['entry_id']}']")  # fmt: skip
    row.wait_for(timeout=60_000)
    assert vessel["name"] in row.locator(".side.entry").inner_text()
    assert row.locator("ol.reasons li").count() >= 1
    page.screenshot(path=str(shots / "lists.png"))
    row.locator("button[data-verdict=not_same]").click()
    row.wait_for(state="detached", timeout=60_000)
    queue = api("/api/v1/screening/review")["items"]
    assert not [r for r in queue if r["entry_id"] == entry["entry_id"]
                and r["subject_id"] == str(vessel["mmsi"])]  # fmt: skip
    matches = api(f"/api/v1/events?type=list_match&mmsi={vessel['mmsi']}&limit=100")["items"]
    assert not [m for m in matches if m["status"] == "active"
                and m["related"][0]["id"] == f"e2e-voi/{entry['entry_id']}"]  # fmt: skip
    assert page.errors == []
    assert page.external == []


def test_an_entity_found_by_name_shows_its_owners_and_indicators(
    page: Any, api: Api, shots: Path
) -> None:
    (shell,) = api("/api/v1/events?type=shell_company&limit=1")["items"]
    record = api(f"/api/v1/entities/{urllib.parse.quote(shell['subject']['id'], safe='')}")
    assert record["shell"]["indicators"], "a shell company of the world's cluster"
    _open(page)
    page.click("[role=tab][data-tab=entities]")
    panel = page.locator("#entities-panel")
    panel.locator(".entity-search input").fill(record["name"])
    panel.locator(".entity-search button[type=submit]").click()
    row = panel.locator("li.entity-row", has_text=record["id"]).first
    row.wait_for(timeout=10_000)
    row.locator("button.row").click()
    article = panel.locator("article.entity-page")
    article.locator("h2").wait_for(timeout=10_000)
    assert record["name"] in article.locator("h2").inner_text()
    assert article.locator("ul.indicators li").count() == len(record["shell"]["indicators"])
    if record["ultimate_owners"]:
        assert article.locator("ul.owners-tree > li").count() == len(record["ultimate_owners"])
    page.screenshot(path=str(shots / "entity.png"))
    assert page.errors == []
    assert page.external == []


def test_lists_a_new_list_made_in_the_form(page: Any, api: Api) -> None:
    _open(page, "/?tab=lists")
    form = page.locator("#lists-panel form.new-list")
    form.wait_for(timeout=10_000)
    form.locator("input[name=name]").fill("e2e-banned")
    form.locator("select[name=kind]").select_option("banned_companies")
    form.locator("input[name=description]").fill("made in the browser")
    form.locator("button[type=submit]").click()
    made = page.locator("details.watchlist[data-list=e2e-banned]")
    made.wait_for(timeout=30_000)
    assert made.get_attribute("open") is not None, "the new list opens to take entries"
    made.locator("form.add-entry").wait_for(timeout=30_000)
    (listed,) = [x for x in api("/api/v1/lists") if x["name"] == "e2e-banned"]
    assert (listed["kind"], listed["created_by"], listed["entries"]) == (
        "banned_companies", "officer", 0)  # fmt: skip
    form.locator("input[name=name]").fill("e2e-banned")
    form.locator("button[type=submit]").click()
    status = form.locator("[role=status]")
    status.filter(has_text="Not created").wait_for(timeout=10_000)
    assert "exists already" in status.inner_text()
    assert page.errors == []
    assert page.external == []
