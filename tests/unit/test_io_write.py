"""service.tables.io writers: round trips, Excel's BOM, formula guard, atomic writes, any text in CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from service.tables.io import formula_safe, read_table, write_table


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".xlsx", ".parquet", ".json"])
def test_write_then_read_round_trip(tmp_path: Path, suffix: str) -> None:
    df = pd.DataFrame({"text": ["Снег\nне убран", "ямы; «кавычки», запятые"], "n": ["1", "2"]})
    path = write_table(df, tmp_path / f"out{suffix}")
    if suffix == ".json":
        back = pd.DataFrame(json.loads(path.read_text(encoding="utf-8")))
    else:
        back = read_table(path)
    pd.testing.assert_frame_equal(back.astype(str), df.astype(str))
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_csv_written_with_bom_for_excel(tmp_path: Path) -> None:
    path = write_table(pd.DataFrame({"текст": ["привет"]}), tmp_path / "o.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_formulas_neutralised_in_csv_and_xlsx(tmp_path: Path) -> None:
    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "нормальный текст"]
    df = pd.DataFrame({"text": evil, "n": range(6)})
    csv_back = read_table(write_table(df, tmp_path / "o.csv"))
    assert csv_back["text"].tolist() == ["'" + v for v in evil[:5]] + [evil[5]]
    ws = load_workbook(write_table(df, tmp_path / "o.xlsx")).active
    cells = [ws.cell(row=i, column=1) for i in range(2, 8)]
    assert all(c.data_type != "f" for c in cells)
    assert cells[0].value == "'" + evil[0] and ws.cell(row=2, column=2).value == 0
    assert formula_safe(df)["n"].tolist() == list(range(6))  # numbers stay numbers


def test_failed_write_leaves_previous_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "o.parquet"
    write_table(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    with pytest.raises(Exception):  # noqa: B017 - pyarrow's own error type for mixed objects
        write_table(pd.DataFrame({"a": [{"x": 1}, 3]}), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["o.parquet"]


def test_unknown_output_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.docx"):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / "o.docx")


_cell_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).filter(
    lambda s: s == s.strip() and not s.startswith(("=", "+", "-", "@")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(_cell_text, _cell_text), min_size=1, max_size=5))
def test_csv_round_trip_property(tmp_path: Path, cells: list[tuple[str, str]]) -> None:
    df = pd.DataFrame(cells, columns=["a", "b"])
    df = df[(df != "").any(axis=1)]  # fully empty rows are skipped by design
    back = read_table(write_table(df, tmp_path / "p.csv"))
    assert back.values.tolist() == df.values.tolist()



# Any character, with the troublesome ones (line ends, quotes, delimiters, formula prefixes) made common.
_ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("\r\n\"=+-@\t,; ")),
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_ANY_TEXT, min_size=1, max_size=6))
def test_every_csv_writer_round_trips_any_text(tmp_path: Path, texts: list[str]) -> None:
    """CR, LF, quotes, delimiters and formula prefixes: each writer's CSV reads back cell for cell (with the
    formula guard's «'»), so no text can split a row or start one with «=1+1»."""
    import io as stdio

    from service.tables.write import csv_text

    df = pd.DataFrame({"id": [f"r{i}" for i in range(len(texts))], "text": texts})
    expected = formula_safe(df)["text"].tolist()
    path = write_table(df, tmp_path / "o.csv")
    written = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert written["text"].tolist() == expected
    parts = csv_text(df.iloc[:1]) + csv_text(df.iloc[1:], header=False)  # scoring's concatenated parts
    scored = pd.read_csv(stdio.StringIO(parts, newline=""), dtype=str, keep_default_na=False)
    assert scored["text"].tolist() == expected
    assert read_table(path)["id"].tolist() == df["id"].tolist()  # the project's reader sees the same rows
