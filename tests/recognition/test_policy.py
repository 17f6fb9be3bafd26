"""The auto / confirm / unknown policy and the keypad resolution."""

from __future__ import annotations

import numpy as np
import pytest

from models import Candidate, Decision
from recognition.index import FaceIndex
from recognition.policy import ImpostorTail, PolicyConfig, combine, decide, keypad_digits, keypad_risk, resolve_confirm

POLICY = PolicyConfig(auto_accept_distance=0.40, min_margin=0.06, candidate_distance=0.60, max_candidates=3)


def c(cid: int, d: float) -> Candidate:
    return Candidate(cid, d)


def test_auto_needs_close_and_clear():
    match = decide([c(1, 0.30), c(2, 0.50)], POLICY)
    assert match.decision is Decision.MATCH and match.citizen_id == 1
    assert match.margin == 0.50 - 0.30


def test_close_but_ambiguous_goes_to_the_keypad():
    match = decide([c(1, 0.30), c(2, 0.33), c(3, 0.7)], POLICY)
    assert match.decision is Decision.CONFIRM
    assert match.citizen_id is None
    assert [x.citizen_id for x in match.candidates] == [1, 2]


def test_not_close_enough_for_auto_goes_to_the_keypad():
    match = decide([c(1, 0.45)], POLICY)
    assert match.decision is Decision.CONFIRM and len(match.candidates) == 1


def test_candidates_are_capped():
    match = decide([c(i, 0.5 + i / 100) for i in range(6)], POLICY)
    assert len(match.candidates) == POLICY.max_candidates


def test_nobody_close_is_unknown():
    match = decide([c(1, 0.65), c(2, 0.9)], POLICY)
    assert match.decision is Decision.UNKNOWN and match.candidates == ()
    assert match.distance == 0.65
    assert decide([], POLICY).decision is Decision.UNKNOWN


def test_single_enrolled_citizen_has_infinite_margin():
    match = decide([c(9, 0.2)], POLICY)
    assert match.decision is Decision.MATCH and match.margin == float("inf")


def test_the_keypad_asks_more_digits_where_a_guess_would_pay_more():
    assert keypad_digits(1, 0) == 4 and keypad_digits(1, 1) == keypad_digits(2, 0) == keypad_digits(5, 2) == 6
    # one candidate, three tries: 1e-4 + 2e-6; five candidates: 15e-6 (four digits would be 1.5e-3)
    assert keypad_risk(1, 3) == pytest.approx(1.02e-4) and keypad_risk(5, 3) == pytest.approx(1.5e-5)
    assert max(keypad_risk(c, 3) for c in range(1, 21)) <= 1.02e-4


def test_keypad_picks_the_one_candidate_that_fits():
    keys = {1: "1111", 2: "2222"}
    asked = decide([c(1, 0.30), c(2, 0.33)], POLICY)
    assert resolve_confirm(asked, "2222", keys.__getitem__).citizen_id == 2
    assert resolve_confirm(asked, "2222", keys.__getitem__).decision is Decision.MATCH


def test_keypad_miss_or_ambiguity_is_unknown():
    asked = decide([c(1, 0.30), c(2, 0.33)], POLICY)
    assert resolve_confirm(asked, "9999", {1: "1111", 2: "2222"}.__getitem__).decision is Decision.UNKNOWN
    assert resolve_confirm(asked, "", {1: "", 2: "2"}.__getitem__).decision is Decision.UNKNOWN
    same = {1: "1234", 2: "1234"}
    assert resolve_confirm(asked, "1234", same.__getitem__).decision is Decision.UNKNOWN


def test_keypad_leaves_other_decisions_alone():
    auto = decide([c(1, 0.2)], POLICY)
    assert resolve_confirm(auto, "0000", lambda _: "1111") is auto


# --- the auto threshold follows the gallery; several engines' decisions --------------------

TAIL = ImpostorTail(at_one=0.9365, scale=0.0447)  # sface's shipped tail


def test_the_fitted_tail_gives_back_the_probability_it_was_asked_for():
    for p in (1e-3, 1e-6, 1e-9):
        assert TAIL.probability(TAIL.distance_for(p)) == pytest.approx(p, rel=1e-9)
    assert not ImpostorTail().fitted and ImpostorTail().probability(0.3) != ImpostorTail().probability(
        0.3
    )  # NaN when unfitted


def test_the_auto_threshold_tightens_as_the_gallery_grows():
    policy = PolicyConfig(auto_accept_distance=0.28, tail=TAIL, target_fpir=0.001)
    sizes = (1, 100, 2_000, 5_163, 24_000, 72_000, 1_000_000, 10**8)
    at = [policy.auto_distance_at(n) for n in sizes]
    assert at[:3] == [0.28, 0.28, 0.28]  # a counter's own few hundred: the configured value
    assert all(a >= b for a, b in zip(at, at[1:])) and at[3] < 0.28 and at[-1] == 0.0  # never below 0: nobody auto
    # At N templates a stranger's best of N comparisons falls under the threshold with probability ~ target_fpir.
    n = 24_000
    assert 1 - (1 - TAIL.probability(policy.auto_distance_at(n))) ** n == pytest.approx(0.001, rel=0.01)
    scaled = policy.at_scale(24_000)
    assert scaled.auto_accept_distance == at[4] and decide([c(1, at[4] + 0.01)], scaled).decision is Decision.CONFIRM
    assert PolicyConfig(auto_accept_distance=0.28).auto_distance_at(10**8) == 0.28  # no tail: fixed


def e(cid: int, d: float, engine: str) -> Candidate:
    return Candidate(cid, d, engine)


def test_face_alone_decides_only_when_one_engine_found_anyone():
    sface = PolicyConfig(0.28, 0.10, 0.65)
    dlib = PolicyConfig(0.40, 0.06, 0.60)
    auto_sface = decide([e(1, 0.10, "sface"), e(2, 0.70, "sface")], sface)
    nobody_dlib = decide([e(7, 0.75, "dlib")], dlib)
    assert combine([auto_sface, nobody_dlib]) == auto_sface
    near_dlib = decide([e(7, 0.50, "dlib")], dlib)
    both = combine([auto_sface, near_dlib])
    assert both.decision is Decision.CONFIRM and [x.citizen_id for x in both.candidates] == [1, 7]
    assert (both.distance, both.engine) == (0.10, "sface")
    assert combine([decide([], sface), near_dlib]) == near_dlib
    assert combine([decide([], sface), decide([], dlib)]).decision is Decision.UNKNOWN


def test_the_index_searches_each_citizen_through_one_engine():
    index = FaceIndex("sface", {"sface": "cosine", "dlib": "euclidean"})
    rng = np.random.default_rng(0)
    index.add("dlib", np.array([1, 1, 2]), rng.standard_normal((3, 128)))
    assert index.legacy_engines == ("dlib",) and index.lacking_primary() == 2
    index.add("sface", np.array([1]), rng.standard_normal((1, 128)))  # citizen 1 upgraded
    assert index.engine_of(1) == "sface" and 1 not in index.matchers["dlib"] and index.lacking_primary() == 1
    index.add("dlib", np.array([1]), rng.standard_normal((1, 128)))  # an old template arriving later is not indexed
    assert 1 not in index.matchers["dlib"]
    index.add("arcface", np.array([3]), rng.standard_normal((1, 128)))  # an engine this release does not know
    assert index.engine_of(3) is None
    index.remove(2)
    assert index.legacy_engines == () and index.engine_of(2) is None
