"""A counter database from the release before face engines (dlib templates, schema 3) under
the new default engine: it opens, recognises its citizens through dlib, and upgrades each
citizen to SFace templates at their next confirmed visit (tests/data/README.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.counter.service import Kiosk
from kiosk.settings import Settings
from kiosk.store.schema import SCHEMA_VERSION
from models import Decision
from recognition.engines import engine_info
from recognition.images import load_image
from tests.support.data import ADMIN_PIN, FACES, FRAMES, run_cli

SON, THU, DUC = "096098004127", "096302011835", "096206002219"


def identify(kiosk: Kiosk, path: Path):
    return kiosk.identify(load_image(path))


def test_an_old_database_opens_recognises_through_dlib_and_upgrades_at_the_next_visit(legacy_db: Path) -> None:
    with sqlite3.connect(legacy_db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    with Kiosk.open(Settings(), legacy_db, create=False, actor="tester") as kiosk:
        assert kiosk.engine == "sface"
        assert kiosk.engine_status() == {
            "engine": "sface",
            "citizens": 3,
            "with_engine": 0,
            "lacking": 3,
            "templates_by_engine": {"dlib": 3},
        }
        assert kiosk.legacy_engines == ("dlib",) and len(kiosk.index.matchers["dlib"]) == 9 and len(kiosk.matcher) == 0
        son = kiosk.store.find_citizen(SON)[0]

        check = identify(kiosk, FRAMES / "london_005" / "visit_2.jpg")  # smiling: dlib recognises him alone
        assert (check.decision, check.engine, check.citizen.id_number) == (Decision.MATCH, "dlib", SON)
        assert check.samples and check.samples[0].engine == "sface" and "dlib" in check.samples[0].other_embeddings
        kiosk.check_in(check)
        assert kiosk.store.engines_of(son) == {"dlib", "sface"}
        assert kiosk.index.engine_of(son) == "sface"  # searched through SFace from now on, never through both
        assert kiosk.engine_status()["lacking"] == 2
        assert any(
            e["action"] == "upgrade_samples" and e["subject"] == "096*******27" for e in kiosk.store.audit_entries(5)
        )

        again = identify(kiosk, FRAMES / "london_005" / "visit_3.jpg")  # another frame of him, now through SFace
        assert (again.decision, again.engine) in ((Decision.MATCH, "sface"), (Decision.CONFIRM, "sface"))
        stranger = identify(kiosk, FACES / "london_132" / "1.jpg")
        assert stranger.decision is Decision.UNKNOWN and stranger.citizen is None

    with Kiosk.open(Settings(), legacy_db, create=False) as reopened:  # the next start-up loads both indexes right
        assert reopened.index.engine_of(son) == "sface" and len(reopened.index.matchers["dlib"]) == 6
        assert identify(reopened, FRAMES / "london_043" / "visit_2.jpg").citizen.id_number == DUC
        with sqlite3.connect(legacy_db) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert conn.execute(
                "SELECT engine, model_version, count(*) FROM face_samples GROUP BY engine ORDER BY engine"
            ).fetchall() == [
                ("dlib", "dlib_face_recognition_resnet_model_v1", 9),
                ("sface", engine_info("sface").model_version, 1),
            ]


def test_a_frame_that_fails_the_gates_does_not_upgrade(legacy_db: Path) -> None:
    """A turned head is recognised (and logged) through dlib but is no template to keep."""
    with Kiosk.open(Settings(), legacy_db, create=False) as kiosk:
        check = identify(kiosk, FRAMES / "london_030" / "visit_3.jpg")
        assert check.samples[0].issues  # three-quarter view
        if check.decision is Decision.CONFIRM:
            check = kiosk.confirm(check, THU[-4:])
        assert check.decision is Decision.MATCH and check.engine == "dlib"
        kiosk.check_in(check)
        thu = kiosk.store.find_citizen(THU)[0]
        assert kiosk.store.engines_of(thu) == {"dlib"} and kiosk.engine_status()["lacking"] == 3


def test_the_cli_lists_who_lacks_the_new_templates_and_upgrades_on_identify(legacy_db: Path) -> None:
    run_cli("admin", "set-pin", "--db", legacy_db, "--new-pin", ADMIN_PIN)
    before = run_cli("list", "--db", legacy_db, "--pin", ADMIN_PIN)
    assert "3 of 3 citizens have no sface face template yet" in before.output and "(dlib)" in before.output
    found = run_cli("identify", "--db", legacy_db, FRAMES / "london_043" / "visit_2.jpg", "--json")
    assert found.exit_code == 0 and '"decision": "match"' in found.output
    after = run_cli("list", "--db", legacy_db, "--pin", ADMIN_PIN, "--json")
    engines = {
        line.split('"full_name": "')[1].split('"')[0]: line
        for line in after.output.splitlines()
        if line.startswith("{")
    }
    assert '"engines": ["dlib", "sface"]' in engines["Trần Văn Đức"] and '"engines": ["dlib"]' in engines["Lê Anh Sơn"]


def test_templates_of_one_engine_are_never_compared_with_another(legacy_db: Path) -> None:
    """The dlib index holds only citizens without SFace templates; a probe is searched in each
    index with that engine's own embedding."""
    with Kiosk.open(Settings(), legacy_db, create=False) as kiosk:
        index = kiosk.index
        assert index.matchers["sface"].metric == "cosine" and index.matchers["dlib"].metric == "euclidean"
        sample = kiosk.analyze(load_image(FRAMES / "london_005" / "visit_2.jpg")).primary
        without_dlib = type(sample)(**{**sample.__dict__, "other_embeddings": {}})
        assert kiosk.identify_sample(without_dlib).decision is Decision.UNKNOWN  # nobody has SFace templates yet
        with_dlib = kiosk.identify_sample(sample)
        assert (with_dlib.decision, with_dlib.engine) == (Decision.MATCH, "dlib")
        swapped = type(sample)(
            **{**sample.__dict__, "other_embeddings": {"dlib": sample.embedding}}
        )  # an SFace vector as dlib's
        assert kiosk.identify_sample(swapped).decision is Decision.UNKNOWN
