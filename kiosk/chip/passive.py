"""Passive authentication (ICAO Doc 9303 Part 11, section 5.1; Part 10, the Document Security Object).

Three levels, each needing the one before:

1. ``hashes``: every data group read hashes to the value the SOD lists for it;
2. ``signature``: the SOD's signed attributes carry the hash of its content, and the
   document signer's certificate (inside the SOD) verifies their signature;
3. ``csca``: that certificate was issued by a CSCA certificate the province installed
   (Vietnam's CSCA is not public: without the file, level 2 is the most a counter can reach).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.chip.tlv import read_tlv

LEVELS = ("hashes", "signature", "csca")


class PassiveAuthError(ValueError):
    """The card's data failed passive authentication: a tampered group, a bad signature, a signer
    not issued by the configured CSCA."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Verified:
    """What passive authentication established.

    Attributes:
        level: the highest of :data:`LEVELS` reached.
        hash_algorithm: the SOD's data-group hash (``"sha256"``...).
        groups: the data-group numbers whose hashes matched, ascending.
        signer: the document signer certificate's subject, as one line.
    """

    level: str
    hash_algorithm: str
    groups: tuple[int, ...]
    signer: str


def _lds_security_object() -> Any:
    """The ASN.1 LDSSecurityObject of Doc 9303 Part 10 (asn1crypto has no definition of it)."""
    from asn1crypto import algos, core

    class DataGroupHash(core.Sequence):  # type: ignore[misc]
        _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]

    class DataGroupHashes(core.SequenceOf):  # type: ignore[misc]
        _child_spec = DataGroupHash

    class LdsSecurityObject(core.Sequence):  # type: ignore[misc]
        _fields = [
            ("version", core.Integer),
            ("hash_algorithm", algos.DigestAlgorithm),
            ("data_group_hash_values", DataGroupHashes),
            ("lds_version_info", core.Any, {"optional": True}),
        ]

    return LdsSecurityObject


LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
"""The SOD's content type (ICAO Doc 9303 Part 10)."""
HASHES = ("sha1", "sha224", "sha256", "sha384", "sha512")
"""Digests passive authentication accepts (MD5 is refused)."""
PARSE_ERRORS = (ValueError, KeyError, TypeError, IndexError, AttributeError, OverflowError)
"""What asn1crypto and cryptography raise on malformed input: all mean a card that cannot be verified."""


def verify(sod: bytes, groups: Mapping[int, bytes], csca: list[bytes] | None = None) -> Verified:
    """Passive authentication of the data groups ``groups`` (number -> the file's bytes).

    Args:
        sod: EF.SOD's bytes (tag 77).
        groups: the data groups read (at least one); each must be listed in the SOD.
        csca: CSCA certificates (DER) to chain the document signer to; ``None`` stops at level 2.

    Raises:
        PassiveAuthError: the first check that failed (``reason``: ``sod_malformed``,
            ``group_tampered``, ``signature_failed`` or ``csca_mismatch``).
    """
    from asn1crypto import cms

    if not groups:
        raise PassiveAuthError("no data group to verify", "sod_malformed")
    try:
        tag, content, _ = read_tlv(sod)
        if tag != 0x77:
            raise ValueError(f"tag {tag:#x}")
        signed = cms.ContentInfo.load(content)["content"]
        encapsulated = signed["encap_content_info"]
        if encapsulated["content_type"].dotted != LDS_SECURITY_OBJECT:
            raise ValueError("its content is not an LDS security object")
        payload = encapsulated["content"].native
        lds = _lds_security_object().load(payload)
        hash_name = lds["hash_algorithm"]["algorithm"].native
        if hash_name not in HASHES:
            raise ValueError(f"unsupported digest {hash_name}")
        listed = {
            int(item["data_group_number"].native): item["data_group_hash_value"].native
            for item in lds["data_group_hash_values"]
        }
        signer_info = signed["signer_infos"][0]
        certificates = [c.chosen for c in signed["certificates"] if c.name == "certificate"]
    except PARSE_ERRORS as error:
        raise PassiveAuthError(f"the card's security object (SOD) is malformed ({error})", "sod_malformed") from None

    for number, data in sorted(groups.items()):
        expected = listed.get(number)
        if expected is None or hashlib.new(hash_name, data).digest() != expected:
            raise PassiveAuthError(
                f"data group {number} does not match the hash the card's issuer signed (altered data)",
                "group_tampered",
            )
    signer = _check_signature(signer_info, payload, certificates)
    level = "signature"
    if csca is not None:
        _check_chain(signer, csca)
        level = "csca"
    return Verified(level, hash_name, tuple(sorted(groups)), signer.subject.rfc4514_string())


def _signer_certificate(signer_info: Any, certificates: list[Any]) -> Any:
    """The certificate the signer info names (issuer and serial number, or subject key identifier)."""
    sid = signer_info["sid"]
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if certificate.issuer == wanted["issuer"] and certificate.serial_number == wanted["serial_number"].native:
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    raise ValueError("the SOD does not carry the certificate its signer names")


def _check_signature(signer_info: Any, payload: bytes, certificates: list[Any]) -> Any:
    """The document signer certificate (cryptography's) named by the signer info, once its key
    has verified the signed attributes, which must carry the LDS content type and its digest."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    failed = "signature_failed"
    try:
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        if digest_name not in HASHES:
            raise ValueError(f"unsupported digest {digest_name}")
        attributes = signer_info["signed_attrs"]
        values = {a["type"].native: a["values"] for a in attributes}
        if [v.dotted for v in values.get("content_type", [])] != [LDS_SECURITY_OBJECT]:
            raise ValueError("its signed attributes do not name an LDS security object")
        digests = [v.native for v in values.get("message_digest", [])]
        if digests != [hashlib.new(digest_name, payload).digest()]:
            raise PassiveAuthError("the card's security object does not sign its own content", failed)
        signed_bytes = b"\x31" + attributes.dump()[1:]  # signed as a SET OF, not as [0]
        signature = signer_info["signature"].native
        algorithm = signer_info["signature_algorithm"]
        hash_algorithm = getattr(hashes, digest_name.upper())()
        certificate = x509.load_der_x509_certificate(_signer_certificate(signer_info, certificates).dump())
        key = certificate.public_key()
        if isinstance(key, rsa.RSAPublicKey) and algorithm.signature_algo == "rsassa_pss":
            params = algorithm["parameters"]
            pss_hash = getattr(hashes, params["hash_algorithm"]["algorithm"].native.upper())()
            pss = padding.PSS(padding.MGF1(pss_hash), params["salt_length"].native)
            key.verify(signature, signed_bytes, pss, pss_hash)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signed_bytes, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, signed_bytes, ec.ECDSA(hash_algorithm))
        else:
            raise ValueError("the document signer's key is neither RSA nor ECDSA")
    except PassiveAuthError:
        raise
    except InvalidSignature:
        raise PassiveAuthError("the card's security object fails its signature (forged or altered)", failed) from None
    except (*PARSE_ERRORS, UnsupportedAlgorithm, x509.InvalidVersion) as error:
        raise PassiveAuthError(f"the card's signature cannot be checked ({error})", failed) from None
    return certificate


def _check_chain(signer: Any, csca: list[bytes]) -> None:
    """Raise unless one of the CSCA certificates (a CA) issued ``signer``."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

    for der in csca:
        try:
            authority = x509.load_der_x509_certificate(der)
            if not authority.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
                continue
            signer.verify_directly_issued_by(authority)
        except (*PARSE_ERRORS, InvalidSignature, UnsupportedAlgorithm, x509.InvalidVersion, x509.ExtensionNotFound):
            continue  # not a CA, or not this signer's issuer
        return
    raise PassiveAuthError(
        "the card's document signer was not issued by the configured CSCA (not a card of that country, or forged)",
        "csca_mismatch",
    )


def load_csca(path: Path) -> list[bytes]:
    """CSCA certificates from a file: DER, or PEM with one or more certificates (a master list
    exported as PEM works).

    Raises:
        PassiveAuthError: the file holds no certificate (``reason`` ``csca_unreadable``).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        data = path.read_bytes()
    except OSError as error:
        raise PassiveAuthError(
            f"cannot read the CSCA file {path}: {error.strerror or error}", "csca_unreadable"
        ) from None
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(data)]
        x509.load_der_x509_certificate(data)
        return [data]
    except ValueError:
        raise PassiveAuthError(f"{path} holds no X.509 certificate (DER or PEM)", "csca_unreadable") from None
