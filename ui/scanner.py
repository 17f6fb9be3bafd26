"""USB QR scanners: keyboard-wedge (types the payload, then Enter) and serial / USB-CDC ports.

A wedge scanner types much faster than a person (a few ms per key). The filter watches
the key presses of the counter screen (installed on it, so each key is seen once):
characters less than :data:`BURST_GAP_S` apart form a burst; a burst that ends with
Enter and looks like a CCCD payload (``|`` separators) is reported by
:attr:`WedgeScanner.scanned` and never reaches the screen. Keys of a burst that turns out
not to be a scan are handed back. The administration area's text fields are not watched.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QKeyEvent

from models import KioskError

BURST_GAP_S = 0.05
MIN_PAYLOAD_CHARS = 20


class WedgeScanner(QObject):
    """Event filter (on the counter screen) that turns keyboard-wedge bursts into :attr:`scanned` payloads."""

    scanned = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.buffer = ""
        self._held: list[tuple[QObject, QKeyEvent]] = []
        self._last = 0.0
        self._replaying = False
        self._flush = QTimer(self)
        self._flush.setSingleShot(True)
        self._flush.timeout.connect(self._give_back)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or self._replaying or not isinstance(event, QKeyEvent):
            return False
        now = time.monotonic()
        text = event.text()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            payload, bursty = self.buffer, now - self._last < 4 * BURST_GAP_S
            if bursty and len(payload) >= MIN_PAYLOAD_CHARS and "|" in payload:
                self._reset()
                self.scanned.emit(payload)
                return True
            self._give_back()
            return False
        if not text or not text.isprintable():
            return False
        if now - self._last > BURST_GAP_S:
            self._give_back()
            self.buffer = text
            self._last = now
            return False  # a first key goes through: a person may be typing
        self.buffer += text
        self._last = now
        self._held.append((watched, QKeyEvent(event.type(), event.key(), event.modifiers(), text)))
        self._flush.start(int(4 * BURST_GAP_S * 1000))
        return True

    def _reset(self) -> None:
        self.buffer, self._held = "", []
        self._flush.stop()

    def _give_back(self) -> None:
        """Deliver the keys held during a burst that was not a scan."""
        held = self._held
        self._reset()
        self._replaying = True
        try:
            for target, key in held:
                QCoreApplication.sendEvent(target, key)
        finally:
            self._replaying = False


class _Port(Protocol):
    """What the scanner reads of a pyserial port: up to ``size`` bytes (fewer on its timeout)."""

    def read(self, size: int) -> bytes: ...


class SerialScanner(QThread):
    """Reads lines from a scanner's serial port (pyserial); reconnects every few seconds."""

    scanned = Signal(bytes)
    opened = Signal(str)
    failed = Signal(object)  # KioskError, once per outage

    def __init__(self, port: str, baudrate: int = 9600) -> None:
        super().__init__()
        self.port, self.baudrate = port, baudrate
        self._stop = threading.Event()

    def run(self) -> None:
        import serial

        reported = False
        while not self._stop.is_set():
            try:
                with serial.Serial(self.port, self.baudrate, timeout=0.2) as link:
                    reported = False
                    self.opened.emit(self.port)
                    self._read(link)
            except (serial.SerialException, OSError) as exc:
                if not reported:
                    self.failed.emit(
                        KioskError(
                            f"QR scanner port {self.port} is not available: {exc}",
                            "plug the scanner in, or fix qr_serial_port in the settings",
                        )
                    )
                    reported = True
                self._stop.wait(5.0)

    def _read(self, link: _Port) -> None:
        line = bytearray()
        while not self._stop.is_set():
            chunk = link.read(256)
            for byte in chunk:
                if byte in (10, 13):
                    if line.strip():
                        self.scanned.emit(bytes(line))
                    line.clear()
                else:
                    line.append(byte)

    def stop(self, wait_ms: int = 2000) -> bool:
        """End the thread."""
        self._stop.set()
        return self.wait(wait_ms)
