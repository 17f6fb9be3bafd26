"""What the app's recognition thread does per frame (kiosk/counter/watch.py), without Qt: agreement over frames,
holding an outcome until the face leaves, cards in view, capture samples, and the analyzer process."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kiosk.counter.watch import AnalyzerProcess, FrameScan, FrameWatcher, LocalAnalyzer, Mode
from models import Candidate, Decision
from recognition.analyzer import FrameFaces
from tests.support.data import CARDS, FACES, FRAMES, analyzed
from ui.testing import frame, shared_analyzer

BLANK = np.zeros((480, 640, 3), np.uint8)


class Scripted:
    """An analyzer that returns prepared scans in order (the real dlib analyses of sample frames)."""

    def __init__(self, scans):
        self.scans = list(scans)
        self.asked = []

    def scan(self, frame, *, qr, face, thorough=False, also=()):
        self.asked.append((qr, face, thorough))
        return self.scans.pop(0)

    def close(self):
        pass


def faces(path) -> FrameScan:
    return FrameScan(faces=analyzed(path))


NOBODY = FrameScan(faces=FrameFaces((), None))


def test_a_face_is_decided_only_after_agreeing_frames(enrolled):
    visit = FRAMES / "london_005" / "visit_2.jpg"
    watcher = FrameWatcher(
        enrolled, Scripted([faces(visit), faces(visit), NOBODY, faces(visit), faces(visit), faces(visit)])
    )
    assert enrolled.settings.agreement_frames == 3
    results = [watcher.process(BLANK, Mode.WATCH) for _ in range(6)]
    assert [r.decided is not None for r in results] == [False, False, False, False, False, True]
    check = results[-1].decided
    assert check.decision is Decision.MATCH and check.citizen.full_name == "Lê Anh Sơn"
    assert results[0].boxes and results[2].boxes == ()


def test_a_held_outcome_waits_until_the_face_leaves(enrolled):
    visit = FRAMES / "london_005" / "visit_2.jpg"
    watcher = FrameWatcher(enrolled, Scripted([faces(visit)] * 6 + [NOBODY] + [faces(visit)] * 3))
    first = [watcher.process(BLANK, Mode.WATCH) for _ in range(3)][-1].decided
    watcher.hold(first)
    assert watcher.holding
    again = [watcher.process(BLANK, Mode.WATCH) for _ in range(3)]
    assert all(r.decided is None for r in again)  # still in front: not again
    assert again[-1].held is not None and again[-1].held.citizen == first.citizen  # the screen can say why
    watcher.process(BLANK, Mode.WATCH)  # the citizen left
    assert not watcher.holding
    assert [watcher.process(BLANK, Mode.WATCH).decided is not None for _ in range(3)] == [False, False, True]


def test_a_card_in_view_wins_over_the_face_and_other_qr_codes_are_named(enrolled):
    from recognition.qr import read_qr_file

    payload = read_qr_file(CARDS / "london_043.jpg")[0].data
    watcher = FrameWatcher(
        enrolled, Scripted([FrameScan(qr=(b"https://example.org", payload)), FrameScan(qr=(b"WIFI:S:x;;",))])
    )
    result = watcher.process(BLANK, Mode.WATCH)
    assert result.card.record.full_name == "Trần Văn Đức" and result.decided is None
    result = watcher.process(BLANK, Mode.CARD)
    assert result.card is None and "not a CCCD card" in result.card_error.message


def test_card_mode_reads_only_qr_and_tries_the_thorough_chain_every_few_frames(enrolled):
    analyzer = Scripted([FrameScan()] * 8)
    watcher = FrameWatcher(enrolled, analyzer)
    for _ in range(8):
        watcher.process(BLANK, Mode.CARD)
    assert all(qr and not face for qr, face, _ in analyzer.asked)
    assert [thorough for *_, thorough in analyzer.asked] == [False, False, False, True] * 2


def test_capture_mode_reports_the_assessed_face_and_paused_does_nothing(enrolled):
    turned = FRAMES / "london_045" / "enrol_bad_3_0.jpg"
    watcher = FrameWatcher(enrolled, Scripted([faces(turned)]))
    sample = watcher.process(BLANK, Mode.CAPTURE).sample
    assert sample is not None and not sample.passes and sample.issues[0].message_vi == "nhìn thẳng vào camera"
    assert watcher.process(BLANK, Mode.PAUSED) is None


def test_guard_mode_identifies_every_frame_alone_without_agreement_or_hold(enrolled):
    from recognition.qr import read_qr_file

    son, lisa = FRAMES / "london_005" / "visit_2.jpg", FRAMES / "lisa" / "visit_2.jpg"
    payload = read_qr_file(CARDS / "london_099.jpg")[0].data
    watcher = FrameWatcher(enrolled, Scripted([faces(son), faces(lisa), NOBODY, FrameScan(qr=(payload,))]))
    watcher.hold_citizen(1)
    results = [watcher.process(BLANK, Mode.GUARD) for _ in range(4)]
    assert watcher.holding  # a guard frame neither decides nor lifts a hold
    assert [r.seen.citizen.full_name if r.seen else None for r in results] == [
        "Lê Anh Sơn",
        "Đặng Thị Phượng",
        None,
        None,
    ]
    assert all(r.decided is None for r in results) and results[0].boxes and results[2].boxes == ()
    assert results[3].card.record.full_name == "Phạm Thị Hương"


@pytest.mark.slow
def test_the_analyzer_process_gives_what_the_in_process_analysis_gives(settings):
    shown = frame("frames/london_005/visit_2.jpg")
    remote = shared_analyzer().scan(shown, qr=True, face=True)
    local = LocalAnalyzer(settings).scan(shown, qr=True, face=True)
    assert remote.qr == () and remote.faces.boxes == local.faces.boxes
    assert np.allclose(remote.faces.primary.embedding, local.faces.primary.embedding, atol=1e-5)
    card = shared_analyzer().scan(frame("cards/lisa.jpg"), qr=True, face=True)
    assert card.qr and card.faces is None  # a card in view: no face work for that frame


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGKILL"), reason="kills the child with SIGKILL")
def test_a_dead_analyzer_process_is_a_named_error_and_comes_back(settings):
    import os
    import signal

    from kiosk.counter.watch import AnalyzerError

    process = AnalyzerProcess(settings)
    try:
        process.start()
        for pid in list(process._pool._processes):
            os.kill(pid, signal.SIGKILL)
        with pytest.raises(AnalyzerError, match="stopped"):
            process.scan(BLANK, qr=True, face=False)
        assert process.scan(frame("cards/lisa.jpg"), qr=True, face=False).qr  # a new child
    finally:
        process.close()


# --- codes seen but not read (issue 11) ---------------------------------------------------------

SQUARE = np.float32([[100, 100], [200, 100], [200, 200], [100, 200]])


def located(module_px: float, glare: float):
    from recognition.qr_locate import Located

    return Located(SQUARE, "zxing", module_px, glare)


@pytest.mark.parametrize(
    ("module_px", "glare", "hint"),
    [(2.2, 0.0, "closer"), (3.5, 0.1, "glare"), (2.2, 0.1, "glare"), (3.5, 0.0, "steady")],
)
def test_a_code_seen_but_not_read_is_outlined_with_what_would_help(enrolled, module_px, glare, hint):
    from kiosk.counter.watch import CardHint

    watcher = FrameWatcher(
        enrolled, Scripted([FrameScan(located=(located(module_px, glare),), faces=FrameFaces((), None))] * 2)
    )
    for mode in (Mode.WATCH, Mode.CARD):
        result = watcher.process(BLANK, mode)
        assert result.hint is CardHint(hint) and result.code == (
            (100.0, 100.0),
            (200.0, 100.0),
            (200.0, 200.0),
            (100.0, 200.0),
        )
        assert result.card is None and result.decided is None


def test_the_slow_try_in_card_mode_runs_on_the_most_promising_recent_frame(enrolled):
    frames = [np.full((480, 640, 3), i, np.uint8) for i in range(8)]
    promise = {0: located(2.5, 0.0), 1: located(3.8, 0.0), 2: located(3.8, 0.2), 4: located(2.5, 0.0)}  # 0 and 4 tie

    class Remembers(Scripted):
        def scan(self, frame, *, qr, face, thorough=False, also=()):
            self.asked.append((int(frame[0, 0, 0]), thorough))
            code = promise.get(int(frame[0, 0, 0]))
            return FrameScan(located=(code,) if code is not None else ())

    analyzer = Remembers([])
    watcher = FrameWatcher(enrolled, analyzer)
    for shown in frames:
        watcher.process(shown, Mode.CARD)
    # frame 3 is a slow try: on frame 1 (3.8 px per module, no glare), not on the frame in view;
    # frame 7 on the best of those left (frame 1 had its try): frame 0 or 4, which tie
    assert analyzer.asked[3] == (1, True) and analyzer.asked[7] in ((0, True), (4, True))
    assert [seen for seen, thorough in analyzer.asked if not thorough] == [0, 1, 2, 4, 5, 6]


def test_card_mode_reads_a_card_photo_the_fast_path_cannot(settings):
    from kiosk.counter.watch import read_codes
    from recognition.qr import decode_qr
    from tests.support.card_photos import card_photo, random_conditions

    photo = card_photo(random_conditions(30, frame="640x480", module_px=2.4, glare=0.85, blur=0.8, motion=0.0))
    want = photo.payload.encode("utf-8")
    assert decode_qr(photo.frame, thorough=False) == []  # the fast path cannot
    assert read_codes(photo.frame, search=True) == ((want,), ())
    scan = LocalAnalyzer(settings).scan(photo.frame, qr=True, face=False)
    assert scan.qr == (want,) and scan.faces is None


def test_agreeing_frames_fused_can_spare_the_keypad_but_never_name_someone_else(enrolled):
    """Three frames of Đức that each ask for the keypad (0.30-0.33 from his template alone)
    are, fused, his automatic match (0.275); a fused match of anyone the agreeing frames did
    not offer is not taken."""
    turned = [FRAMES / "london_043" / "visit_4.jpg", FACES / "london_043" / "3.jpg", FACES / "london_043" / "4.jpg"]
    alone = [enrolled.identify_sample(analyzed(p).primary) for p in turned]
    assert [c.decision for c in alone] == [Decision.CONFIRM] * 3
    watcher = FrameWatcher(enrolled, Scripted([faces(p) for p in turned]))
    decided = [watcher.process(BLANK, Mode.WATCH) for _ in turned][-1].decided
    assert decided.decision is Decision.MATCH and decided.citizen.full_name == "Trần Văn Đức"
    assert decided.distance < min(c.distance for c in alone) and len(decided.samples) == 3
    frames = [analyzed(p).primary for p in turned]
    offered_other = replace(alone[-1], _match=replace(alone[-1]._match, candidates=(Candidate(999, 0.3, "sface"),)))
    assert enrolled.identify_frames(frames, offered_other) is offered_other  # never a citizen the frames did not offer
    assert enrolled.identify_frames(frames[:1], alone[-1]) is alone[-1]  # one frame: nothing to fuse
