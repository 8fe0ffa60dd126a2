"""Taxonomy files and loader: shipped YAML consistent, unknown labels refused, clear file errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from models.taxonomy import TaxonomyError, UnknownLabelError, load_taxonomy

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "external"
SPB_COUNTS = SHARED / "spb-gorod-appeals" / "taxonomy_counts.csv"


def test_every_spb_reason_maps_to_a_municipal_process():
    tax = load_taxonomy()
    processes = yaml.safe_load((ROOT / "data/taxonomy/processes.yaml").read_text("utf-8"))["processes"]
    municipal = {p["name"] for p in processes if p["direction"] == "municipal_control"}
    pairs = {(r.category, r.reason) for r in tax.spb_reasons}
    assert len(pairs) == 126
    assert {r.process for r in tax.spb_reasons} <= municipal
    for category, reason in pairs:
        assert tax.process_of(category, reason) in municipal


def test_version_names_every_file():
    version = load_taxonomy().version
    for stem in ("processes", "channels", "directions", "spb"):
        assert f"{stem}:" in version


def test_sample_labels_are_in_the_taxonomy():
    appeals = pd.read_csv(ROOT / "data/samples/appeals.csv", dtype=str).fillna("")
    load_taxonomy().validate(appeals[["channel", "topic", "process"]])


def test_unknown_labels_are_listed_per_head():
    y = pd.DataFrame({"process": ["Водоснабжение", "Полёты на Марс"], "category": ["Кровля", "Кровля!"],
                      "my_head": ["x", "y"]})
    with pytest.raises(UnknownLabelError) as err:
        load_taxonomy().validate(y)
    assert err.value.unknown == {"process": ["Полёты на Марс"], "category": ["Кровля!"]}
    assert "Полёты на Марс" in str(err.value)


def test_generic_heads_allowed_only_with_the_flag():
    y = pd.DataFrame({"my_head": ["x"]})
    load_taxonomy().validate(y)
    with pytest.raises(UnknownLabelError, match="my_head"):
        load_taxonomy().validate(y, allow_unknown_heads=False)


def _write_minimal(root: Path, reasons: list[dict]) -> None:
    (root / "processes.yaml").write_text(yaml.safe_dump(
        {"version": "t", "processes": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}), "utf-8")
    spb = yaml.safe_dump({"version": "t", "reasons": reasons}, allow_unicode=True)
    (root / "spb.yaml").write_text(spb, "utf-8")


def test_conflicting_process_mapping_is_refused(tmp_path):
    row = {"id": 1, "city_object": "Двор", "category": "К", "reason": "Р", "process": "A"}
    _write_minimal(tmp_path, [row, row | {"id": 2, "city_object": "Улица", "process": "B"}])
    with pytest.raises(TaxonomyError, match=r"spb.yaml: reasons\[1\]"):
        load_taxonomy(tmp_path)


def test_process_outside_processes_yaml_is_refused(tmp_path):
    row = {"id": 1, "city_object": "Двор", "category": "К", "reason": "Р", "process": "C"}
    _write_minimal(tmp_path, [row])
    with pytest.raises(TaxonomyError, match="'C' is not a name in processes.yaml"):
        load_taxonomy(tmp_path)


def test_malformed_yaml_names_the_file(tmp_path):
    (tmp_path / "channels.yaml").write_text("version: [unclosed", "utf-8")
    with pytest.raises(TaxonomyError, match="channels.yaml"):
        load_taxonomy(tmp_path)


@pytest.mark.skipif(not SPB_COUNTS.exists(), reason="needs ../shared/external/spb-gorod-appeals")
def test_spb_yaml_covers_the_portal_taxonomy():
    counts = pd.read_csv(SPB_COUNTS)
    tax = load_taxonomy()
    ours = {(r.city_object, r.category, r.reason) for r in tax.spb_reasons}
    assert ours == set(zip(counts.city_object, counts.category, counts.reason, strict=True))
