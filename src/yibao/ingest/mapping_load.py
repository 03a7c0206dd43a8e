"""`yibao ingest DIR --mapping MAP.yaml`: map, then load through the ordinary ingest in one transaction.

Validation, quarantine, key and reference checks and the idempotence ledger are the
ordinary ingest's (`load`); this module only feeds it the mapped tables and, before the
commit, restates each quarantined row in the source's terms: the source file and row,
the source column(s) behind the failing field (`Gender→gend`) and the source record.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from yibao.contract import CONTRACT
from yibao.ingest.load import Progress, _load_file, _plan
from yibao.ingest.mapping import MappedDataset, MappedTable, map_dataset
from yibao.ingest.mapping_model import Mapping, Part, load_mapping
from yibao.ingest.readers import file_sha256
from yibao.ingest.report import FileReport, IngestReport, TableReport
from yibao.store import connect, ensure_schema

__all__ = ["MappingReport", "ingest_mapped"]


@dataclass(slots=True)
class MappingReport:
    """The ordinary ingest report plus what the mapping read and made."""

    ingest: IngestReport
    mapping: str
    label: str
    sources: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(source key, file, records read, unreadable records)"""
    tables: list[tuple[str, int, int, bool]] = field(default_factory=list)
    """(contract table, rows mapped, rows merged by distinct, empty because the source lacks it)"""


def ingest_mapped(
    folder: Path | str, mapping: Mapping | Path | str, db: Path | str, progress: Progress | None = None
) -> MappingReport:
    """Map `folder` with `mapping` (a file, a built-in name or a loaded Mapping) and load it.

    Raises MappingError for a bad mapping file and UnusableInput for a dataset that does not
    fit it, both before the store is touched; bad rows are quarantined.
    """
    folder = Path(folder)
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    with tempfile.TemporaryDirectory(prefix="yibao-map-") as tmp:
        mapped = map_dataset(folder, m, Path(tmp))
        try:
            report = _load(mapped, folder, db, progress)
        finally:
            mapped.close()
    return MappingReport(
        ingest=report,
        mapping=m.name,
        label=m.label,
        sources=[(s.key, s.src.display, s.rows + len(s.ragged), len(s.ragged)) for s in mapped.files],
        tables=[(t.name, t.rows, t.merged, t.empty) for t in mapped.tables.values()],
    )


def _describe(mapped: MappedDataset, t: MappedTable) -> str:
    if t.empty:
        return "（源数据无此表 / not in source）"
    keys = {s for p in t.parts for s in p.source}
    names = [s.src.display for s in mapped.files if s.key in keys]
    return "+".join(names) or "（无文件 / no file）"


def _load(mapped: MappedDataset, folder: Path, db: Path | str, progress: Progress | None) -> IngestReport:
    plan = _plan(mapped.out_dir)
    con = connect(db, init=False)
    try:
        con.begin()
        ensure_schema(con)
        ((batch_id,),) = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batch").fetchall()
        source = f"{folder.resolve()} [映射 mapping {mapped.mapping.name}]"
        con.execute("INSERT INTO ingest_batch VALUES (?, ?, ?, NULL)", [batch_id, source, dt.datetime.now()])
        report = IngestReport(batch_id=batch_id, source=str(folder), db=str(db))
        tables: dict[str, TableReport] = {}
        for i, (spec, src, columns, encoding) in enumerate(plan):
            if progress:
                progress(spec.name, i, len(plan))
            rep = _load_file(con, spec, src, columns, encoding, batch_id)
            rep.file = _describe(mapped, mapped.tables[spec.name])
            tables.setdefault(spec.name, TableReport(spec.name, spec.label)).files.append(rep)
            con.execute(
                "UPDATE ingest_file SET file_name = ? WHERE batch_id = ? AND table_name = ? AND file_name = ?",
                [rep.file, batch_id, spec.name, src.display],
            )
        _quarantine_unreadable(con, mapped, batch_id, tables)
        for t in mapped.tables.values():
            if not t.empty:
                _restate(con, mapped, t, batch_id)
        if progress:
            progress("", len(plan), len(plan))
        order = list(CONTRACT.names)
        report.tables = sorted(tables.values(), key=lambda r: order.index(r.table))
        con.execute(
            "UPDATE ingest_batch SET finished_at = ? WHERE batch_id = ?", [dt.datetime.now(), batch_id]
        )
        con.commit()
        return report
    except BaseException:
        con.rollback()
        raise
    finally:
        con.close()


def _quarantine_unreadable(
    con: duckdb.DuckDBPyConnection, mapped: MappedDataset, batch_id: int, tables: dict[str, TableReport]
) -> None:
    """Source records that are not rows at all (field count differs from the header) never reach
    the mapped tables; quarantine them here, once per file (the ledger keeps re-ingest idempotent)."""
    for sr in mapped.files:
        if not sr.ragged:
            continue
        target = next(
            (t.name for t in mapped.tables.values() if any(sr.key in p.source for p in t.parts)), None
        )
        if target is None:
            continue
        sha = f"{file_sha256(sr.src.path)}:unreadable:{mapped.mapping.name}"
        rep = FileReport(file=f"{sr.src.display}（无法解析的记录 / unreadable records）")
        tables.setdefault(target, TableReport(target, CONTRACT[target].label)).files.append(rep)
        n = len(sr.ragged)
        if con.execute(
            "SELECT 1 FROM ingest_file WHERE table_name = ? AND sha256 = ? LIMIT 1", [target, sha]
        ).fetchall():
            rep.skipped = True
            rep.read = rep.unchanged = n
            continue
        width = len(sr.columns)
        con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, '*', ?, ?, ?)",
            [
                (
                    batch_id,
                    target,
                    sr.src.display,
                    row,
                    f"*：字段数{k}与表头列数{width}不符",
                    f"*: {k} fields but the header has {width} columns",
                    text,
                )
                for row, k, text in sr.ragged
            ],
        )
        rep.read = rep.quarantined = n
        rep.reasons = Counter({"*：字段数与表头不符": n})
        con.execute(
            "INSERT INTO ingest_file VALUES (?, ?, ?, ?, NULL, ?, 0, 0, 0, ?)",
            [batch_id, target, sr.src.display, sha, n, n],
        )


def _label(part: Part, name: str, pos: int) -> str:
    """The source column(s) behind a contract field, as `Gender→gend`."""
    fmap = part.fields.get(name)
    if fmap is None:
        return name
    if fmap.const is not None:
        return f"{name}（常量 const）"
    names = list(fmap.names)
    if part.unpivot is not None and pos > 0:
        generated = part.unpivot.as_.lower()
        names = [part.unpivot.columns[pos - 1] if n.lower() == generated else n for n in names]
        names = [n for n in names if n.lower() != part.unpivot.index.lower()] or names
    return f"{'+'.join(names)}→{name}" if names else name


def _restate_reason(text: str, sep: str, colon: str, labels: dict[str, str]) -> str:
    out = []
    for seg in text.split(sep):
        head, found, rest = seg.partition(colon)
        out.append(f"{labels[head]}{colon}{rest}" if found and head in labels else seg)
    return sep.join(out)


def _restate(con: duckdb.DuckDBPyConnection, mapped: MappedDataset, t: MappedTable, batch_id: int) -> None:
    """Name this batch's quarantined rows of `t` by source file, row and column."""
    rows = con.execute(
        "SELECT rowid, row_no, field, reason_zh, reason_en FROM quarantine "
        "WHERE batch_id = ? AND table_name = ? AND file_name = ?",
        [batch_id, t.name, t.path.name],
    ).fetchall()
    if not rows:
        return
    origin = t.origin(sorted({r[1] for r in rows}))
    wanted: dict[int, set[int]] = {}
    for fi, src_row, _part, _pos in origin.values():
        wanted.setdefault(fi, set()).add(src_row)
    records = {fi: mapped.source_record(fi, sorted(r)) for fi, r in wanted.items()}
    fix: dict[str, list[object]] = {k: [] for k in ("rid", "file_name", "row_no", "field", "zh", "en", "raw")}
    for rid, row_no, fields, zh, en in rows:
        fi, src_row, part_no, pos = origin[row_no]
        part = t.parts[part_no]
        names = [f for f in str(fields).split(",") if f]
        labels = {f: _label(part, f, pos) for f in names}
        raw = records[fi].get(src_row)
        fix["rid"].append(rid)
        fix["file_name"].append(mapped.files[fi].src.display)
        fix["row_no"].append(src_row)
        fix["field"].append(",".join(labels[f] for f in names))
        fix["zh"].append(_restate_reason(zh, "；", "：", labels))
        fix["en"].append(_restate_reason(en, "; ", ": ", labels))
        fix["raw"].append(json.dumps(json.loads(raw), ensure_ascii=False) if raw else None)
    con.register("mapping_fix", pa.table(fix))
    try:
        con.execute(
            """UPDATE quarantine SET file_name = f.file_name, row_no = f.row_no, field = f.field,
                   reason_zh = f.zh, reason_en = f.en, raw = coalesce(f.raw, quarantine.raw)
               FROM mapping_fix f WHERE quarantine.rowid = f.rid"""
        )
    finally:
        con.unregister("mapping_fix")
