"""The desktop counter app (PySide6): preview, citizen form, keypad, consent, capture, administration.

Talks only to ``kiosk`` services and ``models`` data; never to ``recognition`` directly
(tests/test_layering.py). Start it with ``kiosk`` / ``kiosk app`` or ``python -m ui``.
"""
