"""Peer outliers: institutions and practitioners far from their peer group, stays far above their diagnosis.

* INSTITUTION_OUTLIER (机构异常): case-mix-adjusted cost per case (inpatient, outpatient), growth of
  fund spending (second half over first half of the window), admission rate, drug / test /
  consumable / CT-MRI shares, 31-day readmission rate, average length of stay; peers by
  institution type × category × level (× district where the group is large enough).
* PRACTITIONER_OUTLIER (医师异常): case-mix-adjusted cost per visit and per stay, drugs per visit,
  drug share; peers by department × institution level, and the doctor must also stand out within
  the own department of the own institution (so an institution-wide excess is not blamed on each doctor).
* OVER_TREATMENT (过度诊疗): a stay whose cost per stay day is many times the median of stays with the
  same main diagnosis at the same hospital level.

"Case-mix adjusted" = each encounter's cost divided by the median cost of encounters of the same
type with the same main diagnosis at the same hospital level; the index is the geometric mean.
"""

from __future__ import annotations

import duckdb
import polars as pl

from yibao.findings import Finding, Grade, Level, Violation
from yibao.models.base import ModelDetector
from yibao.models.features import DataUnavailable, Features
from yibao.models.peers import Indicator, PeerResult, compare_with_peers

__all__ = ["InstitutionOutlier", "OverTreatment", "PractitionerOutlier", "build_relative_cost"]


def build_relative_cost(con: duckdb.DuckDBPyConnection, feats: Features | None = None) -> None:
    """`mdl_rel`: each encounter's log cost relative to its diagnosis × level × type median.

    For stays the median is over *other* institutions' stays, so a hospital that is most of its
    level's stays for a diagnosis does not set its own yardstick. Built once per run when `feats` is given.
    """
    if feats is not None:
        if "mdl_rel" in feats.built:
            return
        feats.built.add("mdl_rel")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE mdl_rel AS
        WITH b AS (SELECT mdtrt_id, fixmedins_code AS inst, med_type, coalesce(dise_codg, '-') AS dx,
                          coalesce(dx3, '-') AS dx3, coalesce(hosp_lv, '-') AS lv, amt
                   FROM mdl_enc WHERE amt > 0),
             op AS (SELECT * FROM b WHERE med_type <> '21'),
             e1 AS (SELECT med_type, dx, lv, median(amt) AS m FROM op GROUP BY ALL HAVING count(*) >= 5),
             e2 AS (SELECT med_type, dx3, lv, median(amt) AS m FROM op GROUP BY ALL HAVING count(*) >= 5),
             e3 AS (SELECT med_type, lv, median(amt) AS m FROM op GROUP BY ALL),
             ip AS (SELECT * FROM b WHERE med_type = '21'),
             g1 AS (SELECT DISTINCT dx, lv, inst FROM ip),
             g2 AS (SELECT DISTINCT dx3, lv, inst FROM ip),
             g3 AS (SELECT DISTINCT dx, inst FROM ip),
             i1 AS (SELECT g.dx, g.lv, g.inst, median(x.amt) AS m FROM g1 g JOIN ip x
                      ON x.dx = g.dx AND x.lv = g.lv AND x.inst <> g.inst GROUP BY ALL HAVING count(*) >= 5),
             i2 AS (SELECT g.dx3, g.lv, g.inst, median(x.amt) AS m FROM g2 g JOIN ip x
                      ON x.dx3 = g.dx3 AND x.lv = g.lv AND x.inst <> g.inst GROUP BY ALL HAVING count(*) >= 5),
             i3 AS (SELECT g.dx, g.inst, median(x.amt) AS m FROM g3 g JOIN ip x
                      ON x.dx = g.dx AND x.inst <> g.inst GROUP BY ALL HAVING count(*) >= 5),
             i4 AS (SELECT lv, median(amt) AS m FROM ip GROUP BY ALL)
        SELECT b.mdtrt_id, ln(b.amt / coalesce(e1.m, e2.m, e3.m)) AS lr
        FROM op b LEFT JOIN e1 USING (med_type, dx, lv) LEFT JOIN e2 USING (med_type, dx3, lv)
        LEFT JOIN e3 USING (med_type, lv)
        UNION ALL
        SELECT b.mdtrt_id, ln(b.amt / coalesce(i1.m, i2.m, i3.m, i4.m))
        FROM ip b LEFT JOIN i1 USING (dx, lv, inst) LEFT JOIN i2 USING (dx3, lv, inst)
        LEFT JOIN i3 USING (dx, inst) LEFT JOIN i4 USING (lv)"""
    )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> pl.DataFrame:
    frame = pl.from_arrow(con.sql(sql, params=params or {}).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _score(z: float, min_z: float) -> float:
    return round(min(0.99, 0.5 + 0.5 * (z - min_z) / (2 * min_z)), 4)


def _combined_z(hits: list[PeerResult]) -> float:
    """The top z, raised by each further indicator that agrees (root-sum-square of the two largest)."""
    zs = sorted((h.z for h in hits), reverse=True)[:2]
    return max(zs[0], (sum(z * z for z in zs) ** 0.5) if len(zs) > 1 else 0.0)


def _reasons(hits: list[PeerResult]) -> str:
    parts = []
    for h in sorted(hits, key=lambda h: -h.z)[:4]:
        f = h.indicator.fmt
        parts.append(
            f"{h.indicator.label}{f.format(h.value)}，同类组中位数{f.format(h.peer_median)}"
            f"（{h.ratio:.1f}倍，稳健z={h.z:.1f}，同类组 {h.group}，{h.peers}家/名）"
        )
    return "；".join(parts)


def _flagged(
    results: list[PeerResult], min_z: float, min_ratio: float, corroborated_z: float | None = None
) -> dict[str, list[PeerResult]]:
    """Entities with one indicator beyond `min_z`, or two beyond `corroborated_z`.

    Two independent measures both clearly off their peers are stronger evidence than one far off:
    a hospital whose billing doubled and whose cost per visit rose with it is flagged even when
    neither alone reaches `min_z`.
    """
    strong: dict[str, list[PeerResult]] = {}
    for r in results:
        if r.ratio >= min_ratio and r.z >= min(min_z, corroborated_z or min_z):
            strong.setdefault(r.key, []).append(r)
    return {
        k: hits
        for k, hits in strong.items()
        if any(h.z >= min_z for h in hits) or (corroborated_z is not None and len(hits) >= 2)
    }


# Which spending an indicator's excess is taken from (the suspect amount is that spending's share
# above the peer median, never the institution's whole turnover).
_SPEND = {
    "cost_ip": "amt_ip",
    "adm_rate": "amt_ip",
    "low_share": "amt_ip",
    "readmit": "amt_ip",
    "alos": "amt_ip",
    "cost_op": "amt_op",
    "growth": "amt_h2",
}


def _excess(top: PeerResult, spend: dict[str, float]) -> float:
    col = top.indicator.column
    if col in _SPEND:
        return float(spend[_SPEND[col]] or 0) * max(0.0, 1 - 1 / top.ratio) if top.ratio > 0 else 0.0
    return float(spend["amt"] or 0) * max(0.0, top.value - top.peer_median)  # shares: the share above peers


_ANY_KIND = {"cost_op", "growth"}

_INST_INDICATORS = [
    Indicator("cost_ip", "次均住院费用（病种与等级调整后指数）", floor=0.15, min_count_column="n_ip"),
    Indicator("cost_op", "次均门诊费用（病种与等级调整后指数）", floor=0.15, min_count_column="n_op"),
    Indicator("growth", "下半年/上半年基金支出比", floor=0.15),
    Indicator("low_share", "轻症住院占比", "{:.1%}", floor=0.2, offset=0.05, min_count_column="n_ip"),
    Indicator("adm_rate", "门诊患者住院率", "{:.1%}", floor=0.2, offset=0.02, min_count_column="n_op_psn"),
    Indicator("drug_share", "药品费用占比", "{:.1%}", floor=0.2, offset=0.05, min_count_column="n_enc"),
    Indicator("test_share", "检查化验费用占比", "{:.1%}", floor=0.2, offset=0.05, min_count_column="n_enc"),
    Indicator("cons_share", "耗材费用占比", "{:.1%}", floor=0.2, offset=0.05, min_count_column="n_enc"),
    Indicator("img_share", "CT/MRI费用占比", "{:.1%}", floor=0.2, offset=0.02, min_count_column="n_enc"),
    Indicator("readmit", "31天再入院率", "{:.1%}", floor=0.2, offset=0.03, min_count_column="n_ip"),
    Indicator("alos", "平均住院日", "{:.1f}", floor=0.2, min_count_column="n_ip"),
]


class InstitutionOutlier(ModelDetector):
    """Institutions far from institutions of the same type and level."""

    id = "institution_peer_outlier"
    version = "1"
    violation = Violation.INSTITUTION_OUTLIER

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        if not feats.avail.has("medins", "fixmedins_type"):
            raise DataUnavailable("缺少机构信息（medins），无法分组比较", "no institutions: no peer groups")
        build_relative_cost(con, feats)
        p = feats.params
        frame = self.indicators(con, int(p["readmission_days"]))
        if not feats.avail.has("fee", "list_type"):
            feats.note(
                "无费用明细，机构药品/检查/耗材/CT-MRI占比跳过 / no fee lines: share indicators skipped"
            )
            frame = frame.with_columns(
                [
                    pl.lit(None, dtype=pl.Float64).alias(c)
                    for c in ("drug_share", "test_share", "cons_share", "img_share")
                ]
            )
        # Only outpatient case-mix-adjusted cost and growth compare across institution categories; inpatient
        # cost, shares, rates and lengths of stay are compared within the same category: a psychiatric
        # hospital's stays are weeks long for diagnoses a general hospital treats in days, which the
        # diagnosis adjustment does not remove.
        same_kind = [
            ("fixmedins_type", "inst_type", "hosp_lv", "admdvs"),
            ("fixmedins_type", "inst_type", "hosp_lv"),
        ]
        any_kind = [*same_kind, ("fixmedins_type", "hosp_lv")]
        kw = {"min_cases": int(p["outlier_min_cases"])}
        results = compare_with_peers(
            frame,
            "fixmedins_code",
            [i for i in _INST_INDICATORS if i.column in _ANY_KIND],
            any_kind,
            min_peers=[3, 2, 2],
            **kw,
        )
        results += compare_with_peers(
            frame,
            "fixmedins_code",
            [i for i in _INST_INDICATORS if i.column not in _ANY_KIND],
            same_kind,
            min_peers=[3, 1],
            **kw,
        )
        flagged = _flagged(
            results,
            float(p["outlier_min_z"]),
            float(p["outlier_min_ratio"]),
            float(p["outlier_corroborated_z"]),
        )
        spend = {
            r["fixmedins_code"]: r
            for r in frame.select("fixmedins_code", "amt", "amt_ip", "amt_op", "amt_h2").to_dicts()
        }
        out = []
        for inst, hits in sorted(flagged.items()):
            top = max(hits, key=lambda h: h.z)
            out.append(
                Finding(
                    violation=self.violation,
                    detector=self.detector,
                    level=Level.INSTITUTION,
                    amount=_excess(top, spend[inst]),
                    score=_score(_combined_z(hits), float(p["outlier_min_z"])),
                    grade=Grade.SUSPECT,
                    evidence="机构指标显著偏离同类同级机构：" + _reasons(hits),
                    fixmedins_code=inst,
                )
            )
        return out

    @staticmethod
    def indicators(con: duckdb.DuckDBPyConnection, readmit_days: int) -> pl.DataFrame:
        """One row per institution with every indicator (NULL where it does not apply)."""
        return _frame(
            con,
            """WITH e AS (SELECT e.*, r.lr FROM mdl_enc e LEFT JOIN mdl_rel r USING (mdtrt_id)),
                 months AS (SELECT nm, m0 + to_months(nm // 2) AS mid FROM (
                              SELECT min(month) AS m0, date_diff('month', min(month), max(month)) + 1 AS nm FROM e)),
                 nxt AS (SELECT fixmedins_code, los,
                                lead(adm_date) OVER (PARTITION BY psn_no ORDER BY begntime) - dscg_date AS gap
                         FROM e WHERE med_type = '21')
            SELECT i.fixmedins_code, i.fixmedins_type, i.inst_type, i.hosp_lv, i.admdvs,
                   count(*) AS n_enc,
                   count(*) FILTER (WHERE med_type = '21') AS n_ip,
                   count(*) FILTER (WHERE med_type IN ('11', '14', '41')) AS n_op,
                   count(DISTINCT psn_no) FILTER (WHERE med_type = '11') AS n_op_psn,
                   sum(amt) AS amt,
                   coalesce(sum(amt) FILTER (WHERE med_type = '21'), 0) AS amt_ip,
                   coalesce(sum(amt) FILTER (WHERE med_type <> '21'), 0) AS amt_op,
                   coalesce(sum(amt) FILTER (WHERE month >= mid), 0) AS amt_h2,
                   exp(avg(lr) FILTER (WHERE med_type = '21')) AS cost_ip,
                   exp(avg(lr) FILTER (WHERE med_type <> '21')) AS cost_op,
                   CASE WHEN any_value(nm) >= 4 THEN
                     sum(coalesce(fund, amt)) FILTER (WHERE month >= mid)
                     / nullif(sum(coalesce(fund, amt)) FILTER (WHERE month < mid), 0)
                   END AS growth,
                   CASE WHEN count(DISTINCT psn_no) FILTER (WHERE med_type = '11') > 0
                             AND count(*) FILTER (WHERE med_type = '21') > 0 THEN
                     count(DISTINCT psn_no) FILTER (WHERE med_type = '21')
                     / count(DISTINCT psn_no) FILTER (WHERE med_type = '11') END AS adm_rate,
                   sum(drug_amt) / nullif(sum(amt), 0) AS drug_share,
                   sum(test_amt) / nullif(sum(amt), 0) AS test_share,
                   sum(cons_amt) / nullif(sum(amt), 0) AS cons_share,
                   sum(img_amt) / nullif(sum(amt), 0) AS img_share,
                   any_value(ra.readmit) AS readmit,
                   avg(los) FILTER (WHERE med_type = '21') AS alos,
                   avg(low_acuity::INTEGER) FILTER (WHERE med_type = '21') AS low_share
            FROM e CROSS JOIN months
            JOIN (SELECT fixmedins_code, fixmedins_type, inst_type, hosp_lv, admdvs FROM medins) i USING (fixmedins_code)
            LEFT JOIN (SELECT fixmedins_code, avg(CASE WHEN gap <= $rd THEN 1 ELSE 0 END) AS readmit
                       FROM nxt GROUP BY 1) ra USING (fixmedins_code)
            GROUP BY ALL""",
            {"rd": readmit_days},
        )


PRAC_INDICATORS = [
    Indicator("cost_op", "门诊次均费用（病种与等级调整后指数）", floor=0.15, min_count_column="n_op"),
    Indicator(
        "drugs_per_visit", "每次门诊药品品种数", "{:.2f}", floor=0.15, offset=0.5, min_count_column="n_op"
    ),
    Indicator("drug_share", "药品费用占比", "{:.1%}", floor=0.2, offset=0.05, min_count_column="n_op"),
    Indicator("cost_ip", "次均住院费用（病种与等级调整后指数）", floor=0.15, min_count_column="n_ip"),
]


class PractitionerOutlier(ModelDetector):
    """Doctors far from doctors of the same department at the same institution level."""

    id = "practitioner_peer_outlier"
    version = "1"
    violation = Violation.PRACTITIONER_OUTLIER

    @staticmethod
    def indicators(con: duckdb.DuckDBPyConnection, feats: Features) -> pl.DataFrame:
        """One row per doctor with the indicators and the peer-group columns; the console's peer chart
        reads the same frame, so what it shows is what the score is based on."""
        build_relative_cost(con, feats)
        has_prac = feats.avail.has("practitioner", "dept_codg")
        frame = _frame(
            con,
            f"""WITH e AS (SELECT e.*, r.lr FROM mdl_enc e LEFT JOIN mdl_rel r USING (mdtrt_id)
                          WHERE prac_code IS NOT NULL AND fixmedins_type IS DISTINCT FROM '2'),
                d AS (SELECT prac_code, mode(dept) AS dept, mode(fixmedins_code) AS inst, mode(hosp_lv) AS hosp_lv
                      FROM e GROUP BY 1)
            SELECT e.prac_code, {"coalesce(pr.dept_codg, d.dept)" if has_prac else "d.dept"} AS dept,
                   d.inst AS fixmedins_code, d.hosp_lv,
                   count(*) FILTER (WHERE med_type IN ('11', '14')) AS n_op,
                   count(*) FILTER (WHERE med_type = '21') AS n_ip,
                   sum(amt) AS amt,
                   exp(avg(lr) FILTER (WHERE med_type IN ('11', '14'))) AS cost_op,
                   exp(avg(lr) FILTER (WHERE med_type = '21')) AS cost_ip,
                   avg(n_drugs) FILTER (WHERE med_type IN ('11', '14')) AS drugs_per_visit,
                   sum(drug_amt) FILTER (WHERE med_type IN ('11', '14'))
                     / nullif(sum(amt) FILTER (WHERE med_type IN ('11', '14')), 0) AS drug_share
            FROM e JOIN d USING (prac_code)
            {"LEFT JOIN practitioner pr USING (prac_code)" if has_prac else ""}
            GROUP BY ALL""",
        )
        if not feats.avail.has("fee", "list_type"):
            feats.note("无费用明细，医师药品品种数/药占比跳过 / no fee lines: drug indicators skipped")
            frame = frame.with_columns(
                pl.lit(None, dtype=pl.Float64).alias("drugs_per_visit"),
                pl.lit(None, dtype=pl.Float64).alias("drug_share"),
            )
        return frame

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        if not feats.avail.has("mdtrt", "atddr_no"):
            raise DataUnavailable("缺少主诊医师（mdtrt.atddr_no），无法按医师比较", "no attending doctors")
        p = feats.params
        frame = self.indicators(con, feats)
        min_z, min_ratio = float(p["practitioner_outlier_min_z"]), float(p["outlier_min_ratio"])
        kw = {"min_cases": int(p["outlier_min_cases"])}
        level = _flagged(
            compare_with_peers(frame, "prac_code", PRAC_INDICATORS, [("dept", "hosp_lv"), ("dept",)], **kw),
            min_z,
            min_ratio,
        )
        local = compare_with_peers(
            frame, "prac_code", PRAC_INDICATORS, [("fixmedins_code", "dept")], min_peers=1, **kw
        )
        local_by = {(r.key, r.indicator.column): r for r in local}
        info = {r[0]: r[1:] for r in frame.select("prac_code", "fixmedins_code", "amt").iter_rows()}
        out = []
        for prac, hits in sorted(level.items()):
            kept = []
            for h in hits:
                loc = local_by.get((prac, h.indicator.column))
                if loc is None or (loc.z >= min_z / 2 and loc.ratio >= 1 + (min_ratio - 1) / 2):
                    kept.append(h)
            if not kept:
                continue
            top = max(kept, key=lambda h: h.z)
            inst, amt = info[prac]
            excess = float(amt or 0) * max(0.0, 1 - 1 / top.ratio)
            out.append(
                Finding(
                    violation=self.violation,
                    detector=self.detector,
                    level=Level.PRACTITIONER,
                    amount=excess,
                    score=_score(top.z, min_z),
                    grade=Grade.SUSPECT,
                    evidence="医师指标显著偏离同科室同级别医师（且高于本院同科室医师）：" + _reasons(kept),
                    prac_code=prac,
                    fixmedins_code=inst,
                )
            )
        return out


class OverTreatment(ModelDetector):
    """Stays costing several times the median of the same diagnosis at the same level (per stay day)."""

    id = "over_treatment_peer_cost"
    version = "1"
    violation = Violation.OVER_TREATMENT

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        if not feats.avail.has("mdtrt", "dise_codg"):
            raise DataUnavailable(
                "缺少主诊断，无法按病种比较费用", "no diagnoses: cannot compare by diagnosis"
            )
        p = feats.params
        rows = con.execute(
            """WITH s AS (SELECT *, amt / los AS per_day FROM mdl_enc
                          WHERE med_type = '21' AND los >= 3 AND amt > 0 AND NOT starts_with(dise_codg, 'Z51')),
                    peer AS (SELECT dise_codg, hosp_lv, median(per_day) AS med, count(*) AS k
                             FROM s GROUP BY ALL HAVING count(*) >= $k)
               SELECT s.mdtrt_id, s.psn_no, s.fixmedins_code, s.prac_code, s.amt, s.per_day, peer.med, peer.k,
                      s.dise_codg, s.hosp_lv, s.los, s.drug_amt
               FROM s JOIN peer USING (dise_codg, hosp_lv)
               WHERE s.per_day >= $ratio * peer.med""",
            {"k": int(p["over_treatment_min_peers"]), "ratio": float(p["over_treatment_ratio"])},
        ).fetchall()
        ratio0 = float(p["over_treatment_ratio"])
        out = []
        for mid, psn, inst, prac, amt, per_day, med, k, dx, lv, los, drug in rows:
            r = per_day / med
            excess = float(amt) - float(med) * los
            out.append(
                Finding(
                    violation=self.violation,
                    detector=self.detector,
                    level=Level.ENCOUNTER,
                    amount=max(excess, 0.0),
                    score=round(min(0.99, 0.5 + 0.5 * (r - ratio0) / ratio0), 4),
                    grade=Grade.SUSPECT,
                    evidence=(
                        f"住院日均费用{per_day:,.0f}元，为同诊断（{dx}）同级别（{lv}级）{k}例住院中位数{med:,.0f}元的"
                        f"{r:.1f}倍；住院{los}天，药品费用{drug:,.0f}元，超出部分约{max(excess, 0):,.0f}元"
                    ),
                    mdtrt_id=mid,
                    psn_no=psn,
                    prac_code=prac,
                    fixmedins_code=inst,
                )
            )
        return out
