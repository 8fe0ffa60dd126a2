"""`painmap score` killed with SIGKILL mid-file and rerun: every input row comes out exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

pytest.importorskip("models.classify", reason="models.classify (CLASSIFY) is not there yet")
pytest.importorskip("service.tables.io", reason="service.tables.io (IO-SAMPLES) is not there yet")

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples" / "appeals.csv"


def painmap(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "service.cli", *map(str, args)]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("registry")
    subprocess.run(
        painmap("train", "--data", SAMPLES, "--text-col", "text", "--head", "topic", "--model-dir", root),
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    return root


@pytest.fixture()
def big_input(tmp_path) -> Path:
    """The samples repeated to ~6,000 rows, each with a unique id, so the kill lands between chunks."""
    base = pd.read_csv(SAMPLES)
    copies = []
    for i in range(20):
        copy = base.copy()
        copy["id"] = copy["id"].astype(str) + f"-{i}"
        copies.append(copy)
    path = tmp_path / "appeals_big.csv"
    pd.concat(copies, ignore_index=True).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("engine", [[], ["--engine", "dask", "--workers", "2"]], ids=["local", "dask"])
def test_killed_score_resumes_without_loss_or_duplicates(model_dir, big_input, tmp_path, engine):
    """Killed after a few parts and rerun: every row once. On a LocalCluster the workers write their own
    parts; they must die with `painmap score` (no orphan adds a part behind the rerun's back)."""
    out = tmp_path / "scored.csv"
    partial = out.with_name(out.name + ".partial")
    command = painmap(
        "score", big_input, "--text-col", "text", "--model-dir", model_dir, "--out", out,
        "--chunksize", "100", *engine,
    )  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and process.poll() is None:
        if len(list(partial.glob("part-*.csv"))) >= 3:
            children = psutil.Process(process.pid).children(recursive=True)
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "score finished before it could be killed"
    _, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"workers outlived the killed parent: {[p.pid for p in alive]}"
    assert not out.exists(), "a killed run must not leave output at OUT"
    done_before = len(list(partial.glob("part-*.csv")))

    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"продолжено с {done_before} готовых порций" in rerun.stdout

    source = pd.read_csv(big_input)
    scored = pd.read_csv(out)
    assert len(scored) == len(source)
    assert scored["id"].is_unique
    assert scored["id"].tolist() == source["id"].tolist()
    assert scored["topic"].notna().all()
    assert not partial.exists()


def test_pool_and_gzip_parts_match_one_process(model_dir, big_input, tmp_path):
    """Parts scored by 2 forked processes (completing out of order) assemble into the same rows, in input
    order, as one process; .csv.gz parts are separate gzip members that read back as one file."""
    common = ["--text-col", "text", "--model-dir", model_dir, "--chunksize", "500"]
    one, pool = tmp_path / "one.csv", tmp_path / "pool.csv.gz"
    for out, workers in ((one, "1"), (pool, "2")):
        done = subprocess.run(
            painmap("score", big_input, *common, "--out", out, "--workers", workers),
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    expected, scored = pd.read_csv(one), pd.read_csv(pool)
    assert scored["id"].tolist() == pd.read_csv(big_input)["id"].tolist()
    pd.testing.assert_frame_equal(scored, expected)
    assert one.read_bytes().startswith(b"\xef\xbb\xbf")  # one BOM, at the start only
    assert one.read_bytes().count(b"\xef\xbb\xbf") == 1


def test_pool_reads_tricky_csv_like_one_process(model_dir, tmp_path):
    """Byte blocks parsed by the workers: multi-line quoted texts, a `;` file with CRLF, and a quote inside an
    unquoted field (`ab"c`, which misleads the quote-parity cut) all give the rows one process reads."""
    texts = [f'Жалоба {i}: "кавычки", запятые\nи перенос строки' for i in range(300)]
    lines = ["id;text", '0;Подъезд "Ромашка" не убран'] + [f'{i};"{t.replace(chr(34), chr(34) * 2)}"'
                                                           for i, t in enumerate(texts, start=1)]
    quoted = tmp_path / "quoted.csv"
    quoted.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    literal = tmp_path / "literal.csv"
    literal.write_bytes("\r\n".join([lines[0], '0;ab"c', *lines[2:]]).encode("utf-8") + b"\r\n")
    for source in (quoted, literal):
        outs = []
        for workers in ("1", "2"):
            out = tmp_path / f"{source.stem}-{workers}.csv"
            done = subprocess.run(
                painmap("score", source, "--text-col", "text", "--model-dir", model_dir, "--out", out,
                        "--workers", workers, "--chunksize", "20"),
                cwd=ROOT, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            outs.append(pd.read_csv(out, dtype=str))
        assert len(outs[0]) == 301
        pd.testing.assert_frame_equal(outs[1], outs[0])


def test_progress_counts_every_row_once_after_a_fallback_to_rows(model_dir, tmp_path):
    """A quote inside an unquoted field sends the pool run back to the row reader; the progress it had
    reported is taken back, so the bar ends at the number of rows, not above it."""
    from models.registry import ModelRegistry
    from service.scoring.batch import score_file

    # late in the file, so earlier blocks are scored (and counted) before a cut lands inside a quoted field
    rows = ["id,text"] + [f"{i},Жалоба номер {i} на уборку двора" for i in range(300)] + ['300,ab"c']
    rows += [f'{i},"Жалоба номер {i},\nвторая строка"' for i in range(301, 400)]
    source = tmp_path / "literal.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    steps: list[int] = []
    model = ModelRegistry(model_dir).load(lazy=True)
    result = score_file(source, tmp_path / "out.csv", model, text_col="text", chunksize=20, workers=2,
                        progress=steps.append)  # fmt: skip
    assert result.rows == 400
    assert sum(steps) == 400
    assert any(s < 0 for s in steps), "the byte-block attempt should have failed and been taken back"


@pytest.mark.parametrize("workers", [1, 2])
def test_the_input_is_sniffed_once_and_its_header_read_once(
    model_dir, big_input, tmp_path, monkeypatch, workers
):
    """Before it cuts a CSV, `score` used to sniff the encoding and delimiter and parse the header four
    times; now one layout (service.scoring.input.input_layout) serves every reader in this process."""
    import service.tables.io as table_io
    from models.registry import ModelRegistry
    from service.scoring.batch import score_file

    calls = {"sniff": 0, "header": 0}
    real_sniff, real_frames = table_io._sniff, table_io._frames

    def counting_sniff(*args, **kwargs):
        calls["sniff"] += 1
        return real_sniff(*args, **kwargs)

    def counting_frames(name, rows, chunksize, *args, **kwargs):
        calls["header"] += chunksize == 1  # a header probe reads one row
        return real_frames(name, rows, chunksize, *args, **kwargs)

    monkeypatch.setattr(table_io, "_sniff", counting_sniff)
    monkeypatch.setattr(table_io, "_frames", counting_frames)
    model = ModelRegistry(model_dir).load(lazy=True)
    out = tmp_path / "out.csv"
    result = score_file(big_input, out, model, text_col="text", chunksize=500, workers=workers)
    assert result.rows == len(pd.read_csv(big_input))
    assert calls == {"sniff": 1, "header": 1}
