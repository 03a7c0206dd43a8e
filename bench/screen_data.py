"""Build the benchmark store: an ingested synthetic city scaled to N fee lines.

The city is copied k times with disjoint person, encounter, settlement, line and
traceability-code keys (suffix `~i`), over the same institutions, practitioners and
knowledge base: a bigger population of one city. The last copy takes a share of the
persons so that the store holds about N fee lines. Stock-in rows are copied with the
sales so that the stock check stays balanced.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import duckdb

# table → columns that carry a per-person key and must be made distinct in each copy
_KEYED = {
    "psn": ("psn_no", "hshld_no", "certno"),
    "mdtrt": ("mdtrt_id", "psn_no"),
    "setl": ("setl_id", "mdtrt_id", "psn_no"),
    "fee": ("feedetl_sn", "mdtrt_id", "psn_no"),
    "diag": ("mdtrt_id",),
    "death": ("psn_no",),
}


def _cols(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "AND table_catalog = current_database() AND table_schema = 'main' ORDER BY ordinal_position",
        [table]).fetchall()]


def _suffixed(table: str, cols: list[str], keyed: tuple[str, ...], i: int) -> list[str]:
    """The select list of copy `i`: its person-level keys and traceability codes made distinct."""
    sel = []
    for c in cols:
        if c in keyed:
            sel.append(f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} || '~{i}' END AS {c}")
        elif table == "fee" and c == "drug_trac_codg":
            sel.append(f"CASE WHEN {c} IS NULL THEN NULL ELSE "
                       f"array_to_string(list_transform(string_split({c}, ','), lambda x: x || '~{i}'), ',')"
                       f" END AS {c}")
        else:
            sel.append(c)
    return sel


def build_from_cities(sources: list[Path], out: Path, findings_of: list[str] | None = None) -> int:
    """Write `out` from several ingested cities generated with different seeds (same geography, so
    the same institutions, practitioners and catalogue): the first city as it is, each other one's
    persons, encounters, settlements, lines and stock-in added with distinct keys. Unlike copies of
    one city, their encounters are independent draws, so no pattern repeats in lockstep. With
    `findings_of` (detector names), each city's own findings of those detectors come along."""
    out.unlink(missing_ok=True)
    shutil.copyfile(sources[0], out)
    con = duckdb.connect(str(out))
    con.execute("SET enable_progress_bar = false")
    keep = findings_of or []
    con.execute("DELETE FROM findings WHERE NOT list_contains(?, detector)", [keep])
    tables = {**_KEYED, "purchase": ()}
    if keep:  # each city's own findings of these detectors, keyed like its lines
        tables["findings"] = ("finding_id", "feedetl_sn", "mdtrt_id", "psn_no")
    for i, src in enumerate(sources[1:], start=1):
        con.execute(f"ATTACH '{src}' AS c{i} (READ_ONLY)")
        for table, keyed in tables.items():
            cols = _cols(con, table)
            where = " WHERE list_contains(?, detector)" if table == "findings" else ""
            con.execute(f"INSERT INTO {table} SELECT {', '.join(_suffixed(table, cols, keyed, i))} "
                        f"FROM c{i}.{table}{where}", [keep] if where else [])
        con.execute(f"DETACH c{i}")
    ((n,),) = con.execute("SELECT count(*) FROM fee").fetchall()
    con.execute("CHECKPOINT")
    con.close()
    return n


def build(source: Path, out: Path, lines: int) -> int:
    """Write `out` with about `lines` fee lines; returns the exact count."""
    src = duckdb.connect(str(source), read_only=True)
    ((base,),) = src.execute("SELECT count(*) FROM fee").fetchall()
    src.close()
    copies = lines / base
    full, part = math.floor(copies), copies - math.floor(copies)
    out.unlink(missing_ok=True)
    shutil.copyfile(source, out)
    con = duckdb.connect(str(out))
    con.execute("SET enable_progress_bar = false")
    con.execute("DELETE FROM findings")
    # which persons the partial copy takes: a stable hash share
    con.execute("CREATE TEMP TABLE psn_pick AS SELECT psn_no, hash(psn_no) % 1000 AS h FROM psn")
    for table, keyed in _KEYED.items():
        cols = _cols(con, table)
        con.execute(f"CREATE TEMP TABLE base_{table} AS SELECT * FROM {table}")
        for i in range(1, full + (1 if part > 0 else 0)):
            sel = _suffixed(table, cols, keyed, i)
            where = ""
            if i == full and part > 0:
                pkey = "psn_no" if "psn_no" in cols else None
                if pkey:
                    where = f" WHERE {pkey} IN (SELECT psn_no FROM psn_pick WHERE h < {int(part * 1000)})"
                else:  # diag: through its encounter
                    where = (" WHERE mdtrt_id IN (SELECT mdtrt_id FROM base_mdtrt WHERE psn_no IN "
                             f"(SELECT psn_no FROM psn_pick WHERE h < {int(part * 1000)}))")
            con.execute(f"INSERT INTO {table} SELECT {', '.join(sel)} FROM base_{table}{where}")
    # stock-in grows with the sales
    con.execute(f"UPDATE purchase SET cnt = cnt * {copies:.6f}")
    ((n,),) = con.execute("SELECT count(*) FROM fee").fetchall()
    con.execute("CHECKPOINT")
    con.close()
    return n
