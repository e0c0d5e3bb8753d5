"""Properties of normalisation and name scores over arbitrary text."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from balise.entities.name_score import score_names
from balise.entities.names import prepare_name
from balise.entities.normalise import normalise_name


@given(st.text(max_size=60))
def test_normalised_names_are_ascii_words_and_stable(text: str) -> None:
    once = normalise_name(text)
    assert re.fullmatch(r"([a-z0-9]+( [a-z0-9]+)*)?", once)
    assert normalise_name(once) == once


@given(st.text(max_size=40), st.text(max_size=40), st.booleans())
def test_scores_are_in_the_unit_interval(left: str, right: str, organisation: bool) -> None:
    scored = score_names(prepare_name(left), prepare_name(right), organisation)
    assert 0.0 <= scored.score <= 1.0
    assert all(isinstance(reason, str) for reason in scored.reasons)
