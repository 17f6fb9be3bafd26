"""The counter's application layer, in rooms (each imports only the rooms listed after it):

- ``cli/``: the ``kiosk`` command, the top layer; it may launch the window in ``ui/``.
- ``measure/``: accuracy evaluation, calibration, benchmarks, replay of image sets.
- ``counter/``: the counter service (check-in, enrolment, purge, admin session), the frame
  watcher, the screen guard, consent text and receipt.
- ``province/``: the shared PostgreSQL registry and the counter's sync with it.
- ``cccd/``: the chip ID card's record: QR parsing, provinces, reading a card from a frame.
- ``store/``: the counter's SQLite file: every SQL statement, schema and migrations,
  encryption, audit log, admin PINs, key rotation.
- ``settings.py``, ``errors.py``, ``words.py``, ``timefmt.py``: shared by all rooms.
"""
