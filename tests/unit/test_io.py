"""service.tables.io readers/writers on files written here."""

from __future__ import annotations

import gzip
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from service.tables.io import (
    ROW_COLUMN,
    InputError,
    iter_table_chunks,
    read_table,
    read_upload,
)

ROOT = Path(__file__).resolve().parents[2]
ROWS = [["1", "Не убирают снег во дворе", "ПОС"], ["2", "Яма на дороге — опасно!", "ЕПГУ"]]


def _csv(rows: list[list[str]], delim: str = ",", header: tuple[str, ...] = ("id", "text", "channel")) -> str:
    lines = [delim.join(header)] + [delim.join(r) for r in rows]
    return "\n".join(lines) + "\n"


def _expected() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=["id", "text", "channel"], dtype=object)


# ---------------------------------------------------------------- encodings and delimiters

@pytest.mark.parametrize(("encoding", "delim"), [
    ("utf-8", ","), ("utf-8-sig", ","), ("cp1251", ";"), ("utf-8", "\t"), ("cp1251", "\t"), ("utf-16", "\t"),
])
def test_csv_encoding_and_delimiter_detected(tmp_path: Path, encoding: str, delim: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(_csv(ROWS, delim).encode(encoding))
    pd.testing.assert_frame_equal(read_table(path, text_col="text"), _expected())


def test_cp1251_long_text_detected(tmp_path: Path) -> None:
    text = "Во дворе дома по улице Ленина третью неделю не вывозят мусор, контейнеры переполнены"
    path = tmp_path / "w.csv"
    path.write_bytes(f"текст;канал\n{text};Почта\n".encode("cp1251"))
    df = read_table(path, text_col="текст")
    assert df.loc[0, "текст"] == text and df.loc[0, "канал"] == "Почта"


def test_quoted_multiline_cells_and_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('id,text\n1,"строка один\nстрока два, с запятой"\n2,"кавычки ""внутри"""\n3,просто\n',
                    encoding="utf-8")
    chunks = list(iter_table_chunks(path, chunksize=2, text_col="text"))
    assert [len(c) for c in chunks] == [2, 1]
    df = pd.concat(chunks, ignore_index=True)
    assert df["text"].tolist() == ["строка один\nстрока два, с запятой", 'кавычки "внутри"', "просто"]
    assert df[ROW_COLUMN].tolist() == [2, 3, 4]


def test_csv_gz(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(_csv(ROWS, ";").encode("cp1251")))
    pd.testing.assert_frame_equal(read_table(path), _expected())


def test_single_column_file_with_commas_in_text(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("text\nснег, лёд и грязь\nямы\n", encoding="utf-8")
    assert read_table(path, text_col="text")["text"].tolist() == ["снег, лёд и грязь", "ямы"]


# ---------------------------------------------------------------- xlsx

def _workbook(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Обращения"
    ws.append(["ID", " Текст обращения ", "Оценка", "Дата"])
    ws.append([1, "Не горят фонари", 4.0, datetime(2025, 3, 1, 10, 30)])
    ws.append([2, None, 3.5, datetime(2025, 4, 2)])
    wb.create_sheet("Второй").append(["a"])
    wb.save(path)


def test_xlsx_read_with_types_as_text(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    _workbook(path)
    df = read_table(path, text_col="текст обращения")
    assert list(df.columns) == ["ID", "текст обращения", "Оценка", "Дата"]
    assert df.to_dict("list") == {"ID": ["1", "2"], "текст обращения": ["Не горят фонари", ""],
                                  "Оценка": ["4", "3.5"], "Дата": ["2025-03-01 10:30:00", "2025-04-02"]}


def test_xlsx_streamed_in_chunks_with_sheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append([None])  # a blank first row: the header is on row 2, as the sheet shows it
    ws.append(["text"])
    for i in range(5):
        ws.append([f"обращение {i}"])
    wb.save(path)
    chunks = list(iter_table_chunks(path, chunksize=2, text_col="text"))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert pd.concat(chunks)[ROW_COLUMN].tolist() == [3, 4, 5, 6, 7]


def test_xlsx_sheet_by_name_and_missing_sheet(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    _workbook(path)
    assert list(read_table(path, sheet="Второй").columns) == ["a"]
    with pytest.raises(InputError, match="нет листа 'Нет такого'.*Обращения, Второй"):
        read_table(path, sheet="Нет такого")


def test_xlsx_with_wrong_stored_dimension(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    _workbook(good)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:D3" />' in data
                data = data.replace(b'<dimension ref="A1:D3" />', b'<dimension ref="A1:A1" />')
            dst.writestr(item, data)
    pd.testing.assert_frame_equal(read_table(bad), read_table(good))


def test_xlsx_renamed_to_csv_is_read_as_workbook(tmp_path: Path) -> None:
    path = tmp_path / "b.xlsx"
    _workbook(path)
    renamed = path.rename(tmp_path / "b.csv")
    assert read_table(renamed)["Текст обращения"].tolist() == ["Не горят фонари", ""]


# ---------------------------------------------------------------- bad input: clear errors

def test_missing_column_names_file_and_lists_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(_csv(ROWS), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, text_col="обращение")
    message = str(err.value)
    assert str(path) in message and "«обращение»" in message and "id, text, channel" in message
    assert err.value.column == "обращение"


@pytest.mark.parametrize("content", [b"", b"  \n\n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="пуст|нет ни строки"):
        read_table(path)


def test_header_only_gives_empty_frame_with_columns(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("id;text;channel\n", encoding="utf-8")
    df = read_table(path, text_col="text")
    assert df.empty and list(df.columns) == ["id", "text", "channel"]


@pytest.mark.parametrize(("content", "pattern"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG"),
    (b"%PDF-1.7\n" + bytes(range(256)), "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ".xls"),
    (bytes(range(256)) * 20, "двоичные"),
])
def test_binary_content_is_rejected(tmp_path: Path, content: bytes, pattern: str) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=pattern):
        read_table(path)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "z.csv"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data.csv", _csv(ROWS))
    with pytest.raises(InputError, match="не книга Excel"):
        read_table(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="не найден"):
        read_table(tmp_path / "nope.csv")


def test_two_million_character_cell_parsed(tmp_path: Path) -> None:
    big = "я" * 2_000_000
    path = tmp_path / "big.csv"
    path.write_text(f'id,text\n1,"{big}"\n2,ok\n', encoding="utf-8")
    df = read_table(path, text_col="text")
    assert len(df.loc[0, "text"]) == 2_000_000 and df.loc[1, "text"] == "ok"


def test_cell_over_limit_rejected_with_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text(f"id,text\n1,short\n2,{'x' * 5000}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, max_cell_chars=1000)
    assert (err.value.row, err.value.column) == (3, "text")


def test_cell_over_default_limit_rejected(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(f"id,text\n1,{'x' * 10_000_002}\n", encoding="ascii")
    with pytest.raises(InputError, match="ячейка длиннее 10 000 000 символов") as err:
        read_table(path)
    assert err.value.row == 2


def test_ragged_rows(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,text,channel\n1,короткая\n2,лишние пустые,ПОС,,\n", encoding="utf-8")
    df = read_table(path)
    assert df.values.tolist() == [["1", "короткая", ""], ["2", "лишние пустые", "ПОС"]]
    path.write_text("id,text,channel\n1,a,b\n2,текст, с запятой без кавычек,ПОС\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path)
    assert err.value.row == 3 and "4 значений" in str(err.value)


def test_duplicate_column_names(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,text,,note\nодин,два,три,\n", encoding="utf-8")
    df = read_table(path, required=("note",))
    assert list(df.columns) == ["text", "text.1", "unnamed_3", "note"]
    with pytest.raises(InputError, match="несколько раз"):
        read_table(path, text_col="text")


def test_bad_bytes_after_sample_name_the_row(tmp_path: Path) -> None:
    head = "id,text\n" + "".join(f"{i},нормальный текст {i}\n" for i in range(20_000))
    path = tmp_path / "mixed.csv"
    path.write_bytes(head.encode("utf-8") + "20000,в cp1251\n".encode("cp1251"))
    chunks = iter_table_chunks(path, chunksize=5_000)
    assert len(next(chunks)) == 5_000  # streamed: first chunk arrives before the bad bytes are read
    with pytest.raises(InputError, match="кодировке utf-8") as err:
        list(chunks)
    assert (err.value.row, err.value.column) == (20_002, "№2")


def test_read_upload_matches_file_and_names_upload(tmp_path: Path) -> None:
    data = _csv(ROWS, ";").encode("cp1251")
    pd.testing.assert_frame_equal(read_upload(data, "обращения.csv", text_col="TEXT"),
                                  _expected().rename(columns={"text": "TEXT"}))
    with pytest.raises(InputError, match="^обращения.csv: .*PNG"):
        read_upload(b"\x89PNG\r\n\x1a\n", "обращения.csv")


_CSV_BYTES = st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"\r", b"a", "я".encode(), "ё".encode("cp1251"),
                              b"\xff", b"\x00", b" ", b"PK\x03\x04", b"\x1f\x8b", b"\xef\xbb\xbf"])


@settings(max_examples=200, deadline=None)
@given(data=st.one_of(st.lists(_CSV_BYTES, max_size=40).map(b"".join), st.binary(max_size=200)),
       text_col=st.sampled_from(["text", None]))
def test_any_bytes_give_a_frame_or_input_error(data: bytes, text_col: str | None) -> None:
    try:
        df = read_upload(data, "f.csv", text_col=text_col)
    except InputError as err:
        assert str(err).startswith("f.csv")
    else:
        assert all(df[c].map(type).eq(str).all() for c in df.columns)


SHARED = ROOT.parent / "shared" / "external"
SPB = SHARED / "spb-gorod-appeals"


@pytest.mark.shared
@pytest.mark.skipif(not SPB.exists(), reason="needs ../shared/external/spb-gorod-appeals (not in repo)")
def test_real_export_reads_as_pandas_does() -> None:
    path = SPB / "appeals.sample200.csv"
    ours = read_table(path, text_col="text")
    theirs = pd.read_csv(path, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(ours, theirs.astype(object))


def test_a_huge_cell_gets_the_same_answer_in_every_process(tmp_path: Path) -> None:
    """The CSV field limit is set once on import, not raised by whichever read came first: a fresh process
    and one that has read big files before both read the file and refuse the text as too long."""
    import subprocess
    import sys

    path = tmp_path / "huge_cell.csv"
    path.write_text("id,text\n1,короткий текст\n2," + "а" * 2_000_000 + "\n", encoding="utf-8")
    probe = (
        "import sys\nfrom service.tables.io import read_table\n"
        "from service.store.item_rows import frame_to_items\n"
        "frame = read_table(sys.argv[1])\n"
        "try:\n    list(frame_to_items(frame, source='t', where='файл'))\nexcept ValueError as e:\n"
        "    print(e)\n"
    )
    answers = {
        subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True,
                       cwd=Path(__file__).resolve().parents[2], check=True).stdout.strip()
        for _ in range(2)
    }
    assert len(answers) == 1, answers
    answer = answers.pop()
    assert "строка 2" in answer and "колонка text" in answer and "100 000" in answer, answer


def test_repeated_ids_in_one_file_are_refused_with_the_ids_named() -> None:
    from service.store.item_rows import frame_to_items

    ids = ["1", "2", "3", "2", "4", "4", "5", "6"]
    frame = pd.DataFrame({"id": ids, "text": [f"текст {i}" for i in range(8)]})
    with pytest.raises(ValueError) as caught:
        list(frame_to_items(frame, source="t", where="файл f.csv"))
    message = str(caught.value)
    assert "«2» в строках 2, 4" in message and "«4» в строках 5, 6" in message, message
    assert "(2)" in message
    unique = frame.drop_duplicates("id")
    assert len(list(frame_to_items(unique, source="t"))) == len(unique)


def test_rows_are_answers_or_appeals_by_their_text_column_in_uploads_and_pains_alike() -> None:
    from service.store.item_rows import frame_to_items, kind_for_text_column

    assert kind_for_text_column("Ответ") == kind_for_text_column("answer") == "survey_answer"
    assert kind_for_text_column("text") == "appeal" and kind_for_text_column("обращение") == "appeal"
    frame = pd.DataFrame({"ответ": ["Долго ждала в очереди"]})
    assert next(iter(frame_to_items(frame, source="t")))["kind"] == "survey_answer"
