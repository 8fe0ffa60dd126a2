"""`make run`: the whole system on one machine.

Trains the default model on data/samples/appeals.csv when the registry has none, migrates the database, loads
the samples as items (idempotent: known external ids are skipped), computes pains and pain-map suggestions,
creates a first admin key once (kept in var/ with 0600 permissions) and serves on 127.0.0.1:8000.
"""

from __future__ import annotations

import os

from nlp.resources import data_dir
from service.config import PROJECT_ROOT, Settings, get_settings

SAMPLES = data_dir() / "samples"
HEADS = ("topic", "process")


def say(message: str) -> None:
    print(f"painmap: {message}", flush=True)


def ensure_model(settings: Settings) -> str:
    """The champion's id; trains and promotes one on the sample appeals when the registry has none that
    loads."""
    from models.registry import BundleError, ModelRegistry
    from service.modelling import training as td

    registry = ModelRegistry(settings.model_dir)
    champion = registry.champion_id()
    if champion:
        try:
            registry.verify(champion)
            return champion
        except BundleError as exc:  # e.g. a bundle saved before bundles were signed: serve a fresh one
            say(f"чемпион {champion} не загружается ({exc}) — обучаю новую модель")
    say(f"модели нет — обучаю на {SAMPLES / 'appeals.csv'} (головы: {', '.join(HEADS)})…")
    spec = td.DataSpec(files=[str(SAMPLES / "appeals.csv")], text_col="text", heads={h: h for h in HEADS})
    model_id, _, seconds = td.train_and_save(registry, spec, td.load(spec))
    registry.promote(model_id)
    say(f"модель {model_id} обучена за {seconds:.1f} с")
    return model_id


def load_samples(settings: Settings) -> None:
    """Sample appeals and survey answers as items, classified by the champion."""
    from service.db.session import session_scope
    from service.modelling.serving import ModelHolder
    from service.store.item_rows import frame_to_items
    from service.store.items import ingest_file_items
    from service.tables.io import read_table

    model = ModelHolder(settings.model_dir).load()
    for name in ("appeals.csv", "survey_answers.csv"):
        path = SAMPLES / name
        if not path.exists():
            continue
        items = list(frame_to_items(read_table(path), source=f"samples/{name}", where=str(path)))
        with session_scope(settings.database_url) as session:
            result = ingest_file_items(session, items, model, store_raw=settings.store_raw)
        say(f"{name}: новых записей {result['created']}, уже были {result['existing']}")


def refresh_pains(settings: Settings) -> None:
    from service.db.session import session_scope
    from service.store.painmap import refresh_pains as refresh

    with session_scope(settings.database_url) as session:
        summary = refresh(session)
    say(f"боли за {summary['period']}: {summary['pains']}; предложений: {summary['suggestions']}")


def first_admin_key(settings: Settings) -> None:
    """Create the first admin key once; later runs only say where it is."""
    from sqlalchemy import select

    from service.auth import create_key
    from service.db.models import ApiKey
    from service.db.session import session_scope

    key_file = PROJECT_ROOT / "var" / "admin_key.txt"
    with session_scope(settings.database_url) as session:
        if session.scalar(select(ApiKey.id).where(ApiKey.role == "admin").limit(1)) is not None:
            where = (
                key_file
                if key_file.exists()
                else "(файл удалён; новый ключ: painmap keys create --role admin)"
            )
            say(f"ключ администратора уже создан: {where}")
            return
        key = create_key(session, "admin", name="admin (make run)")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key + "\n")
    os.chmod(key_file, 0o600)
    say(f"создан ключ администратора (показывается один раз, сохранён в {key_file}):\n\n    {key}\n")


def main() -> None:
    import uvicorn

    from service.db.session import upgrade_db
    from service.jobs import fail_interrupted_jobs
    from service.memory import limit_malloc_arenas

    settings = get_settings()
    upgrade_db(settings.database_url)
    fail_interrupted_jobs(settings.database_url)
    say(f"база: {settings.database_url.split('@')[-1]}")
    ensure_model(settings)
    load_samples(settings)
    try:
        refresh_pains(settings)
    except Exception as exc:  # the API is still useful without pains; the analyst can retry from /docs
        say(f"боли не рассчитаны ({type(exc).__name__}: {exc}); повторить: POST /v1/pains/refresh")
    first_admin_key(settings)
    base = f"http://{settings.host}:{settings.port}"
    say(f"страницы для аналитика: {base}/  (вход — ключом администратора из var/admin_key.txt)")
    say(f"документация API: {base}/docs")
    say(f"карта болей (XLSX): {base}/v1/painmap/export.xlsx  (заголовок X-API-Key)")
    say(f"готовность: {base}/readyz; метрики: {base}/metrics")
    limit_malloc_arenas()
    uvicorn.run(
        "service.main:create_app", factory=True, host=settings.host, port=settings.port, log_level="info"
    )


if __name__ == "__main__":
    main()
