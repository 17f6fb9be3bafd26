"""The ``kiosk`` command: the top layer. It may call every room of ``kiosk/`` and launch the
window in ``ui/``; nothing imports it."""
