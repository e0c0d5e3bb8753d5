"""The settings registry: precedence, validation, documentation that cannot drift."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from balise.errors import SettingError
from balise.settings import SETTINGS, parse_utc, resolve, settings_markdown

DOCS = Path(__file__).parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented_with_unit_help_and_source() -> None:
    for item in SETTINGS:
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
