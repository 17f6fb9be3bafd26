"""One counter app per user and database: a second start brings the first window forward.

Two windows on one database would each run the camera, the recognition process and the
background sync, and a clerk would not know which one the citizen's screen belongs to. The
first app listens on a local socket (a named pipe on Windows) named after the user and the
database file; a second start connects to it, asks it to come forward, and ends.
"""

from __future__ import annotations

import getpass
import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

WAIT_MS = 500
"""How long a second start waits for the first app to answer (milliseconds)."""


def instance_key(db_path: Path) -> str:
    """The socket's name for this user and database (no path in it: names are short on some systems)."""
    who = f"{getpass.getuser()}|{db_path.resolve()}".encode("utf-8", "replace")
    return "cccd-kiosk-" + hashlib.sha256(who).hexdigest()[:16]


class SingleInstance(QObject):
    """Claims the app's place for ``key``; :attr:`raised` fires when a later start asks this one forward."""

    raised = Signal()

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.server: QLocalServer | None = None

    def claim(self) -> bool:
        """True: this is the first app (it now listens); False: another one answered and was asked forward."""
        other = QLocalSocket()
        other.connectToServer(self.key)
        if other.waitForConnected(WAIT_MS):
            other.write(b"raise\n")
            other.waitForBytesWritten(WAIT_MS)
            other.disconnectFromServer()
            return False
        QLocalServer.removeServer(self.key)  # what a crashed app left behind (a socket file on Unix)
        self.server = QLocalServer(self)
        self.server.listen(self.key)
        self.server.newConnection.connect(self._asked)
        return True

    def _asked(self) -> None:
        assert self.server is not None
        while self.server.hasPendingConnections():
            connection = self.server.nextPendingConnection()
            connection.disconnected.connect(connection.deleteLater)
            self.raised.emit()

    def release(self) -> None:
        """Stop listening (the app is closing)."""
        if self.server is not None:
            self.server.close()
            self.server = None
