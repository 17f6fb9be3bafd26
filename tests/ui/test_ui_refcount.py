"""The Qt binding must not leak references to None, True or False (issue 10: the window died after ~100 s).

PySide6-Essentials 6.12.0 on Python 3.11 lowered ``sys.getrefcount(None)`` by one per call
of every method that returns nothing (``QPainter.fillRect``, ``QLabel.setText``,
``QWidget.repaint``...) and ``sys.getrefcount(True)`` per signal emission; the count reached
zero and the process aborted with "none_dealloc". pyproject pins ``<6.12``; these tests
make an upgrade that brings the bug back fail the suite: the real widgets, painted with a
real camera frame, and every binding the counter calls per frame, a few thousand times each.
Figures per binding: ``python -m ui.refcount``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ctypes
import gc
import sys

import pytest

from ui.refcount import none_drift, probes
from ui.testing import frame

CALLS = 2000
LIMIT = 50
"""Largest tolerated move of a count over CALLS calls: noise (a cache entry, a frame object) is a few
references; a per-call leak is CALLS (the checker stops early at a few hundred)."""


@pytest.fixture(scope="module")
def found(qapp):
    made = probes(frame("frames/london_005/visit_2.jpg"))
    yield made
    made.clear()


ATTEMPTS = 3
"""A probe that moved a count too far is measured again: a leaking binding loses references on every
call, every time; another thread of the test session (a window's worker finishing) moves the shared
counts only now and then."""


def measured(fn, name: str) -> list:
    """Up to ATTEMPTS measurements of one probe, stopping at the first flat one."""
    drifts = []
    for _ in range(ATTEMPTS):
        drifts.append(none_drift(fn, CALLS, name=name))
        if abs(drifts[-1].change) < LIMIT:
            break
    return drifts


@pytest.mark.slow
def test_widgets_and_per_frame_bindings_leave_none_true_and_false_counts_flat(found):
    names = [name for name in found if not name.startswith("_")]
    assert len(names) >= 20 and any("preview paint" in n for n in names) and any("QPainter" in n for n in names)
    results = {name: measured(found[name], name) for name in names}
    leaks = [
        f"{name}: " + ", ".join(f"{d.which} {d.change:+d} over {d.calls} calls" for d in drifts)
        for name, drifts in results.items()
        if all(abs(d.change) >= LIMIT for d in drifts)
    ]
    assert not leaks, "a Qt binding leaks references (see docs: PySide6 6.12.0, none_dealloc):\n" + "\n".join(leaks)


def test_the_checker_catches_a_binding_that_decrefs_none_once_too_often():
    decref = ctypes.pythonapi.Py_DecRef
    decref.argtypes = [ctypes.py_object]
    decref.restype = None
    gc.collect()
    before = sys.getrefcount(None)
    drift = none_drift(lambda: decref(None), CALLS, name="leaky")
    assert drift.which == "None" and drift.change <= -400 and drift.per_call == pytest.approx(-1.0, abs=0.05)
    assert drift.calls < CALLS  # stopped early, before None's count could reach zero
    assert abs(sys.getrefcount(None) - before) < LIMIT  # and repaid what was lost: the session goes on
    flat = none_drift(lambda: None, CALLS, name="flat")
    assert abs(flat.change) < LIMIT and flat.calls == CALLS
