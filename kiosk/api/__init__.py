"""The counter's local HTTP API: who is at the counter, their events, and "visit done".

For the province's case-handling web application in the clerk's browser (docs/API.md):
``app`` builds the Starlette application, ``server`` runs it with uvicorn on its own
thread and event loop, ``fields`` says how a record and an event are written (the same
names as ``kiosk qr --json``), ``openapi`` describes it. Reads :class:`kiosk.counter.desk.Desk`.
"""
