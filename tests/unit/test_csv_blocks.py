"""CSV cut into byte blocks of whole records: the blocks parse to exactly what the row reader reads."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from service.tables.csv_blocks import BlockError, csv_layout, iter_blocks
from service.tables.io import ROW_COLUMN, InputError, read_table

TRICKY = [
    "Просто текст",
    'Текст с запятой, и "кавычками" внутри',
    "Многострочный\nтекст\r\nс разными концами строк",
    'Кавычка в начале "\nи перевод строки после неё',
    "",
    "Ещё ;текст; с точками с запятой",
]


def _write(tmp_path: Path, frame: pd.DataFrame, name: str = "in.csv", *, sep: str = ",",
           encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    text = frame.to_csv(index=False, sep=sep, lineterminator="\r\n" if sep == ";" else "\n")
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return path


def _table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"id": [str(i) for i in range(n)],
                         "text": [f"{TRICKY[i % len(TRICKY)]} №{i}" for i in range(n)]})


def _blocks_frame(path: Path, target: int) -> tuple[pd.DataFrame, int]:
    layout = csv_layout(path, "text")
    assert layout is not None
    blocks = list(iter_blocks(path, layout, target))
    frame = pd.concat([b.frame() for b in blocks], ignore_index=True)
    return frame, len(blocks)


@pytest.mark.parametrize(
    ("name", "sep", "encoding"),
    [("in.csv", ",", "utf-8"), ("in.csv", ";", "utf-8-sig"), ("in.csv", "\t", "cp1251"),
     ("in.csv.gz", ",", "utf-8")],
)
def test_blocks_read_what_the_row_reader_reads(tmp_path, name, sep, encoding):
    path = _write(tmp_path, _table(500), name, sep=sep, encoding=encoding)
    frame, n_blocks = _blocks_frame(path, target=1000)
    assert n_blocks > 10  # cut into many blocks, several of them inside multi-line records' neighbourhood
    pd.testing.assert_frame_equal(frame, read_table(path, text_col="text"))


def test_located_blocks_read_their_bytes_back_from_the_file(tmp_path):
    """A block sent without its bytes (to a worker on the same disk) parses to the same rows; a gzipped
    file's blocks cannot be located and keep their bytes; a file cut short under the worker is an error."""
    path = _write(tmp_path, _table(500), sep=";", encoding="utf-8-sig")
    layout = csv_layout(path, "text")
    assert layout is not None
    blocks = list(iter_blocks(path, layout, 1000))
    located = [b.located() for b in blocks]
    assert all(b.data is None for b in located)
    assert b"".join(b.raw() for b in located) == path.read_bytes()
    frame = pd.concat([b.frame() for b in located], ignore_index=True)
    pd.testing.assert_frame_equal(frame, read_table(path, text_col="text"))

    packed = _write(tmp_path, _table(50), "in.csv.gz")
    packed_layout = csv_layout(packed, "text")
    assert packed_layout is not None
    assert all(b.located().data == b.data for b in iter_blocks(packed, packed_layout, 500))

    path.write_bytes(path.read_bytes()[: located[-1].span[1]])
    with pytest.raises(BlockError, match="короче"):
        located[-1].frame()


def test_block_size_follows_the_rows_asked_for(tmp_path):
    path = _write(tmp_path, _table(2000))
    layout = csv_layout(path, "text")
    assert layout is not None
    sizes = [len(b.frame()) for b in iter_blocks(path, layout, layout.block_bytes(100))]
    assert sum(sizes) == 2000
    assert 80 <= sorted(sizes)[len(sizes) // 2] <= 125


def test_header_only_and_blank_lines_before_the_header(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("\n\nid,Text\n", encoding="utf-8")
    frame, n_blocks = _blocks_frame(path, target=10)
    assert n_blocks == 1 and list(frame.columns) == ["id", "text"] and frame.empty


def test_literal_quote_in_unquoted_field_is_caught_not_misread(tmp_path):
    # `ab"c` is one literal quote for the csv module but flips the parity count, so the cuts after it are
    # wrong; the strict parse of some block must refuse it instead of returning other rows
    lines = ["id,text", '0,ab"c'] + [f'{i},"строка\n{i}"' for i in range(1, 200)]
    path = tmp_path / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    layout = csv_layout(path, "text")
    assert layout is not None
    with pytest.raises(BlockError):
        for block in iter_blocks(path, layout, 64):
            block.frame()
    assert len(read_table(path, text_col="text")) == 200  # the row reader is the fallback


def test_row_rule_breaks_are_block_errors(tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,a\n2,b,лишнее\n", encoding="utf-8")
    layout = csv_layout(path, "text")
    assert layout is not None
    with pytest.raises(BlockError, match="лишнее"):
        [b.frame() for b in iter_blocks(path, layout, 1 << 20)]


def test_formats_that_are_not_cut(tmp_path):
    frame = _table(10)
    xlsx = tmp_path / "in.xlsx"
    frame.to_excel(xlsx, index=False)
    assert csv_layout(xlsx, "text") is None
    utf16 = _write(tmp_path, frame, "u16.csv", encoding="utf-16")
    assert csv_layout(utf16, "text") is None
    bare_cr = tmp_path / "cr.csv"  # classic Mac line ends: read row by row
    bare_cr.write_bytes(b"id;text\r" + b"".join(b"%d;x\r" % i for i in range(20000)))
    assert csv_layout(bare_cr, "text") is None
    assert read_table(bare_cr, text_col="text").shape == (20000, 2)
    with pytest.raises(InputError, match="нет такого столбца"):
        csv_layout(_write(tmp_path, frame.rename(columns={"text": "body"}), "other.csv"), "text")


def test_row_numbers_are_not_carried(tmp_path):
    path = _write(tmp_path, _table(3))
    frame, _ = _blocks_frame(path, target=1 << 20)
    assert ROW_COLUMN not in frame.columns and len(frame) == 3
