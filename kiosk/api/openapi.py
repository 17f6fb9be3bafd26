"""The OpenAPI 3.1 document of the local API (served at ``/v1/openapi.json``; docs/API.md explains it)."""

from __future__ import annotations

from typing import Any

from kiosk.counter.desk import Kind

__all__ = ["KEEPALIVE_S", "MAX_VISIT_ID", "openapi_document"]

_CITIZEN = {
    "type": "object",
    "description": "The CCCD record, with the names `kiosk qr --json` uses. Never a face template or an image.",
    "properties": {
        "id_number": {"type": "string", "description": "12-digit CCCD number"},
        "old_id_number": {
            "type": ["string", "null"],
            "description": "the old CMND number as read from the card (9 or 12 digits expected; anything else "
            "is kept as read, with a warning to the clerk), or empty",
        },
        "full_name": {"type": "string"},
        "date_of_birth": {"type": "string", "format": "date"},
        "gender": {"type": "string", "description": "as printed on the card: Nam / Nữ"},
        "address": {"type": "string", "description": "place of residence"},
        "issue_date": {"type": ["string", "null"], "format": "date"},
        "extra": {"type": "array", "items": {"type": "string"}, "description": "trailing fields of newer cards"},
    },
    "required": ["id_number", "full_name", "date_of_birth", "gender", "address"],
}

_CURRENT = {
    "type": "object",
    "properties": {
        "state": {
            "type": "string",
            "enum": ["recognised", "confirmed"],
            "description": "recognised: matched, awaiting the clerk; confirmed: a visit was logged (for how=enrolled, "
            "the first visit, logged with the enrolment)",
        },
        "how": {"type": "string", "enum": ["auto", "keypad", "card", "enrolled"]},
        "visit_id": {"type": ["integer", "null"], "description": "the logged visit (POST /v1/visits/{id}/done)"},
        "since": {"type": "string", "format": "date-time", "description": "when this state began (UTC)"},
        "counter": {"type": "string"},
        "citizen": {"$ref": "#/components/schemas/Citizen"},
    },
    "required": ["state", "how", "visit_id", "since", "counter", "citizen"],
}

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "hint": {"type": "string"}},
    "required": ["error", "hint"],
}

_HEALTH = {
    "type": "object",
    "properties": {
        "ok": {"type": "boolean"},
        "version": {"type": "string"},
        "engine": {"type": "string", "description": "the face engine: sface or dlib"},
        "counter": {"type": "string"},
        "camera": {"type": "string", "description": "starting, running, failed: <why>, stopped"},
        "last_sync": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": ["ok", "version", "engine", "counter", "camera", "last_sync"],
}

_DONE = {
    "type": "object",
    "properties": {"visit_id": {"type": "integer"}, "done": {"type": "boolean"}},
    "required": ["visit_id", "done"],
}


def _answer(description: str, schema: str | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": {"$ref": schema}}}}


_UNAUTHORISED = {
    **_answer("no or wrong bearer token", "#/components/schemas/Error"),
    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
}
_FORBIDDEN = _answer("called from a web page whose origin is not on api_allowed_origins", "#/components/schemas/Error")
_NOT_ALLOWED = {
    **_answer("a method this path does not take", "#/components/schemas/Error"),
    "headers": {"Allow": {"schema": {"type": "string"}, "description": "the methods this path takes"}},
}
MAX_VISIT_ID = 2**63 - 1
"""The largest visit id there can be (SQLite's integers are 64-bit signed)."""
KEEPALIVE_S = 5
"""Seconds between heartbeat comments (``: keep-alive``) on an idle event stream: a client that
hears nothing for three of them knows the stream is dead (and proxies keep it open)."""


def openapi_document() -> dict[str, Any]:
    """The document (a fresh dict: JSON-ready)."""
    events = ", ".join(k.value for k in Kind)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CCCD kiosk local API",
            "version": "1",
            "description": "Who is at this counter, as the counter app or `kiosk serve` sees it, for the "
            "province's web forms. Listens on 127.0.0.1 only. Browsers may call it from the origins on "
            "api_allowed_origins. Every citizen read is written to the kiosk's audit log. Every error is JSON "
            "{error, hint}, also an unknown path (404), a method a path does not take (405) and a Host that is "
            "not this PC (400). Each GET also answers HEAD. CORS preflights (OPTIONS) are answered by the CORS "
            "layer with its own plain-text body (browsers read only their headers).",
        },
        "servers": [{"url": "http://127.0.0.1:47615"}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "`kiosk admin api-token`"},
                "query": {"type": "apiKey", "in": "query", "name": "access_token", "description": "/v1/events only"},
            },
            "schemas": {"Citizen": _CITIZEN, "Current": _CURRENT, "Error": _ERROR, "Health": _HEALTH, "Done": _DONE},
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/health": {
                "get": {
                    "summary": "Version, face engine, camera state, last sync (no token needed)",
                    "security": [],
                    "responses": {
                        "200": _answer("the kiosk is up", "#/components/schemas/Health"),
                        "403": _FORBIDDEN,
                        "405": _NOT_ALLOWED,
                    },
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "summary": "This document (no token needed)",
                    "security": [],
                    "responses": {
                        "200": {"description": "the OpenAPI document", "content": {"application/json": {}}},
                        "403": _FORBIDDEN,
                        "405": _NOT_ALLOWED,
                    },
                }
            },
            "/v1/current": {
                "get": {
                    "summary": "The citizen now at this counter",
                    "responses": {
                        "200": _answer("a citizen is at the counter", "#/components/schemas/Current"),
                        "204": _answer("nobody is"),
                        "401": _UNAUTHORISED,
                        "403": _FORBIDDEN,
                        "405": _NOT_ALLOWED,
                    },
                }
            },
            "/v1/events": {
                "get": {
                    "summary": "Server-sent events: " + events,
                    "description": "Each event's data is JSON: seq, event, at, and for all but citizen_cleared "
                    "the fields of /v1/current; citizen_cleared has a reason (face_gone, idle, other_face, "
                    "cancelled, not_me...), card_read has known (the citizen is enrolled). The stream never "
                    "ends while the kiosk runs; it opens with `retry: 2000` and, when no event comes, sends a "
                    f"heartbeat comment line `: keep-alive` every {KEEPALIVE_S} seconds: a client that has heard "
                    f"nothing for {3 * KEEPALIVE_S} seconds should reconnect (browsers' EventSource reconnects by itself).",
                    "security": [{"bearer": []}, {"query": []}],
                    "responses": {
                        "200": {"description": "the stream", "content": {"text/event-stream": {}}},
                        "401": _UNAUTHORISED,
                        "403": _FORBIDDEN,
                        "405": _NOT_ALLOWED,
                    },
                }
            },
            "/v1/visits/{visit_id}/done": {
                "post": {
                    "summary": "The clerk's system finished this visit: stamps done_at (the first stamp wins)",
                    "parameters": [
                        {
                            "name": "visit_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_VISIT_ID},
                        }
                    ],
                    "responses": {
                        "200": _answer("stamped (or was already)", "#/components/schemas/Done"),
                        "400": _answer(
                            "not a visit id (a whole number from 1 to 2^63-1)", "#/components/schemas/Error"
                        ),
                        "401": _UNAUTHORISED,
                        "403": _FORBIDDEN,
                        "404": _answer("no such visit at this counter", "#/components/schemas/Error"),
                        "405": _NOT_ALLOWED,
                    },
                }
            },
            "/v1/visits/current/confirm": {
                "post": {
                    "summary": "`kiosk serve` only: log the visit of the recognised citizen (the clerk confirmed "
                    "in their own system); the counter app confirms in its window",
                    "responses": {
                        "200": _answer("confirmed", "#/components/schemas/Current"),
                        "401": _UNAUTHORISED,
                        "403": _FORBIDDEN,
                        "405": _NOT_ALLOWED,
                        "409": _answer(
                            "nobody awaiting confirmation, or a window confirms here", "#/components/schemas/Error"
                        ),
                    },
                }
            },
        },
    }
