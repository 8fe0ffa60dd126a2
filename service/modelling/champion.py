"""The registry as the service shows and changes it: the models with their cards (mirrored into the
`models` table), and promotion — checked, then hot-swapped in serving. One implementation for the API and
the models page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from service.db.models import ModelRow
from service.db.session import begin_write
from service.modelling.serving import ModelHolder

_ABSOLUTE_PATH = re.compile(r"(?<![\w.~])/(?:[^\s/:'\"«»,;()]+/)+(?=[^\s/:'\"«»,;()]+/[^\s/:'\"«»,;()]+)")


def hide_paths(message: str) -> str:
    """«/srv/painmap/var/models/2026…-ab12/manifest.json: …» → «…/2026…-ab12/manifest.json: …»: answers
    never show where the server keeps its files."""
    return _ABSOLUTE_PATH.sub("…/", message)


class PromotionRefused(ValueError):
    """The bundle cannot be served (changed, unsigned, incompatible); the message hides server paths."""


def model_cards(db: Session, holder: ModelHolder) -> list[dict]:
    """The registry's cards, newest first, each with `champion`; the `models` table follows them."""
    cards = holder.registry().list()
    mirror_registry(db, cards)
    return cards


def mirror_registry(db: Session, cards: list[dict]) -> None:
    """Keep the `models` table in step with the registry on disk (the bundles stay the source of truth)."""
    for card in cards:
        row = db.get(ModelRow, str(card["id"])) or ModelRow(id=str(card["id"]))
        row.card = {k: v for k, v in card.items() if k != "champion"}
        if card.get("champion") and not row.is_champion:
            row.promoted_at = datetime.now(UTC)
        row.is_champion = bool(card.get("champion"))
        db.add(row)
    db.commit()


def promote_model(db: Session, holder: ModelHolder, model_id: str) -> dict:
    """Make `model_id` the champion and serve it at once; → its card. LookupError for an unknown id,
    PromotionRefused when the bundle would not load (checked before anything changes)."""
    from models.registry import BundleError

    registry = holder.registry()
    if model_id not in registry.ids():
        raise LookupError(f"model_id: модели {model_id!r} нет в реестре")
    try:
        registry.load(model_id)  # refuse before promoting what could not be served
        registry.promote(model_id)
    except BundleError as exc:
        raise PromotionRefused(hide_paths(f"model_id: {exc}")) from exc
    holder.load(model_id)
    # The cards are read, then written: take SQLite's write lock first — only now, not while the bundle was
    # loading (seconds during which every other write waited and timed out). Nothing was written before.
    db.commit()
    begin_write(db)
    cards = model_cards(db, holder)
    return next(c for c in cards if str(c["id"]) == model_id)
