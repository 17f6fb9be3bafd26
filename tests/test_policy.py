"""The auto / confirm / unknown policy and the keypad resolution."""

from __future__ import annotations

from models import Candidate, Decision
from recognition.policy import PolicyConfig, decide, resolve_confirm

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
