"""PACE against known exchanges: the worked example of ICAO Doc 9303 Part 11 Appendix G.1
(ECDH generic mapping, brainpoolP256r1, AES-128), a 3DES generic-mapping exchange, and a
real card's PACE-CAM exchange followed by AES secure messaging (the last two as published
with gmrtd's tests). The terminal's private scalars are the examples' own."""

from __future__ import annotations

import pytest

from kiosk.chip import ec
from kiosk.chip.mrz import mrz_information
from kiosk.chip.pace import PaceError, establish, parse_card_access
from kiosk.chip.secure import SecureMessagingError

H = bytes.fromhex


class Replay:
    """A card that answers a recorded exchange, checking every command byte for byte."""

    def __init__(self, exchange: list[tuple[str, str]]) -> None:
        self.exchange = [(H(c), H(r)) for c, r in exchange]

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        assert self.exchange, f"no more answers recorded; got {apdu.hex()}"
        command, answer = self.exchange.pop(0)
        assert apdu.hex().upper() == command.hex().upper()
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def reset(self) -> None:
        pass


def scalars(*values: str):
    return lambda _curve: iter(int(v, 16) for v in values)


G1 = [
    ("0022C1A40F800A04007F00070202040202830101", "9000"),
    ("10860000027C0000", "7C12801095A3A016522EE98D01E76CB6B98B42C39000"),
    (
        "10860000457C438141047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D00",
        "7C43824104824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F5730D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C549000",
    ),
    (
        "10860000457C438341042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB3646200",
        "7C438441049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F0949000",
    ),
    ("008600000C7C0A8508C2B0BD78D94BA86600", "7C0A86083ABB9674BCE93C089000"),
]


def test_appendix_g1_generic_mapping_aes():
    [info] = parse_card_access(H("31143012060A04007F0007020204020202010202010D"))
    assert info.oid == "0.4.0.127.0.7.2.2.4.2.2" and info.parameter_id == 13 and info.supported
    channel = establish(
        Replay(G1),
        info,
        mrz_information("T22000129", "640812", "101031"),
        scalars=scalars(
            "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
            "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
        ),
    )
    assert channel.keys.enc == H("F5F0E35C0D7161EE6724EE513A0D9A7F")
    assert channel.keys.mac == H("FE251C7858B356B24514B3BD5F4297D1")
    assert channel.keys.ssc == 0 and channel.keys.cipher == "aes"


def test_the_mapped_generator_of_appendix_g1():
    curve = ec.curve(13)
    shared = (
        0x60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5,
        0x0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181,
    )
    mapped = curve.add(curve.multiply(0x3F00C4D39D153F2B2A214A078D899B22, curve.g), shared)
    assert mapped == (
        0x8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2,
        0x8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522,
    )


def test_a_wrong_password_is_refused_by_the_token():
    exchange = [*G1[:-1], ("008600000C7C0A8508C2B0BD78D94BA86600", "6300")]
    [info] = parse_card_access(H("31143012060A04007F0007020204020202010202010D"))
    with pytest.raises(PaceError) as error:
        establish(
            Replay(exchange),
            info,
            mrz_information("T22000129", "640812", "101031"),
            scalars=scalars(
                "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99",
                "A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595",
            ),
        )
    assert error.value.reason == "refused"


def test_generic_mapping_with_3des_session_keys():
    exchange = [
        ("0022c1a40f800a04007f00070202040201830101", "9000"),
        ("10860000027c0000", "7c128010b88382812290017af1cc906ff00e7f4d9000"),
        (
            "10860000457c438141047706b2b6246ab4612229b8a11212ddba7fea0568c9c0975dee22c0e3dd3a3f0321e8afee836e373b570d24000d56fb195104d486e63321ff8c819dd5ee018dcb00",
            "7c43824104780b4edec9b926f9f964fad826d9990a667608d96ba7b397ae8609b6533e0d036d148365ddf4e5ff6611c2b62aa17fc9899f327bc929db543e7abd0ee724e4be9000",
        ),
        (
            "10860000457c43834104507a0156efae8fb8acc519036c0b2fe0393c878744c7f91878ee4e07a41412ba5c0753d68a44a91e9f57f3f992ab689e6c2065d3b2a27c3658a4fd632931ee3800",
            "7c438441042dbaf62e6fdfb31eb66f206493b9e7721586f0e5c93754d7bd5a884ca251ee4d720ab539a60561bc46812fa289b58ac69f0c6e32adbaf7241049a31211f80f5b9000",
        ),
        ("008600000c7c0a85088d7c617d43efe09e00", "7c0a8608cb57047c809079f69000"),
    ]
    [info] = parse_card_access(H("31143012060a04007f0007020204020102010202010d"))
    channel = establish(
        Replay(exchange),
        info,
        mrz_information("LM277954", "781214", "271115"),
        scalars=scalars(
            "2808272c0ec20e01a3450030ef32855e9feb5cb17719e985389b1cf47609e69f",
            "8f89449052df6c7983750c7b042c3cea12b36819174424c7cd28153f7b70b402",
        ),
    )
    assert channel.keys.cipher == "3des"
    assert channel.keys.enc == H("430e4c8c38dfefaed92067b919a897f8")
    assert channel.keys.mac == H("c1bc1f075797b970b5a45e64a764b0cb")


def test_a_real_card_s_pace_cam_then_aes_secure_messaging():
    """A German card's recorded exchange: PACE-CAM (mapped as the generic mapping; its chip
    authentication data is not checked here), then a protected SELECT and two READ BINARY."""
    exchange = [
        ("0022c1a40f800a04007f00070202040602830101", "9000"),
        ("10860000027c0000", "7c1280109bff93e6ed9f5f9764ec0d783d14fb039000"),
        (
            "10860000457c43814104303f340815eea501772393e299a4a6f6694600189c249c63a8513ff3fefa66e346d11970b5f76fb564c3b0e54b215528f647ec5a9ab209cdbe262e763d6119a100",
            "7c4382410476dc295c4fb14237d87318d70967e25ec45f74d6fd4aff588c90efb3d868f05b450ba6b64967227c2246dbe2905522c8086dac7f3bbe5cf3b192f0a0c2d97ee59000",
        ),
        (
            "10860000457c438341048442b191ef5346a6b6dacb6cd5728c4a72f0ca7aecdf7afdfb3ef175e12a6f7c74f509af768b8dbe2cf42d16c1f00714691d78a19cdf1b493390d1173785f2b700",
            "7c438441042315ae8143f21de15b35f083cfa148c5fcbd9f2eb9dcdc4519bcf337443e79e55b28a5e218fb919c30880d263e469645ff114c46ed29918910be3453527d21649000",
        ),
        (
            "008600000c7c0a8508fee088a4d7be1b7f00",
            "7c3c860819a2b9192e11512a8a30b3ae8830311b1d5605777f47cb4ed028346cd00105d32859de127da3d8398865358f26f08ebe410864eaf6e39f33f3f59000",
        ),
    ]
    infos = parse_card_access(H("31283012060A04007F0007020204020202010202010D3012060A04007F0007020204060202010202010D"))
    assert [i.oid[-3:] for i in infos] == ["2.2", "6.2"]
    channel = establish(
        Replay(exchange),
        infos[1],
        mrz_information("C4KHNY1PF", "780214", "330315"),
        scalars=scalars(
            "01fd26013f5bc41fad8bb09811e435f16fbe2eb3c2e1d999b0f63da8c3d58bb5",
            "1fcd3d8ac4fae3960a14fea2925d75add335f13b248eba192358dded93a89552",
        ),
    )
    assert channel.keys.enc == H("a8e85e938514ec67ae33cda3d43d3c48")
    assert channel.keys.mac == H("27f1adeb705a049a305b0c619b14b9b3")
    select = "0ca4020c1d87110147ee2e3bd440fb596167f2bb6cd6395e8e08a105747484314bcf00"
    assert channel.wrap(H("00a4020c02011d")).hex() == select
    assert channel.unwrap(H("990290008e085f570baddd1002d2"), 0x9000) == (b"", 0x9000)
    assert channel.wrap(H("00b0000004")).hex() == "0cb000000d9701048e085d283ec183cbb99800"
    answer = H("871101d688d27a6d16f03619e76dcb59c1f1ec990290008e08b7df9a5982bb1729")
    assert channel.unwrap(answer, 0x9000) == (H("30820742"), 0x9000)
    assert channel.wrap(H("00b0000400")).hex() == "0cb000040d9701008e08a893fca2cd1cb17d00"
    answer = H(
        "8781e10191b363a7569f49734c418c91ace47aa27886ffd841802c1402793032b9a15568d16bddd290885c7bb6672c459be06fda2464b3ac216272142d6bdc10e60a8d977143e10b095c1066624a3cae65e422a5ad6faf4b2bbbdf3789e11632fda8317d15db2c6d5b1d77ee46e693afecf0bf6cc227d0106fda370f4a43fd70088362869acd7c55fe00a13c5eafa9f11c217d3a872075209d98709aec16b8a70bc1010497eb4eb2867044b8cb6fba76247b8240036aabf3a179c9adbdacf5cf83506effc723b51af2e2b4868f74e2f9aac7ecc29626ad19a75a1d1469f6123c69b9c223"
        "990290008e08ea0238ad4096f04d"
    )
    data, status = channel.unwrap(answer, 0x9000)
    assert status == 0x9000 and len(data) == 223 and data.startswith(H("06092a864886f70d010702"))  # signedData
    tampered = bytearray(answer)
    tampered[10] ^= 1
    channel.keys.ssc -= 1  # the same counter as the genuine answer: only the flipped bit differs
    with pytest.raises(SecureMessagingError, match="MAC"):
        channel.unwrap(bytes(tampered), 0x9000)
