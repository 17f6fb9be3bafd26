"""A decision needs several agreeing consecutive frames."""

from __future__ import annotations

import pytest

from models import Candidate, Decision, Match
from recognition.agreement import FrameVoter


def match(cid: int) -> Match:
    return Match(Decision.MATCH, cid, (Candidate(cid, 0.3),), 0.3, 0.2)


def confirm(*cids: int) -> Match:
    return Match(Decision.CONFIRM, None, tuple(Candidate(c, 0.5) for c in cids), 0.5, 0.01)


def test_three_agreeing_frames_are_needed():
    voter = FrameVoter(3)
    assert voter.feed(match(1)) is None
    assert voter.feed(match(1)) is None
    assert voter.feed(match(1)) == match(1)


def test_a_different_citizen_in_between_breaks_the_run():
    voter = FrameVoter(3)
    results = [voter.feed(m) for m in (match(1), match(1), match(2), match(1), match(1))]
    assert results == [None] * 5
    assert voter.feed(match(1)) == match(1)


def test_no_face_resets_and_confirm_sets_must_agree():
    voter = FrameVoter(2)
    assert voter.feed(match(1)) is None
    assert voter.feed(None) is None
    assert voter.feed(match(1)) is None
    assert voter.feed(confirm(1, 2)) is None
    assert voter.feed(confirm(2, 1)) == confirm(2, 1)


def test_one_frame_setting_and_bad_setting():
    assert FrameVoter(1).feed(match(4)) == match(4)
    with pytest.raises(ValueError):
        FrameVoter(0)
