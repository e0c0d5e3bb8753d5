"""What a prepared name computes once (its letters, legal-form classes, longest word, shortest run
of two words, initials) and the shortcuts of the alignment built on them: the same pairs found as
by looking at every word."""

from __future__ import annotations

import pytest

from balise.entities.name_alignment import align
from balise.entities.name_words import word_weight
from balise.entities.names import neighbour_runs, prepare_name


def test_a_prepared_name_holds_what_the_alignment_reads() -> None:
    name = prepare_name("Mr. Nikolai Platonovich Patrushev Shipping Ltd")
    assert name.letters == sum(word_weight(w) for w in name.words)
    assert name.form_classes == {f.form_class for f in name.forms} == {"ltd"}
    assert name.longest == max(map(len, name.words))
    assert name.initials == "".join(w[0] for w in name.words)
    assert name.shortest_run == min(
        len(run) - allowed for _, run, allowed in neighbour_runs(name.words)
    )


def test_names_without_words_or_runs_have_none() -> None:
    assert prepare_name("A B").shortest_run == 0  # initials are never run together
    empty = prepare_name("Mr.")
    assert (empty.words, empty.letters, empty.longest, empty.initials) == ((), 0.0, 0, "")


def test_legal_form_classes_are_shared_between_names() -> None:
    assert prepare_name("Acme Ltd").form_classes is prepare_name("Zenith Ltd").form_classes


@pytest.mark.parametrize(
    ("left", "right", "how"),
    [
        ("Nikolai Patr ushev", "Nikolai Platonovich Patrushev", "joined"),
        ("Vanderbilt Holdings", "Vander Bilt Holdings", "joined"),
        ("PLA Navy", "Peoples Liberation Army Navy", "acronym"),
        ("Jean Claude Juncker", "JC Juncker", "acronym"),
    ],
)
def test_runs_and_acronyms_are_still_found_both_ways(left: str, right: str, how: str) -> None:
    for a, b in ((left, right), (right, left)):
        features = align(prepare_name(a), prepare_name(b))
        assert [p.how for p in features.pairs].count(how) == 1


def test_a_word_too_short_for_any_run_is_not_compared_with_runs() -> None:
    short, long = prepare_name("Ali Khan"), prepare_name("Abdul Rahman Khan")
    assert short.longest < long.shortest_run
    assert not [p for p in align(short, long).pairs if p.how == "joined"]
