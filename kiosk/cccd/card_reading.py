"""Reading the card in view: the QR paths a live frame gets, and what would help a code
that is seen but not read (the counter's guidance). Pure decisions over recognition's
results; the heavy work is in :mod:`recognition.qr` and :mod:`recognition.qr_card`.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from recognition.qr import decode_qr, scan_qr
from recognition.qr_locate import Located

GLARE_SHARE = 0.02
"""A located code with at least this share of its area washed out: ask to tilt the card
(measured on the card photos: under 0.005 without glare, 0.02-0.3 with it)."""
CLOSER_BELOW_PX = 3.0
"""A located code with fewer pixels per module than this: ask to bring the card closer (the
card path reads ~9 in 10 codes from 2.5 px, nearly all from 3)."""


class CardHint(str, Enum):
    """What would help a code that is seen but not read."""

    CLOSER = "closer"
    GLARE = "glare"
    STEADY = "steady"


def card_hint(code: Located) -> CardHint:
    """Glare first (tilting the card moves the reflection off the code), then size, else
    hold the card steady (blur)."""
    if code.glare >= GLARE_SHARE:
        return CardHint.GLARE
    if code.module_px < CLOSER_BELOW_PX:
        return CardHint.CLOSER
    return CardHint.STEADY


def promise(code: Located) -> float:
    """How likely a located code is to read: bigger modules, less glare (for picking frames)."""
    return min(code.module_px, 4.0) * max(0.0, 1.0 - 4.0 * code.glare)


def read_codes(
    frame: np.ndarray, *, thorough: bool = False, search: bool = False
) -> tuple[tuple[bytes, ...], tuple[Located, ...]]:
    """The payloads of the codes in ``frame``, or where codes were seen but not read.

    The fast path; when it sees a code it cannot read (or always, with ``search``: the card
    path's texture detector finds codes too small for the fast path to notice), the card
    path (quick); with ``thorough``, then the thorough chain
    (:func:`recognition.qr.decode_qr`), ending with the card path's full tries only when a
    code was located.
    """
    from recognition.qr_card import read_card_qr

    scan = scan_qr(frame)
    reads, located = list(scan.reads), scan.located
    if not reads and (located or search):
        card = read_card_qr(frame, [code.corners for code in located])
        reads, located = list(card.reads), card.located
    if not reads and thorough:
        reads = decode_qr(frame, thorough=True, card=bool(located))  # the card path's full tries only where a code is
    return tuple(read.data for read in reads), (() if reads else located)
