"""Model bundles: estimator + card + manifest, a champion alias, promote and roll back.

A bundle is a directory ``<root>/<id>/`` holding ``estimator.pkl.gz`` (the fitted estimator with its
Preprocessor inside, pickled with protocol 5 and gzip-compressed), ``card.json`` (what was trained on what,
with which libraries) and ``manifest.json`` (sha256 of every other file). The registry also keeps
``<root>/index.json`` with the sha256 of each manifest it wrote itself and an HMAC of it keyed by a secret
kept outside the model directory (``<root>/../painmap.secret`` or ``$PAINMAP_SECRET_FILE``, created with
mode 600 on the first save). A bundle copied in from elsewhere, edited after saving, or re-hashed together
with its manifest and the index is refused *before* anything is unpickled (unpickling runs code, so only
our own, unchanged files are loaded): forging the HMAC needs the secret, which never sits beside the
bundles.

Bundle format 2 is read by the C unpickler: the SPb model (77 MB pickled) loads in ≈0.4 s, against ≈2.3 s
for format 1 (``estimator.joblib``), whose NumpyUnpickler is pure Python. Every process that scores pays the
load (the service, each CLI command, each pool or Dask worker). Format 1 bundles are still read.

    reg = ModelRegistry(Path("var/models"))
    model_id = reg.save(clf, {"metrics": {"topic": {"macro_f1": 0.9}}})
    reg.promote(model_id)
    model = reg.load()            # the champion
    model.estimator.predict_table(["Не вывозят мусор"])
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from models.bundle_estimator import ESTIMATOR_FILE, ESTIMATOR_FILES, dump_estimator, load_estimator
from models.bundle_signing import (
    SECRET_ENV,
    SECRET_FILE,
    SecretMissing,
    manifest_signature,
    signatures_match,
)

CARD_FILE = "card.json"
MANIFEST_FILE = "manifest.json"

INDEX_FILE = "index.json"
CHAMPION_FILE = "champion.json"
BUNDLE_FORMAT = 2
_LIBRARIES = ("painmap", "scikit-learn", "numpy", "scipy", "pandas", "joblib", "pymorphy3", "razdel")


class BundleError(RuntimeError):
    """A model bundle is missing, tampered with or incompatible with the running code."""


@dataclass
class LoadedModel:
    """A verified bundle. A lazy one (`ModelRegistry.load(lazy=True)`) unpickles its estimator on first use,
    verifying the bundle again then, so a command that only hands the bundle to other processes never pays."""

    card: dict[str, Any]
    path: Path
    warnings: list[str] = field(default_factory=list)
    _estimator: Any = field(default=None, repr=False)

    @property
    def model_id(self) -> str:
        return str(self.card["id"])

    @property
    def estimator(self) -> Any:
        if self._estimator is None:
            self._estimator = ModelRegistry(self.path.parent).load(self.path.name)._estimator
        return self._estimator


def file_sha256(path: Path, block: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def preprocessor_protocol(version: str) -> str:
    """The part of a Preprocessor version that must match for a pickled one to behave the same: its major."""
    return str(version).split(".", 1)[0]


def _current_preprocessor_version() -> str:
    from nlp import Preprocessor

    return str(Preprocessor.version)


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (Path, dt.datetime, dt.date)):
        return str(value)
    raise TypeError(f"не сериализуется в JSON: {type(value).__name__}")


def _write_json_atomic(path: Path, data: Any) -> None:
    """Write to a temp file in the same directory, fsync, then rename: readers see the old or the new file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2, default=_json_default)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise BundleError(f"{path}: файл повреждён или не JSON ({exc})") from exc


def describe_estimator(estimator: Any) -> dict[str, Any]:
    """Heads, classes and preprocessor version read from a fitted MultiHeadClassifier-like estimator."""
    info: dict[str, Any] = {"estimator": f"{type(estimator).__module__}.{type(estimator).__qualname__}"}
    classes = getattr(estimator, "classes_", None)
    if isinstance(classes, dict):
        info["heads"] = list(getattr(estimator, "heads_", classes.keys()))
        info["classes"] = {head: [str(c) for c in values] for head, values in classes.items()}
    for attr, key in (("taxonomy_", "taxonomy"), ("unlearned_", "unlearned_labels")):
        if isinstance(getattr(estimator, attr, None), dict):  # bundles older than these attributes lack them
            info[key] = getattr(estimator, attr)
    # the fitted one (sklearn convention) if the estimator has it, else the parameter
    preprocessor = getattr(estimator, "preprocessor_", None) or getattr(estimator, "preprocessor", None)
    version = getattr(preprocessor, "version", None) if preprocessor is not None else None
    info["preprocessor_version"] = str(version) if version is not None else _current_preprocessor_version()
    info["preprocessor_protocol"] = preprocessor_protocol(info["preprocessor_version"])
    return info


class ModelRegistry:
    """Bundles under one root directory; see the module docstring."""

    def __init__(self, root: Path | str, secret_file: Path | str | None = None) -> None:
        self.root = Path(root)
        env = os.environ.get(SECRET_ENV)
        self.secret_file = Path(secret_file or env or self.root.resolve().parent / SECRET_FILE)

    def _signature(self, manifest_path: Path, create: bool = False) -> str:
        try:
            return manifest_signature(self.secret_file, manifest_path, create=create)
        except SecretMissing as exc:
            raise BundleError(str(exc)) from None

    # -- paths and bookkeeping ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise writers of index.json/champion.json (two `painmap train` runs on one root)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _index(self) -> dict[str, Any]:
        try:
            return dict(_read_json(self.root / INDEX_FILE)["bundles"])
        except FileNotFoundError:
            return {}

    def _champion_state(self) -> dict[str, Any]:
        try:
            return dict(_read_json(self.root / CHAMPION_FILE))
        except FileNotFoundError:
            return {"champion": None, "history": []}

    def _bundle_dir(self, model_id: str) -> Path:
        if not model_id or "/" in model_id or model_id.startswith("."):
            raise BundleError(f"недопустимый id модели: {model_id!r}")
        return self.root / model_id

    # -- public API -----------------------------------------------------------------------------------------
    def save(self, estimator: Any, card: dict[str, Any] | None = None) -> str:
        """Write a new bundle and return its id. Does not change the champion."""
        created = dt.datetime.now(dt.UTC)
        model_id = f"{created:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        full_card: dict[str, Any] = {
            **describe_estimator(estimator),
            **(card or {}),
            "id": model_id,
            "created": created.isoformat(timespec="seconds"),
            "bundle_format": BUNDLE_FORMAT,
            "libraries": library_versions(),
        }
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{model_id}.", dir=self.root))
        try:
            dump_estimator(estimator, staging / ESTIMATOR_FILE)
            (staging / CARD_FILE).write_text(
                json.dumps(full_card, ensure_ascii=False, indent=2, default=_json_default), encoding="utf-8"
            )
            manifest = {
                "id": model_id,
                "files": {name: file_sha256(staging / name) for name in (ESTIMATOR_FILE, CARD_FILE)},
            }
            (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
            with self._locked():
                os.replace(staging, self._bundle_dir(model_id))
                index = self._index()
                manifest_path = self.root / model_id / MANIFEST_FILE
                index[model_id] = {
                    "manifest": file_sha256(manifest_path),
                    "hmac": self._signature(manifest_path, create=True),
                }
                _write_json_atomic(self.root / INDEX_FILE, {"bundles": index})
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return model_id

    def champion_id(self) -> str | None:
        return self._champion_state().get("champion")

    def ids(self) -> list[str]:
        return sorted(self._index())

    def list(self) -> list[dict[str, Any]]:
        """Cards of all registered bundles, newest first, with `champion` and `ok` (hashes verified) flags."""
        champion = self.champion_id()
        rows = []
        for model_id in sorted(self._index(), reverse=True):
            try:
                card = self.verify(model_id)
                ok, problem = True, ""
            except BundleError as exc:
                card, ok, problem = {"id": model_id}, False, str(exc)
            rows.append({**card, "champion": model_id == champion, "ok": ok, "problem": problem})
        return rows

    def promote(self, model_id: str) -> None:
        """Make a verified bundle the champion; the previous one goes to the history for `rollback`."""
        self.verify(model_id)
        with self._locked():
            state = self._champion_state()
            if state.get("champion") == model_id:
                return
            history = list(state.get("history", []))
            if state.get("champion"):
                history.append(state["champion"])
            _write_json_atomic(self.root / CHAMPION_FILE, {"champion": model_id, "history": history})

    def rollback(self) -> str:
        """Return to the previous champion; returns its id."""
        with self._locked():
            state = self._champion_state()
            history = list(state.get("history", []))
            if not history:
                raise BundleError(f"{self.root}: нет предыдущего чемпиона, откатываться некуда")
            previous = history.pop()
            self.verify(previous)
            _write_json_atomic(self.root / CHAMPION_FILE, {"champion": previous, "history": history})
        return previous

    def verify(self, model_id: str) -> dict[str, Any]:
        """Check a bundle's files against the manifest and the manifest against the index; return the card."""
        index = self._index()
        path = self._bundle_dir(model_id)
        if model_id not in index:
            raise BundleError(
                f"{path}: модель {model_id!r} не записана этим реестром ({self.root / INDEX_FILE}); "
                "загружаются только собственные бандлы"
            )
        manifest_path = path / MANIFEST_FILE
        if not manifest_path.is_file():
            raise BundleError(f"{manifest_path}: нет манифеста бандла")
        entry = index[model_id]
        if not isinstance(entry, dict) or "hmac" not in entry:
            raise BundleError(
                f"{path}: бандл не подписан (записан до подписей бандлов); переобучите модель (painmap train)"
            )
        if file_sha256(manifest_path) != entry.get("manifest"):
            raise BundleError(f"{manifest_path}: манифест изменён после сохранения (sha256 не совпадает)")
        if not signatures_match(self._signature(manifest_path), str(entry["hmac"])):
            raise BundleError(
                f"{manifest_path}: подпись бандла не совпадает — бандл изменён не этим реестром, модель не "
                "загружена"
            )
        manifest = _read_json(manifest_path)
        expected = dict(manifest.get("files", {}))
        present = {p.name for p in path.iterdir() if p.name != MANIFEST_FILE}
        if extra := sorted(present - set(expected)):
            raise BundleError(f"{path}: посторонние файлы в бандле: {', '.join(extra)}")
        for name, digest in expected.items():
            file = path / name
            if not file.is_file():
                raise BundleError(f"{file}: файл бандла отсутствует")
            if file_sha256(file) != digest:
                raise BundleError(
                    f"{file}: sha256 не совпадает с манифестом — файл изменён, модель не загружена"
                )
        return dict(_read_json(path / CARD_FILE))

    def check_compatible(self, card: dict[str, Any]) -> list[str]:
        """Raise on what would make the pickled estimator misbehave; return soft warnings."""
        where = f"модель {card.get('id')}"
        if card.get("bundle_format") not in ESTIMATOR_FILES:
            known = ", ".join(map(str, ESTIMATOR_FILES))
            raise BundleError(f"{where}: формат бандла {card.get('bundle_format')}, поддерживаются {known}")
        saved = str(card.get("libraries", {}).get("scikit-learn", ""))
        running = library_versions().get("scikit-learn", "")
        if saved.split(".")[0] != running.split(".")[0]:
            raise BundleError(
                f"{where}: обучена на scikit-learn {saved or '?'}, установлен {running}; "
                "другая мажорная версия — переобучите модель"
            )
        current = preprocessor_protocol(_current_preprocessor_version())
        if str(card.get("preprocessor_protocol")) != current:
            raise BundleError(
                f"{where}: протокол препроцессора {card.get('preprocessor_protocol')!r} "
                f"(версия {card.get('preprocessor_version')}), в коде — {current!r}; переобучите модель"
            )
        warnings = []
        if saved.split(".")[:2] != running.split(".")[:2]:
            warnings.append(f"{where}: scikit-learn {saved} при обучении, сейчас {running}")
        return warnings

    def load(self, model_id: str | None = None, *, lazy: bool = False) -> LoadedModel:
        """Verify and load a bundle (the champion when `model_id` is None); `lazy`: the estimator later."""
        if model_id is None:
            model_id = self.champion_id()
            if model_id is None:
                raise BundleError(f"{self.root}: нет модели-чемпиона; обучите её командой `painmap train`")
        card = self.verify(model_id)
        warnings = self.check_compatible(card)
        path = self._bundle_dir(model_id)
        if lazy:
            return LoadedModel(card=card, path=path, warnings=warnings)
        file = path / ESTIMATOR_FILES[card["bundle_format"]]
        try:
            estimator = load_estimator(file)
        except Exception as exc:  # unpickling a verified file can still fail on renamed classes
            raise BundleError(f"{file}: не удалось загрузить модель ({exc})") from exc
        return LoadedModel(card=card, path=path, warnings=warnings, _estimator=estimator)
