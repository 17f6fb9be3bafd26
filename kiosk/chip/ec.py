"""Elliptic-curve points for PACE's generic mapping (ICAO Doc 9303 Part 11, section 4.4.3.3).

PACE maps the nonce to a new generator ``G' = s·G + H`` and runs Diffie-Hellman on it: no
library offers Diffie-Hellman with another generator, so the arithmetic is here (affine
coordinates, Python integers; a 256-bit scalar multiplication takes a few milliseconds).
Each curve's parameters come from ``cryptography`` (its generator, and its 2G and 3G to
derive and check ``a`` and ``b``) plus the field prime written here: a wrong prime fails
:func:`curve` at once. Points are ``(x, y)`` tuples; ``None`` is the point at infinity.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

Point = tuple[int, int] | None

PRIMES = {
    # Standardised domain parameter id (Doc 9303 Part 11, Table 6) -> (cryptography's name, p).
    10: ("secp224r1", 2**224 - 2**96 + 1),
    12: ("secp256r1", 2**256 - 2**224 + 2**192 + 2**96 - 1),
    13: ("brainpoolP256r1", 0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377),
    15: ("secp384r1", 2**384 - 2**128 - 2**96 + 2**32 - 1),
    16: (
        "brainpoolP384r1",
        0x8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53,
    ),
    17: (
        "brainpoolP512r1",
        0xAADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3,
    ),
    18: ("secp521r1", 2**521 - 1),
}


class CurveError(ValueError):
    """A parameter id this kiosk has no curve for, or a point that is not on the curve."""


@dataclass(frozen=True)
class Curve:
    """A short Weierstrass curve y² = x³ + ax + b over GF(p) with a generator (cofactor 1)."""

    name: str
    p: int
    a: int
    b: int
    g: tuple[int, int]

    @property
    def size(self) -> int:
        """Bytes of one coordinate."""
        return (self.p.bit_length() + 7) // 8

    def contains(self, point: Point) -> bool:
        if point is None:
            return True
        x, y = point
        return 0 <= x < self.p and 0 <= y < self.p and (y * y - x * x * x - self.a * x - self.b) % self.p == 0

    def add(self, first: Point, second: Point) -> Point:
        if first is None:
            return second
        if second is None:
            return first
        p = self.p
        (x1, y1), (x2, y2) = first, second
        if x1 == x2 and (y1 + y2) % p == 0:
            return None
        if first == second:
            slope = (3 * x1 * x1 + self.a) * pow(2 * y1, -1, p) % p
        else:
            slope = (y2 - y1) * pow(x2 - x1, -1, p) % p
        x3 = (slope * slope - x1 - x2) % p
        return x3, (slope * (x1 - x3) - y1) % p

    def multiply(self, scalar: int, point: Point) -> Point:
        """``scalar · point`` (double and add; not constant-time: the scalars are ephemeral)."""
        result: Point = None
        addend = point
        while scalar > 0:
            if scalar & 1:
                result = self.add(result, addend)
            addend = self.add(addend, addend)
            scalar >>= 1
        return result

    def encode(self, point: Point) -> bytes:
        """The uncompressed encoding ``04 || x || y``."""
        if point is None:
            raise CurveError("the point at infinity has no encoding")
        return b"\x04" + point[0].to_bytes(self.size, "big") + point[1].to_bytes(self.size, "big")

    def decode(self, data: bytes) -> tuple[int, int]:
        """A point from its uncompressed encoding, checked to be on the curve.

        Raises:
            CurveError: not an uncompressed point of this curve.
        """
        if len(data) != 1 + 2 * self.size or data[0] != 4:
            raise CurveError(f"not an uncompressed point of {self.name}")
        point = (int.from_bytes(data[1 : 1 + self.size], "big"), int.from_bytes(data[1 + self.size :], "big"))
        if not self.contains(point):
            raise CurveError(f"the point is not on {self.name}")
        return point

    def private_key(self) -> int:
        """A random scalar in [1, n-1] (drawn by ``cryptography``, which knows the order)."""
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(_curve_class(self.name)())
        return int(key.private_numbers().private_value)


def _curve_class(name: str) -> type:
    from cryptography.hazmat.primitives.asymmetric import ec

    return {
        "secp224r1": ec.SECP224R1,
        "secp256r1": ec.SECP256R1,
        "secp384r1": ec.SECP384R1,
        "secp521r1": ec.SECP521R1,
        "brainpoolP256r1": ec.BrainpoolP256R1,
        "brainpoolP384r1": ec.BrainpoolP384R1,
        "brainpoolP512r1": ec.BrainpoolP512R1,
    }[name]


@functools.cache
def curve(parameter_id: int) -> Curve:
    """The curve of a standardised PACE domain parameter id.

    Raises:
        CurveError: an id with no curve here (the DH groups 0-2, the 192- and 320-bit and
            brainpool 224-bit curves), or a prime that does not fit ``cryptography``'s points.
    """
    from cryptography.hazmat.primitives.asymmetric import ec

    if parameter_id not in PRIMES:
        raise CurveError(f"PACE domain parameters {parameter_id} are not supported here")
    name, p = PRIMES[parameter_id]

    def point(k: int) -> tuple[int, int]:
        numbers = ec.derive_private_key(k, _curve_class(name)()).public_key().public_numbers()
        return int(numbers.x), int(numbers.y)

    (x1, y1), (x2, y2), three = point(1), point(2), point(3)
    a = ((y1 * y1 - x1**3) - (y2 * y2 - x2**3)) * pow(x1 - x2, -1, p) % p
    b = (y1 * y1 - x1**3 - a * x1) % p
    found = Curve(name, p, a, b, (x1, y1))
    if found.add((x1, y1), (x2, y2)) != three or found.multiply(2, (x1, y1)) != (x2, y2):
        raise CurveError(f"the prime written for {name} is wrong")
    return found
