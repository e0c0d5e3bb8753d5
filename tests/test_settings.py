"""The settings registry: precedence, validation, documentation that cannot drift."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from balise.errors import SettingError
from balise.settings import all_settings, parse_utc, resolve, settings_markdown

DOCS = Path(__file__).parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented_with_unit_help_and_source() -> None:
    for item in all_settings():
        assert item.help.strip(), item.name
        assert item.unit.strip(), item.name
        assert item.source.strip(), item.name


def test_the_settings_page_is_generated_from_the_registry() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is stale: run `make docs`"
    )


def test_precedence_flag_over_env_over_toml_over_default(tmp_path: Path) -> None:
    toml = tmp_path / "balise.toml"
    toml.write_text("[ingest]\nbatch_records = 30\n", encoding="utf-8")
    env = {"BALISE_INGEST_BATCH_RECORDS": "20"}
    assert resolve()["ingest.batch_records"] == 200_000
    assert resolve(toml_path=toml, environ={})["ingest.batch_records"] == 30
    assert resolve(toml_path=toml, environ=env)["ingest.batch_records"] == 20
    flagged = resolve({"ingest.batch_records": 10}, toml_path=toml, environ=env)
    assert flagged["ingest.batch_records"] == 10
    assert flagged.origins["ingest.batch_records"] == "flag"


def test_invalid_values_are_setting_errors(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match=r"ingest\.batch_records"):
        resolve(environ={"BALISE_INGEST_BATCH_RECORDS": "-3"})
    toml = tmp_path / "balise.toml"
    toml.write_text("nonsense = [", encoding="utf-8")
    with pytest.raises(SettingError, match="not valid TOML"):
        resolve(toml_path=toml, environ={})


def test_unknown_setting_in_toml_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "balise.toml"
    toml.write_text("[ingest]\nbatch_size = 3\n", encoding="utf-8")
    with pytest.raises(SettingError, match=r"unknown setting 'ingest\.batch_size'"):
        resolve(toml_path=toml, environ={})


def test_parse_utc_takes_offsets_and_naive_times_as_utc() -> None:
    assert parse_utc("2024-01-01T01:00:00+01:00") == datetime(2024, 1, 1, tzinfo=UTC)
    assert parse_utc("2024-01-01T00:00:00") == datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(SettingError):
        parse_utc("tomorrow")


def test_settings_nothing_names_are_their_defaults_in_the_registry_order() -> None:
    resolved = resolve(environ={})
    assert list(resolved.values) == [item.name for item in all_settings()]
    assert dict(resolved.values) == {item.name: item.default for item in all_settings()}
    assert set(resolved.origins.values()) == {"default"}
    assert resolved["detect.gap.min_gap_hours"] == resolved.values["detect.gap.min_gap_hours"]


def test_a_threshold_named_anywhere_is_resolved_and_checked_at_once(tmp_path: Path) -> None:
    env = {"BALISE_DETECT_GAP_MIN_GAP_HOURS": "5"}
    from_env = resolve(environ=env)
    assert from_env["detect.gap.min_gap_hours"] == 5.0
    assert from_env.origins["detect.gap.min_gap_hours"] == "env BALISE_DETECT_GAP_MIN_GAP_HOURS"
    with pytest.raises(SettingError, match=r"detect\.gap\.min_gap_hours"):
        resolve(environ={"BALISE_DETECT_GAP_MIN_GAP_HOURS": "never"})
    toml = tmp_path / "balise.toml"
    toml.write_text("[detect.gap]\nmin_gap_hours = 4.0\n", encoding="utf-8")
    assert resolve(toml_path=toml, environ={})["detect.gap.min_gap_hours"] == 4.0
    flagged = resolve({"detect.gap.min_gap_hours": "3"}, environ={})
    assert flagged.values["detect.gap.min_gap_hours"] == 3.0
    assert flagged.origins["ingest.batch_records"] == "default"
