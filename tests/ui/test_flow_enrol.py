"""The counter's enrolment steps (ui/flow_enrol.py) without a display: consent, guided capture and
saving, for a new citizen or new samples of a known one, on real cards, real faces and real SQLite,
a fake clock the test moves (tests.support.flow)."""

from __future__ import annotations

from kiosk.counter.watch import Mode, WatchResult
from kiosk.errors import StoreError
from models import Decision, QualityIssue
from recognition.qr import read_qr_file
from tests.support.chip_card import plug_reader
from tests.support.data import CARDS, FRAMES, analyzed, check_ins, enrol_frames
from tests.support.flow import SHAPE, card, decided
from ui.flow import Event, Note, State


def test_a_stranger_shows_the_card_gives_consent_and_is_enrolled(make_flow, enrolled, clock):
    flow, view, watcher = make_flow(enrolled)
    flow.frame(decided(enrolled, "strangers/london_132_1.jpg"))
    assert (
        flow.state is State.ASK_CARD and view.screens[-1].ask_reason == "unknown" and watcher.held == [Decision.UNKNOWN]
    )
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    assert flow.state is State.CARD and not flow.card_known and flow.face_failed
    assert view.events[-1] == (Event.FORM_FILLED, card("london_045").record)
    flow.primary()
    assert flow.state is State.CONSENT and view.screens[-1].card.record.full_name == "Lý Quốc Sơn"
    flow.primary()  # Enter alone is not consent: the box is unticked
    flow.enrol.give_consent()
    assert flow.state is State.CONSENT
    flow.enrol.set_consent_ticked(True)
    flow.primary()
    assert flow.state is State.CAPTURE and view.screens[-1].mode is Mode.CAPTURE and view.screens[-1].need == 3
    turned = analyzed(FRAMES / "london_045" / "enrol_bad_3_0.jpg").primary
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=turned))
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE))
    assert view.lines[-2:] == [f"issue {turned.issues[0].message}", f"issue {QualityIssue.NO_FACE.message}"]
    assert flow.enrolment.samples == []
    good = [analyzed(p).primary for p in enrol_frames("london_045")]
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=good[0]))
    clock.now += 0.1
    flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=good[1]))  # too soon after the last one kept
    assert len(flow.enrolment.samples) == 1 and view.lines[-1] == "taken 1/3"
    for sample in good[1:]:
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=sample))
    assert view.states[-3:] == ["capture", "saving", "saved"]
    result = view.screens[-1].enrolled
    assert result.record.full_name == "Lý Quốc Sơn" and result.samples_stored == 3
    assert view.events[-1] == (Event.ENROLLED, result) and view.notes[-1] == (Note.ENROLLED, "Lý Quốc Sơn")
    assert watcher.held[-1] == result.citizen_id and enrolled.store.consents(result.citizen_id)
    flow.enrolment.show_receipt()
    assert view.receipts == [result]
    # the enrolment logged her first visit: the one being served, the one the local API offers
    assert result.visit_id and flow.visits.serving == result.visit_id == flow.desk.current().visit_id
    flow.primary()  # "Tiếp tục (Enter)": the screen closes, the visit goes on
    assert flow.state is State.IDLE and flow.enrolment.samples == [] and flow.visits.serving == result.visit_id
    flow.visits.finish()  # the one "Xong" (F8) that ends any visit
    assert view.lines[-2:] == ["serving None", f"rate {result.visit_id}"]
    [first] = [v for v in enrolled.store.visits(10) if v["id"] == result.visit_id]
    assert first["first_visit"] and first["done_at"] is not None


def test_refusing_consent_stores_nothing(make_flow, enrolled):
    flow, view, _watcher = make_flow(enrolled)
    flow.scanned(read_qr_file(CARDS / "london_045.jpg")[0].text)
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.secondary()
    assert flow.state is State.IDLE and view.notes[-1] == (Note.CONSENT_REFUSED, "")
    assert enrolled.store.find_citizen("096203007742") is None


def test_a_known_card_checks_in_or_gets_new_samples(make_flow, enrolled, clock):
    flow, view, watcher = make_flow(enrolled)
    flow.ask_for_card("")
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_099")))
    assert flow.state is State.CARD and flow.card_known and not view.screens[-1].face_failed
    flow.extra()
    assert flow.state is State.CAPTURE and view.screens[-1].adding
    before = enrolled.store.sample_count()
    for path in enrol_frames("london_099"):
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=analyzed(path).primary))
    assert flow.state is State.SAVED and view.events[-1][0] is Event.SAMPLES_ADDED
    assert enrolled.store.sample_count() == before + view.events[-1][1] == before + view.screens[-1].added
    flow.go_idle()
    flow.scanned(read_qr_file(CARDS / "london_099.jpg")[0].text)
    flow.primary()
    [card_visit] = check_ins(enrolled.store, 1)
    assert flow.state is State.IDLE and view.events[-1] == (Event.VISIT_LOGGED, card_visit["id"])  # its real id
    assert card_visit["method"] == "qr" and watcher.held[-1] == enrolled.citizen_id_of("096302009958")


def test_a_database_error_while_saving_keeps_the_samples_and_offers_to_save_again(
    make_flow, enrolled, clock, monkeypatch
):
    flow, view, _watcher = make_flow(enrolled)
    flow.scanned(read_qr_file(CARDS / "london_045.jpg")[0].text)
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.primary()

    def locked(*_args, **_kwargs):
        raise StoreError("database is locked", "close the other program")

    monkeypatch.setattr(enrolled, "enrol", locked)
    for path in enrol_frames("london_045"):
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=analyzed(path).primary))
    assert flow.state is State.SAVING and isinstance(view.errors[-1], StoreError) and len(flow.enrolment.samples) == 3
    monkeypatch.undo()
    view.retry()
    assert flow.state is State.SAVED and view.events[-1][0] is Event.ENROLLED


def test_a_mis_encoded_card_is_read_corrected_by_the_clerk_audited_and_enrolled_so(make_flow, enrolled, clock):
    from kiosk.cccd.record import parse_cccd

    flow, view, _watcher = make_flow(enrolled)
    fields = read_qr_file(CARDS / "london_045.jpg")[0].text.split("|")
    fields[1], fields[2] = "3812345670", "L\ufffd Qu\ufffdc S\ufffdn"  # a 10-digit old ID, a name printed from mojibake
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=parse_cccd("|".join(fields))))
    assert flow.state is State.CARD and not flow.card_known  # read, never refused
    assert [w.code for w in view.screens[-1].card.warnings] == ["old_id_unusual", "name_encoding"]
    number, address = view.screens[-1].card.record.id_number, view.screens[-1].card.record.address
    assert not flow.correct_card("079301009999", "Lý Quốc Sơn", address)  # another card's correction: ignored
    assert not flow.correct_card(number, "", address)  # an empty name: one line on screen, the card unchanged
    assert view.errors[-1].message == "full name is empty" and "\ufffd" in flow.card.record.full_name
    assert flow.correct_card(number, "  Lý Quốc  Sơn", address)
    shown = view.screens[-1].card
    assert flow.state is State.CARD and shown.record.full_name == "Lý Quốc Sơn"
    assert [w.code for w in shown.warnings] == ["old_id_unusual"]
    (entry,) = [e for e in enrolled.store.audit_entries(5) if e["action"] == "card_corrected"]
    assert entry["subject"] == shown.record.masked_id and "Sơn" not in entry["detail"]
    assert '"fields": ["full_name"]' in entry["detail"] and "name_encoding" in entry["detail"]
    assert not flow.correct_card(number, "Lý Quốc Sơn", "Elsewhere")  # the address read fine: not the clerk's
    assert "without a sign of mis-encoding" in view.errors[-1].message
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.primary()
    for sample in [analyzed(p).primary for p in enrol_frames("london_045")]:
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=sample))
    stored = view.screens[-1].enrolled.record
    assert stored.full_name == "Lý Quốc Sơn" and stored.old_id_number == "3812345670"
    assert enrolled.store.find_citizen(stored.id_number)[1].full_name == "Lý Quốc Sơn"  # found by its ID number


def test_an_enrolled_citizens_card_cannot_be_corrected_at_the_counter(make_flow, enrolled):
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_005")))
    assert flow.state is State.CARD and flow.card_known
    assert not flow.correct_card(flow.card.record.id_number, "Someone Else", "Elsewhere")
    assert flow.card.record.full_name == "Lê Anh Sơn"
    assert not [e for e in enrolled.store.audit_entries(5) if e["action"] == "card_corrected"]


def consent_and_capture(flow, clock, folder):
    flow.primary()
    flow.enrol.set_consent_ticked(True)
    flow.primary()
    for path in enrol_frames(folder):
        clock.now += 0.5
        flow.frame(WatchResult(Mode.CAPTURE, SHAPE, sample=analyzed(path).primary))


def test_with_a_chip_reader_the_holder_enrols_with_the_chip_s_record(make_flow, enrolled, clock, monkeypatch):
    from tests.support.data import FACES

    plug_reader(monkeypatch, card("london_045").record, FACES / "london_045" / "3.jpg")
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    consent_and_capture(flow, clock, "london_045")
    assert view.states[-2:] == ["saving", "saved"]
    result = view.screens[-1].enrolled
    assert result.record.full_name == "Lý Quốc Sơn"
    assert '"chip": "signature"' in str(enrolled.store.audit_entries()[0]["detail"])


def test_with_a_chip_reader_another_face_is_refused_and_nothing_is_stored(make_flow, enrolled, clock, monkeypatch):
    from kiosk.errors import ChipError
    from tests.support.data import FACES

    plug_reader(monkeypatch, card("london_045").record, FACES / "london_045" / "3.jpg")
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    consent_and_capture(flow, clock, "london_115")  # somebody else in front of the camera
    assert flow.state is State.IDLE and flow.enrolment.samples == []  # refused: the next citizen
    error = view.errors[-1]
    assert isinstance(error, ChipError) and error.reason == "not_holder"
    assert enrolled.store.find_citizen(card("london_045").record.id_number) is None


def test_a_card_off_the_reader_keeps_the_samples_and_offers_to_save_again(make_flow, enrolled, clock, monkeypatch):
    from kiosk.errors import ChipError
    from tests.support.data import FACES

    reader = plug_reader(monkeypatch, card("london_045").record, FACES / "london_045" / "3.jpg")
    reader["on_reader"] = False
    flow, view, _watcher = make_flow(enrolled)
    flow.frame(WatchResult(Mode.CARD, SHAPE, card=card("london_045")))
    consent_and_capture(flow, clock, "london_045")
    assert flow.state is State.SAVING and view.errors[-1].reason == "no_card" and len(flow.enrolment.samples) == 3
    assert isinstance(view.errors[-1], ChipError)
    reader["on_reader"] = True
    view.retry()
    assert flow.state is State.SAVED and view.events[-1][0] is Event.ENROLLED
