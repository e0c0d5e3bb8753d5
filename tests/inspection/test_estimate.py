"""The hit rate by inverse propensity weighting: unbiased on a simulation where the true hit
rate among the boxes is known, while the naive rate (finds ÷ scans) is biased upward."""

from __future__ import annotations

import numpy as np
import pytest

from balise.inspection.estimate import hit_rates
from balise.inspection.params import InspectionParams
from balise.inspection.planner import Candidates, plan_inspections, slots_of


def test_ipw_is_unbiased_where_the_naive_rate_is_not() -> None:
    n, runs = 400, 300
    params = InspectionParams(exploration_share=0.2)
    slots = slots_of(1, ((0.0, 1200.0),))  # 60 scans of 20 min: 15 % of the boxes
    truth: list[float] = []
    naive: list[float] = []
    ht: list[float] = []
    sn: list[float] = []
    for seed in range(runs):
        rng = np.random.default_rng(seed)
        p_true = rng.beta(0.5, 12, n)  # about 4 % of boxes hold something
        found = rng.random(n) < p_true
        noisy = np.clip(p_true * rng.lognormal(0, 0.5, n), 0, 1)  # an imperfect risk model
        always = (np.zeros(n), np.full(n, 1440.0), np.zeros(n, dtype=np.bool_))
        boxes = Candidates(tuple(map(str, range(n))), noisy, np.ones(n), np.full(n, 20.0), *always)
        plan = plan_inspections(boxes, slots, params, rng, "greedy")
        scanned = np.array(plan.lane) == "red"
        rates = hit_rates(plan.probability, scanned, found)
        truth.append(found.mean())
        assert rates.naive is not None
        assert rates.horvitz_thompson is not None
        naive.append(rates.naive)
        ht.append(rates.horvitz_thompson)
        assert rates.self_normalised is not None
        sn.append(rates.self_normalised)
    true_rate = float(np.mean(truth))
    spread = float(np.std(np.array(ht) - np.array(truth))) / np.sqrt(runs)
    assert abs(np.mean(ht) - true_rate) < 4 * spread + 1e-4  # unbiased: within the noise
    assert abs(np.mean(sn) - true_rate) < 0.15 * true_rate
    assert np.mean(naive) > 2 * true_rate  # the scanned boxes were chosen as risky


def test_estimates_on_hand_figures() -> None:
    p = np.array([1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.0])
    scanned = np.array([True, True, True, False, True, False, False, False, False])
    found = np.array([True, False, False, False, True, False, False, False, True])
    rates = hit_rates(p, scanned, found)
    assert rates.population == 8  # the box no scanner could reach is outside
    assert rates.scanned == 4
    assert rates.naive == pytest.approx(2 / 4)
    assert rates.horvitz_thompson == pytest.approx((1 + 4) / 8)
    assert rates.self_normalised == pytest.approx((1 + 4) / (1 + 1 + 2 + 4))
    empty = hit_rates(np.zeros(0), np.zeros(0, dtype=np.bool_), np.zeros(0, dtype=np.bool_))
    assert empty.naive is None
    assert empty.horvitz_thompson is None
