"""BAC and secure messaging against the worked example of ICAO Doc 9303 Part 11, Appendix D."""

from __future__ import annotations

from kiosk.chip import crypto
from kiosk.chip.mrz import mrz_information
from kiosk.chip.secure import BacTerminal, SecureChannel, SessionKeys, key_seed

H = bytes.fromhex


def test_key_derivation_from_the_mrz():
    info = mrz_information("L898902C", "690806", "940623")
    assert info == "L898902C<369080619406236"
    seed = key_seed(info)
    assert seed == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    assert crypto.derive_key(seed, crypto.ENC) == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert crypto.derive_key(seed, crypto.MAC) == H("7962D9ECE03D1ACD4C76089DCE131543")


def test_mutual_authentication():
    terminal = BacTerminal(
        "L898902C<369080619406236", rnd_ifd=H("781723860C06C226"), k_ifd=H("0B795240CB7049B01C19B33E32804F0B")
    )
    command = terminal.authenticate_command(H("4608F91988702212"))
    assert command == H("008200002872C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F25F1448EEA8AD90A728")
    channel = terminal.session(H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"))
    assert channel is not None
    assert channel.keys.enc == H("979EC13B1CBFE9DCD01AB0FED307EAE5")
    assert channel.keys.mac == H("F1CB1F1FB5ADF208806B89DC579DC1F8")
    assert channel.keys.ssc == 0x887022120C06C226


def test_a_wrong_answer_gives_no_channel():
    terminal = BacTerminal("L898902C<369080619406236")
    terminal.authenticate_command(H("4608F91988702212"))
    answer = bytearray(H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"))
    answer[3] ^= 1
    assert terminal.session(bytes(answer)) is None


def test_secure_messaging_select_and_read():
    channel = SecureChannel(
        SessionKeys(H("979EC13B1CBFE9DCD01AB0FED307EAE5"), H("F1CB1F1FB5ADF208806B89DC579DC1F8"), 0x887022120C06C226)
    )
    assert channel.wrap(H("00A4020C02011E")) == H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert channel.unwrap(H("990290008E08FA855A5D4C50A8ED"), 0x9000) == (b"", 0x9000)

    assert channel.wrap(H("00B0000004")) == H("0CB000000D9701048E08ED6705417E96BA5500")
    answer = H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED")
    assert channel.unwrap(answer, 0x9000) == (H("60145F01"), 0x9000)

    assert channel.wrap(H("00B0000412")) == H("0CB000040D9701128E082EA28A70F3C7B53500")
    answer = H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08C8B2787EAEA07D74")
    assert channel.unwrap(answer, 0x9000) == (H("04303130365F36063034303030305C026175"), 0x9000)
    assert channel.keys.ssc == 0x887022120C06C22C


def test_a_tampered_answer_fails_its_mac():
    import pytest

    from kiosk.chip.secure import SecureMessagingError

    channel = SecureChannel(
        SessionKeys(H("979EC13B1CBFE9DCD01AB0FED307EAE5"), H("F1CB1F1FB5ADF208806B89DC579DC1F8"), 0x887022120C06C229)
    )
    answer = bytearray(H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED"))
    answer[4] ^= 0x40
    with pytest.raises(SecureMessagingError):
        channel.unwrap(bytes(answer), 0x9000)
