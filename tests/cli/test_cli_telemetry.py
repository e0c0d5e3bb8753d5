"""`balise ingest telemetry` as a user drives it: JSON lines (gzip too) stored once per
container and time, bad lines quarantined to a file, cleared values counted."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from balise.cli.listen import broker_address
from balise.cli.main import run
from balise.errors import UsageError
from balise.store.accounts import AuditQuery
from balise.workspace import Workspace
from mqtt_broker import Broker, mosquitto

__all__ = ["mosquitto"]  # the broker fixture

RECORDS = Path(__file__).parents[1] / "data" / "records"


def test_ingest_telemetry_stores_counts_and_quarantines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    fixture = RECORDS / "telemetry.jsonl"
    code = run(["--workspace", str(ws), "ingest", "telemetry", "--format", "json", str(fixture)])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["format"], summary["read"], summary["stored"]) == ("telemetry_jsonl", 10, 4)
    # line 10 repeats line 1; line 11 is another reading of line 5's box and time: it wins
    assert (summary["duplicates"], summary["outdated"]) == (1, 1)
    assert summary["quarantined"] == {"bad_container_number": 1, "bad_json": 1, "bad_time": 1,
                                      "missing_field": 1}  # fmt: skip
    assert summary["cleared"] == {"bad_door_open": 1, "bad_humidity": 1, "bad_position": 2}
    assert "4 quarantined records" in err
    # the same readings again, gzipped: a new input, nothing new stored
    packed = tmp_path / "again.jsonl.gz"
    packed.write_bytes(gzip.compress(fixture.read_bytes() + b"\n"))
    code = run(["--workspace", str(ws), "ingest", "telemetry", "--format", "json", str(packed)])
    again = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (again["status"], again["stored"], again["duplicates"]) == ("ingested", 0, 5)
    store = Workspace(ws).open_store()
    try:
        found = store.telemetry("CSQU3054383")
    finally:
        store.close()
    assert found.height == 3
    assert found["humidity"].to_list() == [71.0, None, None]
    assert found["time"].is_sorted()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("localhost:1884", ("localhost", 1884)),
        ("broker.example.org", ("broker.example.org", 1883)),
        ("[::1]:8883", ("::1", 8883)),
        ("[::1]", ("::1", 1883)),
        ("::1", ("::1", 1883)),
    ],
)
def test_broker_addresses(text: str, expected: tuple[str, int]) -> None:
    assert broker_address(text) == expected


@pytest.mark.parametrize("text", ["host:port", "host:0", "host:70000", ":1883", "[::1]x"])
def test_bad_broker_addresses_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="--mqtt"):
        broker_address(text)


def test_listen_telemetry_stores_until_max_messages(
    mosquitto: Broker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # retained messages reach the listener as soon as it subscribes: no race with its start
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", mosquitto.port)
    publisher.loop_start()
    for number in ("CSQU3054383", "MSKU9070323"):
        payload = json.dumps({"time": "2024-03-01T08:00:00Z", "door_open": True})
        topic = f"containers/{number}/telemetry"
        publisher.publish(topic, payload, 1, retain=True).wait_for_publish(10)
    publisher.disconnect()
    publisher.loop_stop()
    ws = tmp_path / "ws"
    broker = f"127.0.0.1:{mosquitto.port}"
    code = run(["--workspace", str(ws), "listen", "telemetry", "--mqtt", broker,
                "--max-messages", "2", "--format", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["messages"], summary["stored"], summary["quarantined"]) == (2, 2, {})
    store = Workspace(ws).open_store()
    try:
        assert store.telemetry()["container_number"].to_list() == ["CSQU3054383", "MSKU9070323"]
        assert store.audit(AuditQuery(resource="telemetry")).height == 1
    finally:
        store.close()
