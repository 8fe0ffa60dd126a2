"""The model the API serves: loaded from the registry in the lifespan, swapped atomically on promote.

Several uvicorn workers each hold their own copy; a worker notices a promotion made through another one by
re-reading the registry's champion id at most every `recheck_seconds`.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.memory import return_free_memory

log = logging.getLogger("painmap.serving")


@dataclass(frozen=True, slots=True)
class ServedModel:
    """An immutable pair: swapping the holder's reference is the atomic switch."""

    model_id: str
    estimator: Any
    card: dict[str, Any]

    @property
    def heads(self) -> list[str]:
        return [str(h) for h in getattr(self.estimator, "heads_", [])]

    def predict(self, texts: list[str]) -> list[dict[str, dict[str, Any]]]:
        """Per text: head → {label, probability, review}."""
        predict_one = getattr(self.estimator, "predict_one", None)
        if len(texts) == 1 and predict_one is not None:  # the API's common case: skip the DataFrame
            rows = [predict_one(texts[0])]
        else:
            rows = self.estimator.predict_table(texts).to_dict("records")
        heads = self.heads or ([c for c in rows[0] if f"{c}_proba" in rows[0]] if rows else [])
        return [
            {
                head: {
                    "label": _clean(row.get(head)),
                    "probability": _float(row.get(f"{head}_proba")),
                    "review": bool(row.get(f"{head}_review", False)),
                }
                for head in heads
            }
            for row in rows
        ]


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN: the head abstained
        return None
    return str(value)


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else round(number, 6)


class ModelHolder:
    """Holds the current champion; `current` is None (with `problem` saying why) until one loads."""

    def __init__(self, model_dir: Path, recheck_seconds: float = 5.0) -> None:
        self.model_dir = Path(model_dir)
        self.recheck_seconds = recheck_seconds
        self.current: ServedModel | None = None
        self.problem: str | None = "модель ещё не загружена"
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._loader_lock = threading.Lock()
        # Called with the model each time a different one is swapped in (e.g. to classify what was stored
        # while there was none); exceptions are logged, never raised into a request.
        self.on_change: list[Callable[[ServedModel], None]] = []

    def registry(self):  # noqa: ANN201 (models.registry imported lazily: heavy)
        from models.registry import ModelRegistry

        return ModelRegistry(self.model_dir)

    def load(self, model_id: str | None = None) -> ServedModel | None:
        """Load the champion (or `model_id`) and swap it in; on failure keep the old one and record why."""
        from models.registry import BundleError

        with self._lock:
            self._checked_at = time.monotonic()
            try:
                loaded = self.registry().load(model_id)
            except (BundleError, OSError) as exc:
                self.problem = str(exc)
                log.warning("модель не загружена: %s", exc)
                return self.current
            for warning in loaded.warnings:
                log.warning(warning)
            changed = self.current is None or self.current.model_id != loaded.model_id
            self.current = ServedModel(loaded.model_id, loaded.estimator, dict(loaded.card))
            self.problem = None
            # The model and its dictionaries are millions of long-lived objects; a full GC pass over them
            # costs tens of ms in the middle of some request. Freezing moves them out of the collector's way;
            # unfreezing first lets the previous model's cycles be collected (frozen, they never were).
            gc.unfreeze()
            return_free_memory()  # collects, and hands the previous model's freed heap back
            gc.freeze()
            current = self.current
        if changed:
            for callback in self.on_change:
                try:
                    callback(current)
                except Exception:  # a hook must not undo a successful load
                    log.exception("обработчик смены модели завершился ошибкой")
        return current

    def get(self) -> ServedModel | None:
        """The current model. When another worker promoted a different champion, it is loaded in a thread
        while this one keeps serving the old one (loaded inside a request, it held up every request of the
        worker for its duration); with no model yet, it is loaded at once."""
        now = time.monotonic()
        if now - self._checked_at >= self.recheck_seconds:
            self._checked_at = now
            try:
                champion = self.registry().champion_id()
            except Exception as exc:  # a broken registry must not take serving down; /readyz reports it
                self.problem = f"реестр моделей недоступен: {exc}"
                return self.current
            if champion and self.current is None:
                self.load(champion)
            elif champion and champion != self.current.model_id:
                self._load_in_background(champion)
        return self.current

    def _load_in_background(self, model_id: str) -> None:
        with self._loader_lock:
            if self._loader is not None and self._loader.is_alive():
                return
            self._loader = threading.Thread(
                target=self.load, args=(model_id,), name="painmap-model-load", daemon=True
            )
            self._loader.start()
