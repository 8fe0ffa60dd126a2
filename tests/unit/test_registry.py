"""Model registry: bundles round-trip, tampered or incompatible bundles are refused, champion moves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from models.registry import (
    CARD_FILE,
    ESTIMATOR_FILE,
    ESTIMATOR_FILES,
    INDEX_FILE,
    MANIFEST_FILE,
    BundleError,
    ModelRegistry,
    describe_estimator,
    file_sha256,
    library_versions,
)

TEXTS = [
    "Не вывозят мусор из контейнеров во дворе",
    "Мусор во дворе третью неделю",
    "Яма на дороге у дома",
    "Разбитый асфальт на проезжей части",
    "Сосульки на крыше над входом",
    "С крыши свисают сосульки",
    "Нет горячей воды в квартире",
    "Холодные батареи, не греет отопление",
]
TOPICS = ["мусор", "мусор", "дороги", "дороги", "кровля", "кровля", "вода", "вода"]


@pytest.fixture()
def plain_model():
    return make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)), LogisticRegression()).fit(
        TEXTS, TOPICS
    )


@pytest.fixture()
def registry(tmp_path: Path) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models")


def test_save_load_round_trip_predicts_the_same(registry, plain_model):
    model_id = registry.save(plain_model, {"metrics": {"topic": {"macro_f1": 1.0}}})
    loaded = registry.load(model_id)
    assert list(loaded.estimator.predict(TEXTS)) == list(plain_model.predict(TEXTS))
    assert loaded.card["id"] == model_id
    assert loaded.card["metrics"]["topic"]["macro_f1"] == 1.0
    assert "scikit-learn" in loaded.card["libraries"]
    assert loaded.card["preprocessor_version"]
    manifest = json.loads((loaded.path / MANIFEST_FILE).read_text())
    assert set(manifest["files"]) == {ESTIMATOR_FILE, CARD_FILE}


def test_tampered_estimator_is_refused(registry, plain_model):
    model_id = registry.save(plain_model)
    path = registry.root / model_id / ESTIMATOR_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="sha256"):
        registry.load(model_id)


def test_edited_card_and_rewritten_manifest_are_refused(registry, plain_model):
    """Editing the card and recomputing the manifest still fails: the index holds the manifest's hash."""
    model_id = registry.save(plain_model)
    bundle = registry.root / model_id
    card = json.loads((bundle / CARD_FILE).read_text())
    card["metrics"] = {"topic": {"macro_f1": 0.99}}
    (bundle / CARD_FILE).write_text(json.dumps(card))
    manifest = json.loads((bundle / MANIFEST_FILE).read_text())
    manifest["files"][CARD_FILE] = file_sha256(bundle / CARD_FILE)
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="манифест"):
        registry.load(model_id)


def test_foreign_bundle_and_extra_files_are_refused(registry, plain_model, tmp_path):
    model_id = registry.save(plain_model)
    other = ModelRegistry(tmp_path / "other")
    shutil.copytree(registry.root / model_id, other.root / model_id)
    with pytest.raises(BundleError, match="не записана этим реестром"):
        other.load(model_id)
    (registry.root / model_id / "extra.pkl").write_bytes(b"x")
    with pytest.raises(BundleError, match="посторонние"):
        registry.load(model_id)


def test_large_arrays_round_trip_through_the_piecewise_reader(registry):
    """Arrays of several MiB are read into their buffers in 1 MiB pieces (format 2): every byte arrives."""
    rng = np.random.default_rng(0)
    arrays = {"coef": rng.standard_normal((700, 1000)).astype(np.float32), "tail": np.arange(1_048_577)}
    loaded = registry.load(registry.save(arrays)).estimator
    assert set(loaded) == set(arrays)
    for name, array in arrays.items():
        assert loaded[name].dtype == array.dtype and np.array_equal(loaded[name], array), name


def _rewrite_as_format(registry: ModelRegistry, model_id: str, bundle_format: int, estimator) -> None:
    """Turn a saved bundle into one of another bundle format, re-signed as the registry itself would."""
    import joblib

    bundle = registry.root / model_id
    (bundle / ESTIMATOR_FILE).unlink()
    name = ESTIMATOR_FILES.get(bundle_format, "estimator.bin")
    joblib.dump(estimator, bundle / name, compress=3)
    card = json.loads((bundle / CARD_FILE).read_text())
    (bundle / CARD_FILE).write_text(json.dumps({**card, "bundle_format": bundle_format}))
    manifest = {"id": model_id, "files": {n: file_sha256(bundle / n) for n in (name, CARD_FILE)}}
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))
    index = json.loads((registry.root / INDEX_FILE).read_text())
    index["bundles"][model_id] = {
        "manifest": file_sha256(bundle / MANIFEST_FILE),
        "hmac": registry._signature(bundle / MANIFEST_FILE),
    }
    (registry.root / INDEX_FILE).write_text(json.dumps(index))


def test_a_bundle_rehashed_with_its_manifest_and_index_is_refused_before_unpickling(
    registry, plain_model, tmp_path
):
    """The attack: swap the pickle, re-hash the manifest and the index. Without the secret (kept outside the
    model directory) the signature cannot follow, so nothing is unpickled."""
    import pickle

    model_id = registry.save(plain_model)
    bundle = registry.root / model_id
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (marker.write_text, ("unpickled",))

    import gzip

    with gzip.open(bundle / ESTIMATOR_FILE, "wb") as fh:
        pickle.dump(Evil(), fh)
    manifest = json.loads((bundle / MANIFEST_FILE).read_text())
    manifest["files"][ESTIMATOR_FILE] = file_sha256(bundle / ESTIMATOR_FILE)
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))
    index = json.loads((registry.root / INDEX_FILE).read_text())
    index["bundles"][model_id]["manifest"] = file_sha256(bundle / MANIFEST_FILE)
    (registry.root / INDEX_FILE).write_text(json.dumps(index))
    with pytest.raises(BundleError, match="подпись бандла не совпадает"):
        registry.load(model_id)
    assert not marker.exists()
    assert registry.secret_file.parent != registry.root
    assert oct(registry.secret_file.stat().st_mode)[-3:] == "600"
    with pytest.raises(BundleError, match="нет секрета"):
        ModelRegistry(registry.root, secret_file=tmp_path / "absent.secret").load(model_id)


def test_format_1_joblib_bundle_still_loads(registry, plain_model):
    """Bundles written before format 2 (estimator.joblib) keep working after an upgrade."""
    model_id = registry.save(plain_model)
    _rewrite_as_format(registry, model_id, 1, plain_model)
    loaded = registry.load(model_id)
    assert (loaded.path / ESTIMATOR_FILES[1]).is_file() and not (loaded.path / ESTIMATOR_FILE).exists()
    assert list(loaded.estimator.predict(TEXTS)) == list(plain_model.predict(TEXTS))


def test_unknown_bundle_format_is_refused_before_unpickling(registry, plain_model):
    model_id = registry.save(plain_model)
    _rewrite_as_format(registry, model_id, 99, plain_model)
    with pytest.raises(BundleError, match="формат бандла 99"):
        registry.load(model_id)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("scikit-learn", "0.24.2", "мажорная"), ("preprocessor_protocol", "999", "протокол препроцессора")],
)
def test_incompatible_card_is_refused(registry, field, value, message):
    card = {"id": "x", "bundle_format": 2, "libraries": library_versions(), **describe_estimator(object())}
    if field == "scikit-learn":
        card["libraries"]["scikit-learn"] = value
    else:
        card[field] = value
    with pytest.raises(BundleError, match=message):
        registry.check_compatible(card)


def test_champion_promote_and_rollback(registry, plain_model):
    with pytest.raises(BundleError, match="нет модели-чемпиона"):
        registry.load()
    first = registry.save(plain_model)
    second = registry.save(plain_model)
    registry.promote(first)
    registry.promote(second)
    assert registry.champion_id() == second
    assert registry.load().model_id == second
    assert registry.rollback() == first
    assert registry.champion_id() == first
    with pytest.raises(BundleError, match="откатываться некуда"):
        registry.rollback()
    listed = registry.list()
    assert {row["id"] for row in listed} == {first, second}
    assert [row["id"] for row in listed if row["champion"]] == [first]
    with pytest.raises(BundleError):
        registry.promote("does-not-exist")


def test_multihead_classifier_round_trip_and_unknown_label(registry):
    classify = pytest.importorskip("models.classify", reason="models.classify (CLASSIFY) is not there yet")
    taxonomy = pytest.importorskip("models.taxonomy")
    texts = TEXTS * 4
    y = pd.DataFrame({"custom_head": TOPICS * 4})  # a head the taxonomy does not cover: any labels allowed
    model = classify.MultiHeadClassifier().fit(texts, y)
    model_id = registry.save(model)
    loaded = registry.load(model_id)
    pd.testing.assert_frame_equal(loaded.estimator.predict_table(texts), model.predict_table(texts))
    assert loaded.card["heads"] == ["custom_head"]
    assert sorted(loaded.card["classes"]["custom_head"]) == sorted(set(TOPICS))

    known = sorted(taxonomy.load_taxonomy().labels("process"))
    bad = pd.DataFrame({"process": [known[0]] * 4 + ["Нет такого процесса"] * 4})
    with pytest.raises(taxonomy.UnknownLabelError, match="Нет такого процесса"):
        classify.MultiHeadClassifier().fit(TEXTS, bad)
