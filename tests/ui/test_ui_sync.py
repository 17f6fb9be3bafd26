"""The app syncs with the registry in the background and says how it went."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from datetime import datetime, timezone

from kiosk.counter.desk import Desk
from kiosk.counter.service import Kiosk
from tests.support.data import analyzed, enrol_frames
from ui.background_sync import BackgroundSync
from ui.tasks import Tasks


def test_background_sync_pushes_and_reports(qtbot, settings, tmp_path, registry_url, card_record):
    with Kiosk.open(settings.replace(registry_url=registry_url, sync_interval_s=60), tmp_path / "a.sqlite") as kiosk:
        kiosk.enrol(card_record("lisa"), [analyzed(p).primary for p in enrol_frames("lisa")], consent=True)
        sync = BackgroundSync(kiosk=kiosk, tasks=Tasks())
        desk = Desk()
        sync.synced.connect(lambda: desk.synced())
        assert sync.enabled and desk.last_sync is None
        with qtbot.waitSignal(sync.status, timeout=20000) as signal:
            sync.start()
        sync.stop()
        assert desk.last_sync is not None and (datetime.now(timezone.utc) - desk.last_sync).total_seconds() < 30
        assert signal.args[0].startswith("Đồng bộ: nhận 0, gửi 6")  # 1 citizen, 3 samples, 1 consent, 1 first visit
        assert kiosk.store.db.execute("SELECT count(*) FROM face_samples WHERE pushed = 0").fetchone()[0] == 0


def test_registry_down_is_a_status_not_a_crash(qtbot, settings, tmp_path):
    with Kiosk.open(
        settings.replace(registry_url="postgresql://kiosk:pw@127.0.0.1:1/none", sync_interval_s=60),
        tmp_path / "a.sqlite",
    ) as kiosk:
        sync = BackgroundSync(kiosk=kiosk, tasks=Tasks())
        desk = Desk()
        sync.synced.connect(lambda: desk.synced())
        with qtbot.waitSignal(sync.status, timeout=20000) as signal:
            sync.start()
        sync.stop()
        assert "thử lại" in signal.args[0] and desk.last_sync is None


def test_no_registry_no_sync(settings, tmp_path):
    with Kiosk.open(settings, tmp_path / "a.sqlite") as kiosk:
        assert not BackgroundSync(kiosk=kiosk, tasks=Tasks()).enabled


def test_a_joined_counter_syncs_with_no_url_in_its_settings_and_says_when_it_is_revoked(qtbot, province, card_record):
    kiosk = province.join("Quầy A")
    assert kiosk.settings.registry_url == ""
    kiosk.enrol(card_record("lisa"), [analyzed(p).primary for p in enrol_frames("lisa")], consent=True)
    sync = BackgroundSync(kiosk=kiosk, tasks=Tasks())
    assert sync.enabled
    with qtbot.waitSignal(sync.status, timeout=20000) as signal:
        sync.sync_now()
    assert signal.args[0].startswith("Đồng bộ: nhận 0, gửi 6")
    assert province.cli("revoke-counter", "Quầy A").exit_code == 0
    with qtbot.waitSignal(sync.status, timeout=20000) as signal:
        sync.sync_now()
    assert "thu hồi" in signal.args[0]
