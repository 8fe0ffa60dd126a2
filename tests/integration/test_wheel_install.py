"""The package works installed as a wheel, outside the repo: data (lexicons, taxonomies, samples) ships inside
it and working files go to the current directory, not to site-packages.

The wheel is built from this checkout, installed without dependencies into a fresh venv in a temp folder; the
venv sees this environment's dependencies through a path entry (not the editable install of the checkout,
whose finder lives in a .pth file that such an entry does not run). Then `painmap train`, `score`, `pains`
and `report` run there on the shipped samples, from a directory that is not the repo.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, (
        f"{' '.join(cmd)} → {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def test_wheel_installed_outside_the_repo_trains_scores_finds_pains_and_reports(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-w", str(wheels), "-q"],
        capture_output=True, text=True, timeout=600,
    )
    if build.returncode != 0 and "Could not find a version" in build.stderr:
        pytest.skip(f"no setuptools for an isolated build here: {build.stderr[-300:]}")
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(wheels.glob("painmap-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       capture_output=True, text=True, check=True).stdout.strip()
    )
    (site / "painmap_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAINMAP_", "DATABASE_URL", "PYTHON"))}
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(site),
          str(wheel), "-q"], work, env)
    painmap = [str(python), "-m", "service.cli"]

    where = _run([str(python), "-c", "import nlp.resources, service; print(nlp.resources.data_dir());"
                  " print(service.__file__)"], work, env).split()
    data, package = Path(where[0]), Path(where[1])
    assert data.is_relative_to(site) and package.is_relative_to(site), where  # not the checkout
    samples = data / "samples"

    _run([*painmap, "train", "--data", str(samples / "appeals.csv"), "--text-col", "text",
          "--head", "topic=topic", "--head", "process=process", "--model-dir", "models"], work, env)
    _run([*painmap, "score", str(samples / "appeals.csv"), "--text-col", "text", "--model-dir", "models",
          "--out", "scored.csv"], work, env)
    assert (work / "scored.csv").stat().st_size > 1000
    _run([*painmap, "pains", str(samples / "survey_answers.csv"), "--text-col", "answer",
          "--out", "pains.json"], work, env)
    assert '"pains"' in (work / "pains.json").read_text(encoding="utf-8")
    _run([*painmap, "report", "--quarter", "2025Q2", "--data", str(samples / "appeals.csv"),
          "--out", "reports"], work, env)
    assert list((work / "reports").glob("*.xlsx")) and list((work / "reports").glob("*.html"))
    assert not (site / "var").exists()  # working files stay in the working directory
