"""The soak's scenes: each plays one counter flow on the demo's window through the keys,
buttons and the scripted camera a clerk and a citizen would use (see :mod:`ui.soak`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

STEP_TIMEOUT_S = 30.0
"""Longest wait for a screen a scene expects (seconds); longer is a failure, and the soak moves on."""


class SceneFailed(Exception):
    """A scene did not reach the screen it expected in time, or saw something it should not have."""


class Soak:
    """Drives one demo window through the flows (see :mod:`ui.soak`)."""

    def __init__(self, demo: Any, set_dir: Path, report: Any) -> None:
        """``report``: a :class:`ui.soak.SoakReport` the scenes count their flows and errors in."""
        from kiosk.counter.camera import LIVE_FIRST_VISIT
        from kiosk.measure.replay import load_manifest

        self.demo, self.window, self.counter, self.report = demo, demo.window, demo.window.counter, report
        steps = load_manifest(set_dir)[1]
        live = f"/{LIVE_FIRST_VISIT}/"
        self.visits = [
            (s["face"], s.get("keypad", ""))
            for s in steps
            if s["action"] == "visit" and s["expect"] == "match" and live not in f"/{s['face']}"
        ]
        self.strangers = [
            (s["face"], s.get("keypad", "0000"))
            for s in steps
            if s["action"] == "visit" and s["expect"] == "unknown" and "strangers/" in s["face"]
        ]
        self.known_cards = [s["card"] for s in steps if s["action"] == "card" and s["expect"] == "known"]
        self.enrol_card = f"cards/{LIVE_FIRST_VISIT}.jpg"
        self.enrol_faces = [f"frames/{LIVE_FIRST_VISIT}/enrol_{k}.jpg" for k in (1, 2, 3)]
        self.turned = [face for face, _ in self.visits if face.endswith("visit_4.jpg")]
        self.cycle = 0
        self.step_timeout_s = STEP_TIMEOUT_S
        """Longest wait for a screen when a scene names none (seconds)."""
        self.cleared: list[str] = []
        self.counter.screen_cleared.connect(self.cleared.append)
        self.logged: list[int] = []  # visit ids, as the counter reports them
        self.counter.visit_logged.connect(self.logged.append)
        self.done: list[int] = []
        self.counter.visit_done.connect(self.done.append)
        self.rated: list[tuple[int, Any]] = []  # (visit id, Rating) recorded
        self.counter.visit_rated.connect(self.rated.append)

    # -- helpers ---------------------------------------------------------------------------
    def show(self, *names: str) -> None:
        """Hold these sample-set images up to the (scripted) camera."""
        from ui.testing import frame

        self.demo.source.show([frame(name) for name in names])

    def until(self, what: str, predicate: Callable[[], bool], timeout_s: float | None = None) -> None:
        """Run the window until ``predicate()`` holds. Raises SceneFailed after ``timeout_s`` (seconds;
        None: ``step_timeout_s``)."""
        from ui.testing import wait_until

        if timeout_s is None:
            timeout_s = self.step_timeout_s
        try:
            wait_until(predicate, timeout_s)
        except TimeoutError:
            raise SceneFailed(
                f"cycle {self.cycle}: {what}: not reached within {timeout_s:.0f} s (screen: {self.counter.state.value})"
            ) from None

    def key(self, key: Any, text: str = "") -> None:
        """A key press on the counter screen."""
        from ui.testing import press

        press(self.counter, key, text=text)

    def state(self, *states: str) -> Callable[[], bool]:
        """A predicate: the counter shows one of these screens."""
        return lambda: self.counter.state.value in states

    def empty_counter(self) -> None:
        """Nobody in front of the camera; wait until the watcher forgets the last face."""
        self.show("frames/empty_counter.jpg")
        self.until(
            "idle, the last face forgotten",
            lambda: self.counter.state.value == "idle" and not self.window.watcher.holding,
        )

    def recover(self) -> None:
        """After a failed scene: back to an idle counter."""
        receipt = getattr(self.counter, "receipt_dialog", None)
        if receipt is not None:
            receipt.close()
        if self.window.pages.currentWidget() is self.window.admin:
            self.window.admin.close_admin()
        self.counter.go_idle()
        try:
            self.empty_counter()
        except SceneFailed as exc:
            self.report.errors.append(str(exc))

    # -- the scenes ------------------------------------------------------------------------
    def visit(self, face: str, digits: str, *, in_english: bool = False) -> None:
        """A known face: recognised (or the keypad: a wrong code, then the right one), checked in."""
        from PySide6.QtCore import Qt

        from ui.i18n import set_language

        if in_english:
            set_language("en")
            self.report.flows["language"] += 1
        self.show(face)
        self.until(f"{face} decided", self.state("match", "keypad", "ask_card"))
        keypad = self.counter.state.value == "keypad"
        if keypad:  # the citizen knows the last digits of their ID: they type as many as are asked for
            wrong = "".join(str((int(d) + 1) % 10) for d in digits[-self.counter.keypad.digits :])
            for digit in wrong:
                self.counter.keypad.keys[digit].click()
            self.until("keypad miss", lambda: self.counter.keypad.missed or self.counter.state.value != "keypad")
            self.report.flows["keypad_wrong"] += 1
            for digit in digits[-self.counter.keypad.digits :]:
                self.counter.keypad.keys[digit].click()
            self.until("keypad fits", self.state("match"))
            self.report.flows["keypad_right"] += 1
        if self.counter.state.value == "ask_card":
            self.report.flows["face_not_recognised"] += 1
            self.key(Qt.Key.Key_Escape)
        else:
            self.key(Qt.Key.Key_Return)
            self.until("visit logged", self.state("idle"))
            self.report.flows["checked_in_by_keypad" if keypad else "recognised"] += 1
        if in_english:
            set_language("vi")
        self.empty_counter()

    def stranger(self, face: str, digits: str) -> None:
        """A face nobody enrolled: the card is asked for at once, or after three keypad codes that fit nobody; Esc."""
        from PySide6.QtCore import Qt

        self.show(face)
        self.until(f"{face} decided", self.state("ask_card", "keypad"))
        for attempt in range(3):
            if self.counter.state.value != "keypad":
                break
            left = self.counter.keypad.attempts_left
            for digit in digits[-self.counter.keypad.digits :]:
                self.counter.keypad.keys[digit].click()

            def missed(n: int = left) -> bool:
                return bool(self.counter.keypad.attempts_left < n or self.counter.state.value != "keypad")

            self.until(f"keypad miss {attempt + 1}", missed)
            self.report.flows["keypad_wrong"] += 1
        self.until(f"{face}: ask for the card", self.state("ask_card"))
        self.key(Qt.Key.Key_Escape)
        self.report.flows["unknown"] += 1
        self.empty_counter()

    def known_card(self, card: str) -> None:
        """A known citizen's card read by the camera, checked in with Enter."""
        from PySide6.QtCore import Qt

        self.show(card)
        self.until(f"{card} read", self.state("card"))
        self.key(Qt.Key.Key_Return)
        self.until("card check-in", self.state("idle"))
        self.report.flows["card"] += 1
        self.empty_counter()

    def first_visit(self) -> None:
        """Card, consent, guided capture, saved, receipt; the citizen is purged afterwards (off the UI thread)."""
        from PySide6.QtCore import Qt

        self.show(self.enrol_card)
        self.until("new card read", lambda: self.counter.state.value == "card" and not self.counter.card_known)
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Space, Qt.Key.Key_Return):
            self.key(key, " " if key == Qt.Key.Key_Space else "")
        self.until("capture", self.state("capture"))
        self.show(*self.enrol_faces)
        self.until("saved", self.state("saved"), 60)
        self.key(Qt.Key.Key_P, "p")
        receipt = getattr(self.counter, "receipt_dialog", None)
        if receipt is not None:
            self.until("receipt shown", receipt.isVisible, 5)
            receipt.close()
        self.key(Qt.Key.Key_Return)
        self.report.flows["enrol"] += 1
        record = self.counter.enrolment.result.record if self.counter.enrolment.result else None
        self.empty_counter()  # the citizen leaves first: purged while still in view, their face would be a stranger's
        if record is not None:
            self._purge(record.id_number)

    def _purge(self, id_number: str) -> None:
        from ui.app import DEMO_PIN

        kiosk = self.window.kiosk
        done: list[object] = []

        def failed(error: BaseException) -> None:
            self.report.errors.append(f"purge failed: {error}")
            done.append(None)

        self.window.tasks.run(
            lambda: kiosk.login_admin(DEMO_PIN, actor="soak").purge(id_number, reason="soak"), done.append, failed
        )
        self.until("purged", lambda: bool(done))

    def administration(self) -> None:
        """F12, the PIN, every tab, Esc back to the counter."""
        from PySide6.QtCore import Qt

        from ui.app import DEMO_PIN

        admin = self.window.admin
        self.key(Qt.Key.Key_F12)
        self.until("PIN screen", lambda: self.window.pages.currentWidget() is admin)
        admin.pin_view.pin.setText(DEMO_PIN)
        admin.pin_view.submit()
        self.until("logged in", lambda: admin.admin is not None)
        for index in range(admin.tabs.count()):
            admin.tabs.setCurrentIndex(index)
            self.until(f"tab {index}", lambda: not self.window.tasks.busy, 15)
        admin.close_admin()
        self.until(
            "back at the counter",
            lambda: self.window.pages.currentWidget() is self.counter and self.counter.state.value == "idle",
        )
        self.report.flows["admin"] += 1
        self.window.banner.clear()

    def face_leaves(self, face: str) -> None:
        """Recognised, then nobody: the screen clears itself after privacy_clear_s."""
        self.cleared.clear()
        self.show(face)
        self.until(f"{face} recognised", self.state("match", "keypad"))
        self.show("frames/empty_counter.jpg")
        limit = self.window.kiosk.settings.privacy_clear_s
        self.until("screen cleared after the face left", lambda: "face_gone" in self.cleared, limit + 15)
        self.report.flows["privacy_face_gone"] += 1
        self.empty_counter()

    def another_face(self, first: str, second: str) -> None:
        """Recognised, then someone else steps in: the screen is cleared at once, the new face decided afresh."""
        from PySide6.QtCore import Qt

        self.cleared.clear()
        self.show(first)
        self.until(f"{first} recognised", self.state("match", "keypad"))
        self.show(second)
        self.until("screen cleared for another face", lambda: "other_face" in self.cleared)
        self.until(f"{second} decided", self.state("match", "keypad", "ask_card"))
        self.key(Qt.Key.Key_Escape)  # "not me" / the card instead
        if self.counter.state.value != "idle":
            self.key(Qt.Key.Key_Escape)
        self.report.flows["privacy_other_face"] += 1
        self.empty_counter()

    def done_and_rated(self, card: str, answer: int, *, keys: bool) -> None:
        """A visit logged by card, then the clerk's "Xong" and the satisfaction question over the window,
        answered: ``answer`` (0-3, left to right) by its key 1-4 after F8 (``keys``), else by a tap on
        its face after the "Xong" button. The answer must come back recorded on that visit."""
        from PySide6.QtCore import Qt

        from ui.rating import ANSWERS

        visit_id = self._visit_by_card(card)
        self._xong(visit_id, keys=keys)
        rating = ANSWERS[answer]
        if keys:
            self.key((Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4)[answer], str(answer + 1))
        else:
            self.counter.rating.panel.buttons[rating].click()
        self.until(f"answer {rating.value} recorded on visit {visit_id}", lambda: (visit_id, rating) in self.rated)
        self.until("the question put away after the thanks", lambda: not self.counter.rating.visible, 10)
        self.report.flows["rated"] += 1
        self.empty_counter()

    def done_unanswered(self, card: str, *, keys: bool) -> None:
        """A visit logged by card, "Xong" (F8 with ``keys``, else the button), nobody answers: the question
        goes away after ``rating_timeout_s`` and nothing is recorded."""
        visit_id = self._visit_by_card(card)
        self._xong(visit_id, keys=keys)
        limit = self.window.kiosk.settings.rating_timeout_s
        self.until("the unanswered question gone", lambda: not self.counter.rating.visible, limit + 15)
        if any(rated == visit_id for rated, _rating in self.rated):
            raise SceneFailed(f"cycle {self.cycle}: an answer was recorded on visit {visit_id}, nobody gave one")
        self.report.flows["rating_unanswered"] += 1
        self.empty_counter()

    def _visit_by_card(self, card: str) -> int:
        """A known citizen's card read, put away, the visit logged with Enter; returns its id."""
        from PySide6.QtCore import Qt

        self.logged.clear()
        self.show(card)
        self.until(f"{card} read", self.state("card"))
        self.show("frames/empty_counter.jpg")  # the citizen takes the card back
        self.key(Qt.Key.Key_Return)
        self.until("card check-in logged", lambda: bool(self.logged))
        if not self.logged[-1]:
            raise SceneFailed(f"cycle {self.cycle}: the card check-in logged no visit id")
        return self.logged[-1]

    def _xong(self, visit_id: int, *, keys: bool) -> None:
        """The clerk's "Xong" for ``visit_id`` (F8 with ``keys``, else the button): marked done, the question up."""
        from PySide6.QtCore import Qt

        idle = self.counter.idle
        self.until(
            f"'Xong' offered for visit {visit_id}",
            lambda: idle.serving_visit == visit_id and idle.done_button.isVisibleTo(self.counter),
        )
        self.done.clear()
        self.rated.clear()
        if keys:
            self.key(Qt.Key.Key_F8)
        else:
            idle.done_button.click()
        self.until(f"visit {visit_id} done", lambda: visit_id in self.done)
        self.until("the satisfaction question shown", lambda: self.counter.rating.visible)
        self.report.flows["visit_done"] += 1

    def scenes(self) -> list[tuple[str, Callable[[], None]]]:
        """One cycle's scenes, varied by cycle number."""
        c = self.cycle
        visit, other = self.visits[c % len(self.visits)], self.visits[(c + 7) % len(self.visits)]
        turned = self.turned[c % len(self.turned)]
        keypad_digits = dict(self.visits)[turned]
        cards = self.known_cards
        served, unanswered = cards[(c + 1) % len(cards)], cards[(c + 2) % len(cards)]
        return [
            ("first visit", self.first_visit),
            ("recognised, in English", lambda: self.visit(*visit, in_english=c % 2 == 0)),
            ("keypad", lambda: self.visit(turned, keypad_digits)),
            ("stranger", lambda: self.stranger(*self.strangers[c % len(self.strangers)])),
            ("known card", lambda: self.known_card(self.known_cards[c % len(self.known_cards)])),
            ("done, rated", lambda: self.done_and_rated(served, c // 2 % 4, keys=c % 2 == 0)),
            ("done, no answer", lambda: self.done_unanswered(unanswered, keys=c % 2 == 1)),
            ("administration", self.administration),
            ("face leaves", lambda: self.face_leaves(other[0])),
            ("another face", lambda: self.another_face(visit[0], other[0])),
        ]
