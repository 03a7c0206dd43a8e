"""Find a dataset's files and read each into text columns with source row numbers.

Everything is read as text first so that a bad value becomes a quarantined row
with its row number and reason, never a failed load. Row numbers are what a
user sees when opening the file: in CSV and Excel the header is row 1, so the
first record is row 2; in Parquet the first record is row 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from yibao.contract import CONTRACT
from yibao.ingest.errors import UnusableInput

__all__ = ["SourceFile", "discover", "read_header", "read_rows"]

EXTENSIONS = (".csv", ".parquet", ".xlsx")
_CHUNK = 1 << 20
_CSV_BATCH = 200_000


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file (or one sheet of a workbook) holding one contract table."""

    table: str
    path: Path
    sheet: str | None = None

    @property
    def display(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name

    @property
    def first_row(self) -> int:
        return 1 if self.path.suffix.lower() == ".parquet" else 2


def discover(folder: Path) -> dict[str, list[SourceFile]]:
    """Map each contract table to its files: `<table>.csv|.parquet|.xlsx`, or a sheet named
    after the table in any other workbook of the folder."""
    if not folder.is_dir():
        raise UnusableInput(f"数据目录不存在：{folder}", f"dataset folder not found: {folder}", str(folder))
    found: dict[str, list[SourceFile]] = {t: [] for t in CONTRACT.names}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in EXTENSIONS:
            continue
        stem = path.stem.lower()
        if stem in found:
            found[stem].append(SourceFile(stem, path))
        elif suffix == ".xlsx":
            for sheet in _sheet_names(path):
                if sheet.lower() in found:
                    found[sheet.lower()].append(SourceFile(sheet.lower(), path, sheet))
    return found


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- encodings


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK,
    what Chinese Excel saves as "CSV"). The whole file is checked: a GBK file can look
    like UTF-8 for its first megabyte of ASCII."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        for encoding in ("utf-8", "gb18030"):
            decoder = codecs.getincrementaldecoder(encoding)()
            fh.seek(0)
            try:
                while chunk := fh.read(_CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
    raise UnusableInput(
        f"{path.name}：无法识别文件编码（支持UTF-8、UTF-8 BOM、GB18030/GBK、UTF-16）",
        f"{path.name}: unknown text encoding (UTF-8, UTF-8 with BOM, GB18030/GBK and UTF-16 are supported)",
        path.name,
    )


def _normalise_header(names: list[str], display: str) -> list[str]:
    cols = [str(n).strip().lstrip("\ufeff").lower() if n is not None else "" for n in names]
    if not any(cols):
        raise UnusableInput(f"{display}：缺少表头行", f"{display}: header row is missing", display)
    seen: set[str] = set()
    for i, c in enumerate(cols):
        if not c:
            raise UnusableInput(
                f"{display}：第{i + 1}列表头为空", f"{display}: column {i + 1} has an empty header", display
            )
        if c in seen:
            raise UnusableInput(f"{display}：表头重复列 {c}", f"{display}: duplicate column {c}", display)
        seen.add(c)
    return cols


# ---------------------------------------------------------------- headers


def read_header(src: SourceFile) -> tuple[list[str], str | None]:
    """The file's column names (lower-cased) and its text encoding, without reading rows."""
    suffix = src.path.suffix.lower()
    if src.path.stat().st_size == 0:
        raise UnusableInput(
            f"{src.display}：文件为空（没有表头）", f"{src.display}: file is empty (no header)", src.display
        )
    try:
        if suffix == ".csv":
            encoding = detect_encoding(src.path)
            with src.path.open(encoding=encoding, newline="") as fh:
                header = next(csv.reader(fh), None)
            if header is None:
                raise UnusableInput(
                    f"{src.display}：文件为空（没有表头）", f"{src.display}: file is empty", src.display
                )
            return _normalise_header(header, src.display), encoding
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return _normalise_header(list(pq.read_schema(src.path).names), src.display), None
        rows = _xlsx_rows(src.path, src.sheet)
        header = next(rows, None)
        if header is None:
            raise UnusableInput(f"{src.display}：工作表为空", f"{src.display}: sheet is empty", src.display)
        return _normalise_header(header, src.display), None
    except UnusableInput:
        raise
    except Exception as exc:  # unreadable file: say which and why, no traceback
        raise UnusableInput(
            f"{src.display}：无法读取文件（{exc}）", f"{src.display}: unreadable file ({exc})", src.display
        ) from exc


# ---------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class RawRows:
    """Text columns plus `_row`; `ragged` lists records whose field count differs from the header."""

    table: pa.Table
    ragged: list[tuple[int, int, str]]  # (row_no, field count, raw text)


def read_rows(src: SourceFile, columns: list[str], encoding: str | None) -> RawRows:
    """Read all records as text. Dispatches on the file type."""
    try:
        suffix = src.path.suffix.lower()
        if suffix == ".csv":
            return _read_csv(src, columns, encoding or "utf-8")
        if suffix == ".parquet":
            return RawRows(_read_parquet(src, columns), [])
        return _read_xlsx(src, columns)
    except UnusableInput:
        raise
    except Exception as exc:
        raise UnusableInput(
            f"{src.display}：读取失败（{exc}）", f"{src.display}: read failed ({exc})", src.display
        ) from exc


def _text_table(columns: list[str], data: list[list[str | None]], rows: list[int]) -> pa.Table:
    arrays = [pa.array(col, type=pa.string()) for col in data]
    return pa.table([pa.array(rows, type=pa.int64()), *arrays], names=["_row", *columns])


def _count_lines(path: Path) -> int:
    lines = 0
    last = b"\n"
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (0 if last == b"\n" else 1)


def _read_csv_fast(src: SourceFile, columns: list[str]) -> RawRows | None:
    """DuckDB's strict parallel reader, trusted only when every line was one clean record:
    then record k is line k + 1 and the row numbers need no record-by-record walk."""
    import duckdb

    con = duckdb.connect()
    try:
        spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
        path = str(src.path).replace("'", "''")
        table = con.sql(
            f"""SELECT * FROM read_csv('{path}', header = true, delim = ',', quote = '"', escape = '"',
                   columns = {spec}, auto_detect = false, strict_mode = true, null_padding = false,
                   store_rejects = true, rejects_table = 'rej', rejects_scan = 'rej_scan',
                   max_line_size = 33554432)"""
        ).to_arrow_table()
        rejected = con.execute("SELECT count(*) FROM rej").fetchall()[0][0]
    except duckdb.Error:
        return None
    finally:
        con.close()
    if rejected or table.num_rows != _count_lines(src.path) - 1:
        return None
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int64())
    return RawRows(table.add_column(0, "_row", rows), [])


def _read_csv(src: SourceFile, columns: list[str], encoding: str) -> RawRows:
    """Fast path first (UTF-8 files whose lines are all clean records); otherwise walk the file
    record by record with Python's csv module: unlike the fast columnar
    readers, it neither pads a short record with nulls nor gives up on a long one, so a
    ragged record is quarantined with its row number and the others still load."""
    if encoding in ("utf-8", "utf-8-sig"):
        fast = _read_csv_fast(src, columns)
        if fast is not None:
            return fast
    csv.field_size_limit(1 << 30)
    width = len(columns)
    batches: list[pa.Table] = []
    ragged: list[tuple[int, int, str]] = []
    data: list[list[str | None]] = [[] for _ in columns]
    rows: list[int] = []
    with src.path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        row_no = 1
        for record in reader:
            row_no += 1
            if len(record) != width:
                if not record or record == [""]:
                    continue  # a blank line is not a record
                ragged.append((row_no, len(record), ",".join(record)[:2000]))
                continue
            rows.append(row_no)
            for i, value in enumerate(record):
                data[i].append(value or None)
            if len(rows) >= _CSV_BATCH:
                batches.append(_text_table(columns, data, rows))
                data, rows = [[] for _ in columns], []
    batches.append(_text_table(columns, data, rows))
    return RawRows(pa.concat_tables(batches), ragged)


def _read_parquet(src: SourceFile, columns: list[str]) -> pa.Table:
    frame = pl.read_parquet(src.path)
    frame.columns = columns
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d"))
        elif isinstance(dtype, pl.Datetime):
            exprs.append(col.dt.strftime("%Y-%m-%d %H:%M:%S"))
        elif dtype == pl.Boolean:
            exprs.append(col.cast(pl.Int8).cast(pl.String))
        else:
            exprs.append(col.cast(pl.String))
    frame = frame.select(exprs).with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
    return frame.to_arrow().cast(pa.schema([("_row", pa.int64())] + [(c, pa.string()) for c in columns]))


def _sheet_names(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time(0) else value.strftime("%Y-%m-%d")
        )
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text != "" else None


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[object]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def _read_xlsx(src: SourceFile, columns: list[str]) -> RawRows:
    width = len(columns)
    data: list[list[str | None]] = [[] for _ in columns]
    rows: list[int] = []
    ragged: list[tuple[int, int, str]] = []
    it = _xlsx_rows(src.path, src.sheet)
    next(it, None)
    for row_no, raw in enumerate(it, start=2):
        values = [_cell_text(v) for v in raw]
        while values and values[-1] is None and len(values) > width:
            values.pop()
        if all(v is None for v in values):
            continue
        if len(values) > width:
            ragged.append((row_no, len(values), ",".join(v or "" for v in values)[:2000]))
            continue
        values += [None] * (width - len(values))
        rows.append(row_no)
        for i, v in enumerate(values):
            data[i].append(v)
    return RawRows(_text_table(columns, data, rows), ragged)
