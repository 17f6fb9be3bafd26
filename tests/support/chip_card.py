"""A simulated CCCD chip for tests: its own test CSCA and document signer, DG1/DG2/DG13/SOD
built from a citizen's record and photo, and the card's half of BAC and secure messaging.

Driven in-process (:class:`InProcess`) or through the real PC/SC stack: :func:`serve_vpcd`
connects it to ``vsmartcard-vpcd``'s virtual reader, which pcscd then offers to any client.
Everything here is the card's side; the terminal's side under test is ``kiosk.chip``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import socket
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path

from kiosk.chip import crypto, ec
from kiosk.chip.groups import FILES
from kiosk.chip.mrz import AccessKey, check_digit
from kiosk.chip.pace import derive, encode_oid, password_key
from kiosk.chip.secure import SessionKeys, key_seed
from kiosk.chip.tlv import read_tlvs, tlv
from models import CitizenRecord, Gender

ATR = bytes.fromhex("3B8880011F0000000000000009")
PACE_GM_AES128 = encode_oid("0.4.0.127.0.7.2.2.4.2.2")
"""The one PACE protocol the simulated card offers (with brainpoolP256r1, parameter id 13)."""


@dataclass
class Pki:
    """A test CSCA and a document signer it issued (keys and DER certificates)."""

    csca_key: object
    csca_der: bytes
    signer_key: object
    signer_der: bytes


def make_pki(name: str = "Test CSCA Viet Nam", *, rsa_signer: bool = False) -> Pki:
    """A CSCA (ECDSA P-256) and a document signer (ECDSA, or RSA 2048 with ``rsa_signer``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    now = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    csca_key = ec.generate_private_key(ec.SECP256R1())
    csca_name = x509.Name(
        [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.COMMON_NAME, name)]
    )
    csca = (
        x509.CertificateBuilder()
        .subject_name(csca_name)
        .issuer_name(csca_name)
        .public_key(csca_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * 15))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(csca_key, hashes.SHA256())
    )
    signer_key = rsa.generate_private_key(65537, 2048) if rsa_signer else ec.generate_private_key(ec.SECP256R1())
    signer = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Test Document Signer"),
                ]
            )
        )
        .issuer_name(csca_name)
        .public_key(signer_key.public_key())
        .serial_number(2)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .sign(csca_key, hashes.SHA256())
    )
    return Pki(csca_key, csca.public_bytes(Encoding.DER), signer_key, signer.public_bytes(Encoding.DER))


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def dg13_fields(record: CitizenRecord, expiry: str) -> dict[int, str | tuple[str, ...]]:
    """DG13's fields for ``record`` as the public sources number them."""
    return {
        1: record.id_number,
        2: record.full_name,
        3: _day(record.date_of_birth),
        4: record.gender.value,
        5: "Việt Nam",
        6: "Kinh",
        7: "Không",
        8: "Xã Tân Phú, Huyện Châu Thành, Tỉnh Bến Tre",
        9: record.address,
        10: "Nốt ruồi C:1cm trên trước mép trái",
        11: _day(record.issue_date or dt.date(2021, 4, 12)),
        12: expiry,
        13: ("Nguyễn Văn Bố", "Trần Thị Mẹ"),
        14: "",
        15: record.old_id_number,
    }


def encode_dg13(fields: dict[int, str | tuple[str, ...]]) -> bytes:
    from asn1crypto import core

    items = []
    for number, value in sorted(fields.items()):
        texts = value if isinstance(value, tuple) else (value,)
        strings = b"".join(core.UTF8String(t).dump() for t in texts)
        if isinstance(value, tuple):
            strings = tlv(0x30, strings)
        items.append(tlv(0x30, core.Integer(number).dump() + strings))
    body = core.Integer(1).dump() + core.ObjectIdentifier("1.0.10646.1.0.8").dump() + tlv(0x31, b"".join(items))
    return tlv(0x6D, tlv(0x30, body))


def encode_dg1(key: AccessKey, record: CitizenRecord) -> bytes:
    number = key.document_number.ljust(9, "<")
    first = f"IDVNM{number}{check_digit(number)}{record.id_number}{check_digit(record.id_number)}".ljust(30, "<")
    sex = "M" if record.gender == Gender.MALE else "F"
    second = f"{key.birth}{check_digit(key.birth)}{sex}{key.expiry}{check_digit(key.expiry)}VNM".ljust(29, "<") + "0"
    third = "<<".join(record.full_name.upper().split(" ", 1)).replace(" ", "<")
    third = "".join(c if c.isascii() else "<" for c in third).ljust(30, "<")[:30]
    return tlv(0x61, tlv(0x5F1F, (first + second + third).encode("ascii")))


def encode_dg2(image: bytes) -> bytes:
    """DG2 with one ISO/IEC 19794-5 face record around ``image``."""
    facial = (32 + len(image)).to_bytes(4, "big") + bytes(16)  # block length; features, pose... left zero
    image_info = bytes([1, 0]) + (480).to_bytes(2, "big") + (640).to_bytes(2, "big") + bytes(6)
    record = b"FAC\x00010\x00" + (14 + 32 + len(image)).to_bytes(4, "big") + b"\x00\x01" + facial + image_info + image
    header = tlv(0xA1, tlv(0x80, b"\x01\x01") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x08"))
    info = tlv(0x7F60, header + tlv(0x5F2E, record))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + info))


def encode_sod(groups: dict[int, bytes], pki: Pki) -> bytes:
    """EF.SOD: the LDS security object with SHA-256 hashes of ``groups``, signed by the document signer."""
    from asn1crypto import algos, cms, core, x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    from kiosk.chip.passive import _lds_security_object

    lds = _lds_security_object()(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": "sha256"},
            "data_group_hash_values": [
                {"data_group_number": n, "data_group_hash_value": hashlib.sha256(d).digest()}
                for n, d in sorted(groups.items())
            ],
        }
    ).dump()
    attrs = cms.CMSAttributes(
        [
            {"type": "content_type", "values": ["2.23.136.1.1.1"]},
            {"type": "message_digest", "values": [hashlib.sha256(lds).digest()]},
        ]
    )
    key = pki.signer_key
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        algorithm = "sha256_rsa"
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        signature = key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256()))
        algorithm = "sha256_ecdsa"
    certificate = x509.Certificate.load(pki.signer_der)
    signer = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": certificate.issuer, "serial_number": certificate.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": algorithm}),
            "signature": signature,
        }
    )
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "2.23.136.1.1.1", "content": core.ParsableOctetString(lds)},
            "certificates": [certificate],
            "signer_infos": [signer],
        }
    )
    return tlv(0x77, cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump())


@dataclass
class CardFiles:
    """A simulated card's files (name -> bytes) and the access data printed on its back."""

    key: AccessKey
    files: dict[str, bytes] = field(default_factory=dict)
    can: str = ""
    pace_with_mrz: bool = True
    bac: bool = True

    def tampered(self, name: str, old: bytes, new: bytes) -> CardFiles:
        """The same card with ``old`` replaced by ``new`` in one file, the SOD left as signed."""
        assert old in self.files[name]
        return replace(self, files={**self.files, name: self.files[name].replace(old, new)})


def make_card(
    record: CitizenRecord,
    photo: bytes,
    pki: Pki,
    *,
    expiry: dt.date | None = None,
    pace: bool = True,
    can: str = "",
) -> CardFiles:
    """A card for ``record`` holding ``photo`` (JPEG or JPEG 2000 bytes), signed by ``pki``;
    with ``pace`` it offers PACE (MRZ, and ``can`` when given) besides BAC.

    The expiry defaults to the 14th/25th/40th/60th birthday after the issue date, as a real CCCD's.
    """
    from kiosk.chip.mrz import access_keys

    if expiry is None:
        derived = access_keys(record)[0]
    else:
        derived = AccessKey(
            record.id_number[-9:], record.date_of_birth.strftime("%y%m%d"), expiry.strftime("%y%m%d"), ""
        )
    key = AccessKey(derived.document_number, derived.birth, derived.expiry, "back of the card")
    expiry_text = (
        "Không thời hạn" if key.expiry == "991231" else dt.datetime.strptime(key.expiry, "%y%m%d").strftime("%d/%m/%Y")
    )
    dg1, dg2, dg13 = encode_dg1(key, record), encode_dg2(photo), encode_dg13(dg13_fields(record, expiry_text))
    files = {
        "COM": tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5C, bytes([0x61, 0x75, 0x6D, 0x6E, 0x6F, 0x77]))),
        "DG1": dg1,
        "DG2": dg2,
        "DG13": dg13,
        "SOD": encode_sod({1: dg1, 2: dg2, 13: dg13}, pki),
    }
    if pace:
        files["CardAccess"] = bytes.fromhex("31143012060A04007F0007020204020202010202010D")
    return CardFiles(key, files, can)


FIDS = {fid: name for name, fid in FILES.items()}


class SimulatedCard:
    """The card's side of the protocol: EF.CardAccess, PACE (ECDH generic mapping, AES-128,
    brainpoolP256r1, with the MRZ or the card's CAN) or BAC, then SELECT and READ BINARY under
    secure messaging. Selecting the MF answers 6D00 as CCCDs do."""

    def __init__(self, card: CardFiles) -> None:
        self.card = card
        self.log: list[str] = []
        self.reset()

    def reset(self) -> None:
        self.app = False
        self.rnd_ic = b""
        self.session: SessionKeys | None = None
        self.selected = ""
        self.plain_selected = ""
        self.pace: dict[str, object] = {}

    def process(self, apdu: bytes) -> bytes:
        """One command APDU -> the answer (data + status word)."""
        cla, ins, p1, p2 = apdu[:4]
        self.log.append(f"{ins:02X}")
        if cla & 0x0C == 0x0C:
            return self._protected(apdu)
        if self.session is not None:
            self.session = None  # a plain command ends secure messaging
            return b"\x69\x88"
        data = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            self.app = data == bytes.fromhex("A0000002471001")
            return b"\x90\x00" if self.app else b"\x6a\x82"
        if ins == 0xA4 and p1 == 0x00:
            return b"\x6d\x00"  # the MF cannot be selected
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(data, "big")
            if FIDS.get(fid) == "CardAccess" and "CardAccess" in self.card.files:
                self.plain_selected = "CardAccess"
                return b"\x90\x00"
            return b"\x69\x82" if self.app else b"\x6a\x82"
        if ins == 0xB0 and self.plain_selected:
            offset = (p1 << 8) | p2
            return self.card.files[self.plain_selected][offset : offset + (apdu[4] or 256)] + b"\x90\x00"
        if ins == 0x22 and "CardAccess" in self.card.files:
            return self._set_at(data)
        if ins == 0x86 and self.pace:
            return self._general_authenticate(data)
        if ins in (0x84, 0x82) and not self.card.bac:
            return b"\x6d\x00"
        if ins == 0x84 and self.app:
            self.rnd_ic = os.urandom(8)
            return self.rnd_ic + b"\x90\x00"
        if ins == 0x82 and self.app and self.rnd_ic:
            return self._authenticate(data)
        return b"\x69\x82"

    # -- PACE ------------------------------------------------------------------------------
    def _set_at(self, data: bytes) -> bytes:
        objects = {tag: value for tag, value, _ in read_tlvs(data)}
        reference = objects.get(0x83, b"\x00")[0]
        mrz = self.card.key.information if self.card.pace_with_mrz else ""
        password = mrz if reference == 1 else self.card.can if reference == 2 else ""
        if objects.get(0x80) != PACE_GM_AES128 or not password or objects.get(0x84, b"\x0d") != b"\x0d":
            return b"\x6a\x80"
        self.pace = {"password": password_key(password, reference), "step": 0}
        return b"\x90\x00"

    def _general_authenticate(self, data: bytes) -> bytes:
        curve = ec.curve(13)
        state = self.pace
        inner = {tag: value for tag, value, _ in read_tlvs(read_tlvs(data)[0][1])} if data else {}
        step = state["step"]
        state["step"] = int(step) + 1  # type: ignore[call-overload]
        if step == 0:
            state["nonce"] = os.urandom(16)
            key = derive(state["password"], 3, "aes", 16)  # type: ignore[arg-type]
            return tlv(0x7C, tlv(0x80, crypto.aes_encrypt(key, state["nonce"]))) + b"\x90\x00"  # type: ignore[arg-type]
        if step == 1:
            secret = curve.private_key()
            shared = curve.multiply(secret, curve.decode(inner[0x81]))
            nonce = int.from_bytes(state["nonce"], "big")  # type: ignore[arg-type]
            state["generator"] = curve.add(curve.multiply(nonce, curve.g), shared)
            return tlv(0x7C, tlv(0x82, curve.encode(curve.multiply(secret, curve.g)))) + b"\x90\x00"
        if step == 2:
            secret = curve.private_key()
            mine = curve.encode(curve.multiply(secret, state["generator"]))  # type: ignore[arg-type]
            point = curve.multiply(secret, curve.decode(inner[0x83]))
            assert point is not None
            shared_x = point[0].to_bytes(curve.size, "big")
            state.update(
                mine=mine,
                theirs=inner[0x83],
                keys=SessionKeys(derive(shared_x, 1, "aes", 16), derive(shared_x, 2, "aes", 16), 0, "aes"),
            )
            return tlv(0x7C, tlv(0x84, mine)) + b"\x90\x00"
        keys: SessionKeys = state["keys"]  # type: ignore[assignment]

        def token(point: bytes) -> bytes:
            return keys.mac_of(tlv(0x7F49, tlv(0x06, PACE_GM_AES128) + tlv(0x86, point)), padded=False)

        self.pace = {}
        if inner.get(0x85) != token(state["mine"]):  # type: ignore[arg-type]
            return b"\x63\x00"
        self.session = keys
        return tlv(0x7C, tlv(0x86, token(state["theirs"]))) + b"\x90\x00"  # type: ignore[arg-type]

    # -- BAC ----------------------------------------------------------------------------------
    def _authenticate(self, data: bytes) -> bytes:
        seed = key_seed(self.card.key.information)
        k_enc, k_mac = crypto.derive_key(seed, crypto.ENC), crypto.derive_key(seed, crypto.MAC)
        rnd_ic, self.rnd_ic = self.rnd_ic, b""
        if len(data) != 40 or crypto.retail_mac(k_mac, data[:32]) != data[32:]:
            return b"\x63\x00"
        plain = crypto.decrypt(k_enc, data[:32])
        if plain[8:16] != rnd_ic:
            return b"\x63\x00"
        rnd_ifd, k_ifd = plain[:8], plain[16:32]
        k_ic = os.urandom(16)
        e_ic = crypto.encrypt(k_enc, rnd_ic + rnd_ifd + k_ic)
        session_seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic, strict=True))
        self.session = SessionKeys.from_seed(session_seed, int.from_bytes(rnd_ic[-4:] + rnd_ifd[-4:], "big"))
        return e_ic + crypto.retail_mac(k_mac, e_ic) + b"\x90\x00"

    # -- secure messaging ------------------------------------------------------------------------
    def _protected(self, apdu: bytes) -> bytes:
        keys = self.session
        if keys is None:
            return b"\x69\x82"
        keys.ssc += 1
        header = apdu[:4]
        objects = read_tlvs(apdu[5 : 5 + apdu[4]])
        covered = b"".join(raw for tag, _, raw in objects if tag in (0x87, 0x97))
        given = next((v for tag, v, _ in objects if tag == 0x8E), b"")
        if keys.mac_of(keys.counter() + crypto.pad(header, keys.block) + covered) != given:
            self.session = None
            return b"\x69\x88"
        data = next((crypto.unpad(keys.decrypt(v[1:])) for tag, v, _ in objects if tag == 0x87), b"")
        le = next((v[0] or 256 for tag, v, _ in objects if tag == 0x97), 0)
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        answer, status = b"", b"\x6d\x00"
        if ins == 0xA4 and p1 == 0x04:
            self.app = data == bytes.fromhex("A0000002471001")
            status = b"\x90\x00" if self.app else b"\x6a\x82"
        elif ins == 0xA4:
            name = FIDS.get(int.from_bytes(data, "big"), "")
            self.selected = name if self.app and name in self.card.files and name != "CardAccess" else ""
            status = b"\x90\x00" if self.selected else b"\x6a\x82"
        elif ins == 0xB0:
            if not self.selected:
                status = b"\x69\x86"
            else:
                content = self.card.files[self.selected]
                offset = (p1 << 8) | p2
                answer = content[offset : offset + le]
                status = b"\x90\x00" if len(answer) == le else b"\x62\x82"
        keys.ssc += 1
        objects_out = b""
        if answer:
            objects_out += tlv(0x87, b"\x01" + keys.encrypt(crypto.pad(answer, keys.block)))
        objects_out += tlv(0x99, status)
        objects_out += tlv(0x8E, keys.mac_of(keys.counter() + objects_out))
        return objects_out + status


class InProcess:
    """A transport to a :class:`SimulatedCard` in the same process."""

    def __init__(self, card: SimulatedCard) -> None:
        self.card = card

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        answer = self.card.process(apdu)
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def reset(self) -> None:
        self.card.reset()


def serve_vpcd(card: SimulatedCard, port: int = 35963, host: str = "127.0.0.1") -> None:
    """Plug ``card`` into vsmartcard-vpcd's virtual reader (vpcd listens; the card connects)
    and answer until vpcd closes the connection.

    vpcd's protocol: each message is a 2-byte big-endian length and its bytes; a 1-byte
    message is a control (0 power off, 1 power on, 2 reset, 4 ATR request), else an APDU.
    """
    with socket.create_connection((host, port), timeout=None) as sock:
        while True:
            head = _exactly(sock, 2)
            if head is None:
                return
            message = _exactly(sock, struct.unpack(">H", head)[0]) or b""
            if len(message) == 1:
                if message[0] in (0, 1, 2):
                    card.reset()
                if message[0] == 4:
                    sock.sendall(struct.pack(">H", len(ATR)) + ATR)
                continue
            answer = card.process(message)
            sock.sendall(struct.pack(">H", len(answer)) + answer)


def _exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def face_jpeg(path: Path, width: int = 360) -> bytes:
    """A photo file re-encoded as an ID chip holds it: a small JPEG (quality 75)."""
    import cv2

    from recognition.images import load_image

    frame = load_image(path)
    scale = width / frame.shape[1]
    small = cv2.resize(frame, (width, int(frame.shape[0] * scale)), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 75])
    assert ok
    return encoded.tobytes()


def plug_reader(monkeypatch, record: CitizenRecord, photo: Path) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """Attach a PC/SC reader with a simulated chip of ``record`` holding ``photo`` (the reader is the
    only fake: the chip's protocol, its verification and the face check are the product's).
    Returns a switch: ``state["on_reader"] = False`` takes the card off the reader."""
    from contextlib import contextmanager

    from kiosk.chip import pcsc
    from kiosk.errors import ChipError

    card = SimulatedCard(make_card(record, face_jpeg(photo), make_pki()))
    state = {"on_reader": True}

    @contextmanager
    def open_reader(name: str = ""):  # type: ignore[no-untyped-def]
        if not state["on_reader"]:
            raise ChipError("no card on the reader", "lay the CCCD flat on the reader", reason="no_card")
        yield InProcess(card)

    monkeypatch.setattr(pcsc, "available", lambda name="": True)
    monkeypatch.setattr(pcsc, "open_reader", open_reader)
    return state


def main() -> None:  # pragma: no cover - run by the pcscd test in its own namespace
    """``python -m tests.support.chip_card PHOTO QR_IMAGE CSCA_OUT [--tamper]``: make a card for
    the QR's citizen holding PHOTO, write its test CSCA to CSCA_OUT (DER), and serve the card to
    vpcd until vpcd closes the connection. ``--tamper`` changes a letter of DG13's residence
    after signing."""
    import argparse

    from kiosk.cccd.record import parse_cccd
    from recognition.qr import read_qr_file

    parser = argparse.ArgumentParser()
    parser.add_argument("photo", type=Path)
    parser.add_argument("qr", type=Path)
    parser.add_argument("csca_out", type=Path)
    parser.add_argument("--tamper", action="store_true")
    args = parser.parse_args()
    record = parse_cccd(read_qr_file(args.qr)[0].data).record
    pki = make_pki()
    args.csca_out.write_bytes(pki.csca_der)
    card = make_card(record, face_jpeg(args.photo), pki)
    if args.tamper:
        address = record.address.encode()
        card = card.tampered("DG13", address, address[:-1] + (b"9" if address[-1:] != b"9" else b"8"))
    print("card ready", flush=True)
    serve_vpcd(SimulatedCard(card))


if __name__ == "__main__":  # pragma: no cover
    main()
