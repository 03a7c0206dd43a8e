"""Turn a dataset of another shape into the contract's tables, as a mapping file says.

The mapped tables are written as text Parquet files in the contract's shape, so that the
ordinary ingest (validation, quarantine, transactional load) runs on them unchanged. Each
output row remembers the source file, row, mapping part and unpivot position it came from,
so that a quarantined row can be named in the source's own terms.

Sources are read by the ordinary readers (encodings, ragged records, Excel, Parquet), as
text. Derivations run in a sandboxed in-memory DuckDB (`mapping_expr`). A derivation that
gives nothing although some of its inputs are present (a date in the wrong format, an amount
that is not a number) passes its input text on, so that validation quarantines the row and
shows the value, instead of loading an empty field.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from yibao.contract import CONTRACT, FieldSpec, TableSpec
from yibao.ingest.errors import UnusableInput
from yibao.ingest.mapping_expr import sandbox
from yibao.ingest.mapping_model import FieldMap, Mapping, Part
from yibao.ingest.readers import EXTENSIONS, SourceFile, read_header, read_rows

__all__ = ["MappedDataset", "MappedTable", "SourceRead", "map_dataset"]

_OUT_FORMAT = {"date": "%Y-%m-%d", "datetime": "%Y-%m-%d %H:%M:%S"}
_META = ("_file", "_row", "_part", "_pos")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(slots=True)
class SourceRead:
    """One source file as read: its rows, and the records that could not be read as rows."""

    key: str
    src: SourceFile
    columns: list[str]
    encoding: str | None = None
    rows: int = 0
    ragged: list[tuple[int, int, str]] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    """Columns read only as optional contract fields that this file lacks (read as empty)."""


@dataclass(slots=True)
class MappedTable:
    """One contract table as mapped. Row k of `provenance` holds the file index, source row,
    mapping part and unpivot position of output row k + 1; `merged` counts rows folded by
    `distinct`/`distinct_on`."""

    name: str
    path: Path
    rows: int
    provenance: pa.Table | None
    parts: list[Part]
    empty: bool = False
    merged: int = 0

    def origin(self, rows: list[int]) -> dict[int, tuple[int, int, int, int]]:
        """(file index, source row, part, position) of these output rows (1-based)."""
        if self.provenance is None or not rows:
            return {}
        picked = self.provenance.take(pa.array([r - 1 for r in rows], type=pa.int64()))
        cols = [picked.column(m).to_pylist() for m in _META]
        return {r: (int(a), int(b), int(c), int(d)) for r, a, b, c, d in zip(rows, *cols, strict=True)}


@dataclass(slots=True)
class MappedDataset:
    """The mapped contract tables (files in `out_dir`) and what was read to make them."""

    mapping: Mapping
    folder: Path
    out_dir: Path
    files: list[SourceRead]
    tables: dict[str, MappedTable]
    con: duckdb.DuckDBPyConnection
    """The sandbox holding the source rows (`src_<i>`), to quote a quarantined row's source record."""

    def source_record(self, file_index: int, rows: list[int]) -> dict[int, str]:
        """Source records as JSON text, by row number."""
        cols = self.files[file_index].columns
        packed = ", ".join(f"{_q(c)} := {_q(c)}" for c in cols)
        out = self.con.execute(
            f"SELECT _row, CAST(to_json(struct_pack({packed})) AS VARCHAR) FROM src_{file_index} "
            "WHERE list_contains(?, _row)",
            [rows],
        ).fetchall()
        return dict(out)  # type: ignore[arg-type]

    def close(self) -> None:
        self.con.close()


# ---------------------------------------------------------------- sources


def _match(folder: Path, patterns: list[str]) -> list[Path]:
    found: dict[Path, None] = {}
    names = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
    for pattern in patterns:
        for p in names:
            if fnmatch.fnmatch(p.name.lower(), pattern.lower()):
                found[p] = None
    return list(found)


def _read_sources(folder: Path, mapping: Mapping, con: duckdb.DuckDBPyConnection) -> list[SourceRead]:
    """Check every file's header against what the mapping reads, then read the rows."""
    if not folder.is_dir():
        raise UnusableInput(f"数据目录不存在：{folder}", f"dataset folder not found: {folder}", str(folder))
    needs = _needs(mapping)
    generated: dict[str, set[str]] = {k: set() for k in mapping.sources}
    for tmap in mapping.tables.values():
        for part in tmap.parts:
            for k in part.source:
                generated[k] |= part.generated
    reads: list[SourceRead] = []
    for key, spec in mapping.sources.items():
        paths = _match(folder, spec.files)
        if not paths and spec.required:
            pats = ", ".join(spec.files)
            raise UnusableInput(
                f"{folder}：找不到映射源 {key} 的文件（{pats}）",
                f"{folder}: no file for mapping source {key} ({pats})",
                str(folder),
            )
        for path in paths:
            src = SourceFile(table=key, path=path)
            columns, encoding = read_header(src)
            absent = [c for c in needs[key] if c not in columns and c not in spec.if_missing]
            missing = [c for c in absent if needs[key][c][1]]
            # a column read only as an optional contract field may be absent: the field is empty
            sr_missing = {c: None for c in absent if not needs[key][c][1]}
            if missing:
                where = "、".join(f"{c}（{needs[key][c][0]}）" for c in missing)
                where_en = ", ".join(f"{c} ({needs[key][c][0]})" for c in missing)
                raise UnusableInput(
                    f"{src.display}：缺少映射所需的列 {where}",
                    f"{src.display}: column(s) the mapping reads are missing: {where_en}",
                    src.display,
                )
            clash = sorted(set(columns) & generated[key])
            if clash:
                names = ", ".join(clash)
                raise UnusableInput(
                    f"{src.display}：源文件已有列 {names}，与映射中 unpivot 的 as/index 同名，请改名",
                    f"{src.display}: the file already has column(s) {names}, named as an unpivot's as/index; "
                    "rename them in the mapping",
                    src.display,
                )
            reads.append(
                SourceRead(key=key, src=src, columns=columns, encoding=encoding, absent=list(sr_missing))
            )
    for i, sr in enumerate(reads):
        raw = read_rows(sr.src, sr.columns, sr.encoding)
        con.register(f"raw_{i}", raw.table)
        con.execute(f"CREATE TEMP TABLE src_{i} AS SELECT * FROM raw_{i}")
        con.unregister(f"raw_{i}")
        sr.rows = raw.table.num_rows
        sr.ragged = raw.ragged
        spec = mapping.sources[sr.key]
        cols = [f"nullif(trim({_q(c)}), '') AS {_q(c)}" for c in sr.columns]
        fill = {**dict.fromkeys(sr.absent), **spec.if_missing}
        cols += [
            f"{_lit(v) if v is not None else 'CAST(NULL AS VARCHAR)'} AS {_q(c)}"
            for c, v in fill.items()
            if c not in sr.columns
        ]
        con.execute(f"CREATE TEMP VIEW v_{i} AS SELECT {i} AS _file, _row, {', '.join(cols)} FROM src_{i}")
    for j, key in enumerate(mapping.sources):
        views = [f"SELECT * FROM v_{i}" for i, sr in enumerate(reads) if sr.key == key]
        if views:
            body = " UNION ALL BY NAME ".join(views)
        else:  # an optional source with no file: no rows, but the columns the mapping reads
            cols = ["CAST(NULL AS INTEGER) AS _file", "CAST(NULL AS BIGINT) AS _row"]
            cols += [f"CAST(NULL AS VARCHAR) AS {_q(c)}" for c in needs[key]]
            body = f"SELECT {', '.join(cols)} WHERE false"
        con.execute(f"CREATE TEMP VIEW s_{j} AS {body}")
    return reads


def _needs(mapping: Mapping) -> dict[str, dict[str, tuple[str, bool]]]:
    """source → column → (first key reading it, whether a file must have it). A column read
    only for optional contract fields may be absent (then it reads as empty), as an optional
    column may be absent from a contract file; `where` and `unpivot` columns must be there."""
    needs: dict[str, dict[str, tuple[str, bool]]] = {k: {} for k in mapping.sources}
    for tname, tmap in mapping.tables.items():
        spec = CONTRACT[tname]
        for i, part in enumerate(tmap.parts):
            key = f"tables.{tname}.parts[{i}]"
            uses: dict[str, bool] = {}
            for fname, fmap in part.fields.items():
                optional = not spec.field(fname).required
                for col in fmap.inputs - part.generated:
                    uses[col] = uses.get(col, False) or not optional
            for col in part.inputs():
                uses.setdefault(col, True)
            if part.parsed_where is not None:
                uses.update(dict.fromkeys(part.parsed_where.columns, True))
            if part.unpivot is not None:
                uses.update(dict.fromkeys((c.strip().lower() for c in part.unpivot.columns), True))
            for s in part.source:
                for col, required in sorted(uses.items()):
                    first, before = needs[s].get(col, (key, False))
                    needs[s][col] = (first, before or required)
    return needs


# ---------------------------------------------------------------- one part


def _raw(fmap: FieldMap, f: FieldSpec) -> tuple[str, bool]:
    """SQL for the field's value before codes and default, and whether it is a derivation
    (which can fail: give nothing although its inputs are present)."""
    derived = False
    if fmap.column is not None:
        v = _q(fmap.column.strip().lower())
    elif fmap.columns is not None:
        v = f"nullif(concat_ws({_lit(fmap.sep)}, {', '.join(_q(c.strip().lower()) for c in fmap.columns)}), '')"
    elif fmap.expr is not None:
        v = f"nullif(trim(CAST(TRY({fmap.expr}) AS VARCHAR)), '')"
        derived = True
    else:
        v = _lit(fmap.const or "")
    if fmap.format is not None:
        fmts = "[" + ", ".join(_lit(x) for x in fmap.format) + "]"
        v = f"strftime(try_strptime({v}, {fmts}), {_lit(_OUT_FORMAT[f.type])})"
        derived = True
    return v, derived


def _final(fmap: FieldMap, f: FieldSpec, r: str, derived: bool) -> str:
    """The field's text from its raw value `r` (a column of the inner query): codes, default,
    and a failed derivation replaced by its input text, for validation to show."""
    v = r
    if fmap.codes:
        cases = " ".join(f"WHEN {r} = {_lit(k.strip())} THEN {_lit(c)}" for k, c in fmap.codes.items())
        other = _lit(fmap.default) if fmap.default is not None else r
        v = f"CASE WHEN {r} IS NULL THEN NULL {cases} ELSE {other} END"
    if fmap.default is not None:
        v = f"coalesce({v}, {_lit(fmap.default)})"
    checked = f.type != "str" or f.codes is not None or f.pattern is not None
    inputs = list(dict.fromkeys(n.lower() for n in fmap.names))
    if derived and checked and inputs and not fmap.nullable:
        present = " OR ".join(f"{_q(c)} IS NOT NULL" for c in inputs)
        shown = "concat_ws('|', " + ", ".join(_q(c) for c in inputs) + ")"
        v = f"CASE WHEN {r} IS NULL AND ({present}) THEN {shown} ELSE {v} END"
    return f"CAST({v} AS VARCHAR)"


def _part_sql(
    mapping: Mapping, spec: TableSpec, j: int, part: Part, fields: list[str], reads: list[SourceRead]
) -> str:
    keys = list(mapping.sources)
    base = " UNION ALL BY NAME ".join(f"SELECT * FROM s_{keys.index(s)}" for s in part.source)
    base = f"SELECT *, 0 AS _pos FROM ({base})"
    if part.unpivot is not None:
        u = part.unpivot
        items = ", ".join(
            f"{{'v': {_q(c.strip().lower())}, 'i': {n}}}" for n, c in enumerate(u.columns, start=1)
        )
        base = (
            f"SELECT * EXCLUDE (__u, _pos), __u.v AS {_q(u.as_.lower())}, __u.i AS {_q(u.index.lower())}, "
            f"__u.i AS _pos FROM (SELECT *, unnest([{items}]) AS __u FROM ({base})) WHERE __u.v IS NOT NULL"
        )
    if part.where is not None:
        base = f"SELECT * FROM ({base}) WHERE coalesce(TRY({part.where}), false)"
    # two layers: each raw value is computed once, then recoded and checked by reference
    raws: list[str] = []
    cols = [f"_file, _row, {j} AS _part, _pos"]
    for n, name in enumerate(fields):
        fmap = part.fields.get(name)
        if fmap is None:
            cols.append(f"CAST(NULL AS VARCHAR) AS {_q(name)}")
            continue
        f = spec.field(name)
        raw, derived = _raw(fmap, f)
        raws.append(f"{raw} AS __r_{n}")
        cols.append(f"{_final(fmap, f, f'__r_{n}', derived)} AS {_q(name)}")
    if part.keep_unmapped:
        for col in _unmapped(mapping, part, reads):
            alias = col if col not in spec.field_names and not col.startswith("_") else f"src_{col}"
            cols.append(f"{_q(col)} AS {_q(alias)}")
    return f"SELECT {', '.join(cols)} FROM (SELECT *, {', '.join(raws)} FROM ({base}))"


def _unmapped(mapping: Mapping, part: Part, reads: list[SourceRead]) -> list[str]:
    used: set[str] = set()
    for fmap in part.fields.values():
        used |= fmap.inputs
    if part.unpivot is not None:
        used |= {c.strip().lower() for c in part.unpivot.columns}
    out: dict[str, None] = {}
    for sr in reads:
        if sr.key in part.source:
            for c in [*sr.columns, *mapping.sources[sr.key].if_missing]:
                if c not in used:
                    out[c] = None
    return list(out)


# ---------------------------------------------------------------- tables


def _map_table(
    con: duckdb.DuckDBPyConnection, mapping: Mapping, spec: TableSpec, reads: list[SourceRead], out_dir: Path
) -> MappedTable:
    tmap = mapping.tables[spec.name]
    path = out_dir / f"{spec.name}.parquet"
    if tmap.empty:
        schema = pa.schema([(n, pa.string()) for n in spec.field_names])
        pq.write_table(schema.empty_table(), path)
        return MappedTable(spec.name, path, 0, None, [], empty=True)
    fields = [n for n in spec.field_names if any(n in p.fields for p in tmap.parts)]
    body = " UNION ALL BY NAME ".join(
        f"({_part_sql(mapping, spec, j, p, fields, reads)})" for j, p in enumerate(tmap.parts)
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE mapped AS {body}")
    ((before,),) = con.execute("SELECT count(*) FROM mapped").fetchall()
    order = "_part, _file, _row, _pos"
    if tmap.distinct or tmap.distinct_on:
        keys = ", ".join(_q(k) for k in (tmap.distinct_on or fields))
        every = ", ".join(_q(k) for k in fields)
        rank = "__n DESC, " if tmap.keep == "most_frequent" else ""
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE mapped AS SELECT _file, _row, _part, _pos, {every} FROM (
                  SELECT *, count(*) OVER (PARTITION BY {every}) AS __n FROM mapped)
                QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {rank}{order}) = 1"""
        )
    out = con.sql(f"SELECT * FROM mapped ORDER BY {order}").to_arrow_table()
    con.execute("DROP TABLE mapped")
    provenance = out.select(list(_META))
    data = out.drop_columns(list(_META))
    data = data.cast(pa.schema([(n, pa.string()) for n in data.column_names]))
    pq.write_table(data, path)
    return MappedTable(
        spec.name, path, data.num_rows, provenance, list(tmap.parts), merged=int(before) - data.num_rows
    )


def map_dataset(folder: Path | str, mapping: Mapping, out_dir: Path) -> MappedDataset:
    """Read `folder` as `mapping` describes and write the contract tables into `out_dir`.

    Raises UnusableInput when a source file is missing, unreadable or lacks a column the
    mapping reads; bad values are passed on for validation to quarantine.
    """
    folder = Path(folder)
    con = sandbox()
    try:
        reads = _read_sources(folder, mapping, con)
        tables: dict[str, MappedTable] = {}
        for spec in CONTRACT.tables:
            if spec.name in mapping.tables:
                try:
                    tables[spec.name] = _map_table(con, mapping, spec, reads, out_dir)
                except duckdb.Error as exc:  # checked expressions should not fail; say where if one does
                    msg = str(exc).splitlines()[0]
                    raise UnusableInput(
                        f"按映射生成表 {spec.name} 失败（tables.{spec.name}）：{msg}",
                        f"mapping table {spec.name} failed (tables.{spec.name}): {msg}",
                        spec.name,
                    ) from exc
    except BaseException:
        con.close()
        raise
    return MappedDataset(mapping, folder, out_dir, reads, tables, con)
