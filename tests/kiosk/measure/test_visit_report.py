"""`kiosk report` on the bundled sample day: replayed (with its ratings) into a fresh database,
written as HTML and CSV, opened in headless Chromium, its figures checked against the visits
in the database, and no name, ID number or face anywhere in its bytes."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from kiosk.cccd.record import parse_cccd
from kiosk.store.records import fold
from recognition.qr import read_qr_file
from tests.support.data import ADMIN_PIN, CARDS, SAMPLE_SET, run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def sample_day(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The sample day replayed into a fresh database: (folder, environment for the CLI)."""
    folder = tmp_path_factory.mktemp("day")
    (folder / "kiosk.toml").write_text('counter_name = "Quầy 1"\n', encoding="utf-8")  # nothing of this machine's
    env = {"KIOSK_KEY_FILE": str(folder / "kiosk.key"), "KIOSK_CONFIG": str(folder / "kiosk.toml")}
    result = run_cli("replay", SAMPLE_SET, "--db", folder / "day.sqlite", "--pin", ADMIN_PIN, env=env)
    assert result.exit_code == 0 and result.output.rstrip().endswith("PASSED"), result.output
    return folder, env


def stored_visits(db: Path) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM visits ORDER BY id")]


def personal_strings() -> set[str]:
    """Every sample citizen's name (as written and without accents), ID number and masked ID number."""
    found = set()
    for card in CARDS.glob("*.jpg"):
        record = parse_cccd(read_qr_file(card)[0].data).record
        found |= {record.full_name, fold(record.full_name), record.id_number, record.masked_id}
        found |= {record.old_id_number} - {""}
    assert len(found) >= 4 * 7
    return found


@pytest.mark.slow
def test_the_sample_day_report_shows_the_visits_in_the_database(sample_day, tmp_path):
    folder, env = sample_day
    html, csv_dir = tmp_path / "report.html", tmp_path / "csv"
    result = run_cli("report", "--db", folder / "day.sqlite", "--html", html, "--csv", csv_dir, "--json", env=env)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.splitlines()[-1])

    visits = stored_visits(folder / "day.sqlite")
    returning = [v for v in visits if not v["first_visit"]]
    waits = [
        (datetime.fromisoformat(v["at"]) - datetime.fromisoformat(v["seen_at"])).total_seconds() for v in returning
    ]
    answers = [v["rating"] for v in visits if v["rating"]]
    satisfied = sum(a in ("very_satisfied", "satisfied") for a in answers)
    assert out["visits"] == len(visits) == 26  # 30 visits logged, the purged citizen's 4 gone with her
    assert out["by_how"] == {
        "auto": sum(v["method"] == "face" for v in returning),
        "keypad": sum(v["method"] == "confirm" for v in returning),
        "card": sum(v["method"] == "qr" for v in returning),
        "enrolled": sum(v["first_visit"] for v in visits),
    }
    assert out["by_how"]["enrolled"] == 6 and out["by_how"]["auto"] >= 15
    assert out["confirm_median_s"] == pytest.approx(statistics.median(waits), abs=1e-3)
    assert out["confirm_p90_s"] == pytest.approx(float(np.percentile(waits, 90)), abs=1e-3)
    rate = satisfied / len(answers)
    assert out["answers"] == len(answers) and out["satisfaction"] == pytest.approx(rate, abs=1e-4)  # JSON: 4 places

    # The ratings are the manifest's, step by step (the purged citizen's went with her).
    steps = tomllib.loads((SAMPLE_SET / "manifest.toml").read_text(encoding="utf-8"))["step"]
    purged = {s["id_number"] for s in steps if s["action"] == "purge"}
    manifest = [
        s["rating"]
        for s in steps
        if "rating" in s and s["rating"] != "none" and s.get("id_number") not in purged and "Kim Thư" not in s["label"]
    ]
    assert sorted(manifest) == sorted(answers) and sum(v["done_at"] is not None for v in visits) == len(visits)

    # The CSV tables say the same, in Vietnamese.
    summary = dict(csv.reader((csv_dir / "summary.csv").open(encoding="utf-8-sig")))
    assert summary["Lượt đến"] == str(len(visits))
    assert summary["Số câu trả lời"] == str(len(answers))
    assert summary["Tỷ lệ hài lòng"] == f"{100 * satisfied / len(answers):.1f}%".replace(".", ",")
    assert summary["Trung vị thời gian đến khi xác nhận"] == f"{statistics.median(waits):.1f} s".replace(".", ",")
    [day] = list(csv.DictReader((csv_dir / "days.csv").open(encoding="utf-8-sig")))
    assert day["Lượt đến"] == str(len(visits))

    # Nothing personal in any byte; nothing fetched from outside; plots inside.
    page = html.read_bytes()
    for path in [html, *csv_dir.iterdir()]:
        data = path.read_bytes()
        leaked = [s for s in personal_strings() if s.encode("utf-8") in data]
        assert leaked == [], f"{path.name} holds {leaked}"
    assert b"image/jpeg" not in page and page.count(b"data:image/png;base64,") == 3  # one counter: no ranking plot
    assert b"src='http" not in page and b'src="http' not in page and b"<link" not in page
    made = html.read_text(encoding="utf-8")  # every time in the report is local, with its offset said
    assert "(UTC+07:00)</p>" in made and " UTC</p>" not in made
    assert "Lượt đến: mỗi lần một công dân được phục vụ tại quầy, gồm lần đầu (đăng ký)" in made

    # Opened in headless Chromium (offline): a screenshot, looked at.
    if CHROMIUM is None:  # scripts/setup --test installs it on Debian/Ubuntu
        pytest.skip("no chromium on this machine: the page was checked, not rendered")
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,1700",
            f"--screenshot={shot}",
            html.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    import cv2

    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (1700, 1200)
    green = np.all(np.abs(image.astype(int) - [0x3B, 0x7F, 0x1B]) < 12, axis=2).sum()  # the "auto" bars (BGR)
    dark = (image.max(axis=2) < 80).sum()  # text
    assert green > 5000 and dark > 5000, "the page shows its plots and text"


def test_bad_dates_are_one_line_errors_and_write_nothing(sample_day, tmp_path):
    folder, env = sample_day
    html = tmp_path / "r.html"
    for args, words in (
        (["--from", "31/02/2026"], "--from '31/02/2026' is not a date"),
        (["--from", "2026-12-02", "--to", "2026-12-01"], "is after --to"),
    ):
        result = run_cli("report", "--db", folder / "day.sqlite", "--html", html, *args, env=env)
        assert result.exit_code == 1 and words in result.output and not html.exists()
    result = run_cli("report", "--db", tmp_path / "missing.sqlite", "--html", html, env=env)
    assert result.exit_code == 1 and result.output.startswith("error:") and not html.exists()
    # a typo in a folder name: refused in one line, nothing made anywhere
    for args, option in (
        (["--html", tmp_path / "missing" / "dir" / "x.html"], "--html"),
        (["--html", html, "--csv", tmp_path / "missing" / "csv"], "--csv"),
    ):
        result = run_cli("report", "--db", folder / "day.sqlite", *args, env=env)
        assert result.exit_code == 1 and result.output.splitlines() == [
            f"error: {option}: the folder {tmp_path / 'missing' if option == '--csv' else tmp_path / 'missing' / 'dir'}"
            f" does not exist - create it first, or give another {option} path"
        ]
        assert not (tmp_path / "missing").exists() and not html.exists()


def test_a_period_without_visits_says_so(sample_day, tmp_path):
    folder, env = sample_day
    html = tmp_path / "empty.html"
    result = run_cli(
        "report", "--db", folder / "day.sqlite", "--html", html, "--from", "2020-01-01", "--to", "2020-01-31", env=env
    )
    assert result.exit_code == 0 and "(0 visits" in result.output
    page = html.read_text(encoding="utf-8")
    assert "Không có lượt đến nào" in page and "Từ 01/01/2020 đến 31/01/2020" in page


@pytest.mark.parametrize(("lang", "shown"), [("vi", ["0", "0,5", "1", "1,5", "2", "2,5"]), ("en", ["0", "0.5", "1"])])
def test_plot_numbers_are_written_as_in_the_tables_and_counts_have_whole_ticks(lang, shown):
    from matplotlib.figure import Figure

    from kiosk.measure.report_plots import _numbers

    fig = Figure()
    counts, seconds = fig.subplots(1, 2)
    counts.bar(["a", "b"], [1, 3])
    counts.set_ylim(0, 3.2)
    _numbers(counts.yaxis, lang, counts=True)
    seconds.plot([0, 2.5], [0, 1])
    seconds.set_xlim(0, 2.5)
    _numbers(seconds.xaxis, lang, counts=False)
    fig.canvas.draw()
    ticks = [t.get_text() for t in counts.get_yticklabels()]
    assert ticks[:4] == ["0", "1", "2", "3"] and all(t.isdigit() for t in ticks)  # no 0.5 of a visit
    assert [t.get_text() for t in seconds.get_xticklabels()][: len(shown)] == shown
