"""Suspicious admissions no single rule sees: recruited batches, templated or absent patients, households together.

* INDUCED_ADMISSION (诱导住院): low-acuity admissions arriving together at one institution and
  department, far more than its usual rate explains (a Poisson tail against its own daily rate).
* PHANTOM_ADMISSION (虚假住院): stays billed from one template (the same items, quantities and
  times relative to admission) and stays during which the person was seen elsewhere.
* CO_ADMISSION (同进同出): members of one household admitted to the same hospital together and
  discharged the same day, most suspicious when it repeats.

Each reports every stay (encounter level) and, where the pattern repeats, the institution.
"""

from __future__ import annotations

import math
from collections import defaultdict

import duckdb
import networkx as nx
from scipy.stats import poisson

from yibao.findings import Finding, Grade, Level, Violation
from yibao.models.base import ModelDetector, prior_findings, surprise_score
from yibao.models.features import DataUnavailable, Features

__all__ = ["CoAdmission", "InducedAdmission", "PhantomAdmission"]

# Admissions happen in office hours; a day's admissions are spread over about eight of them.
_ADMISSION_HOURS = 8.0


def _inst_finding(
    violation: Violation, detector: str, inst: str, amount: float, score: float, evidence: str
) -> Finding:
    return Finding(
        violation=violation,
        detector=detector,
        level=Level.INSTITUTION,
        amount=amount,
        score=score,
        grade=Grade.SUSPECT,
        evidence=evidence,
        fixmedins_code=inst,
    )


class InducedAdmission(ModelDetector):
    """Batches of low-acuity admissions the institution's own admission rate cannot explain."""

    id = "induced_admission_batch"
    version = "1"
    violation = Violation.INDUCED_ADMISSION

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        if not feats.avail.has("mdtrt", "dise_codg"):
            raise DataUnavailable(
                "缺少主诊断（mdtrt.dise_codg），无法判断轻症入院", "no diagnoses: cannot judge acuity"
            )
        p = feats.params
        days = con.execute(
            "SELECT greatest(date_diff('day', min(adm_date), max(adm_date)), 1) FROM mdl_enc WHERE med_type = '21'"
        ).fetchone()[0]  # type: ignore[index]
        rows = con.execute(
            """WITH s AS (
                 SELECT *, coalesce(dept, '') AS d,
                        begntime - lag(begntime) OVER (PARTITION BY fixmedins_code, coalesce(dept, ''), adm_date
                                                       ORDER BY begntime, mdtrt_id) AS gap
                 FROM mdl_enc WHERE med_type = '21'),
               c AS (
                 SELECT *, sum(CASE WHEN gap IS NULL OR gap > to_minutes($gap) THEN 1 ELSE 0 END)
                           OVER (PARTITION BY fixmedins_code, d, adm_date ORDER BY begntime, mdtrt_id
                                 ROWS UNBOUNDED PRECEDING) AS cl
                 FROM s),
               rate AS (SELECT fixmedins_code, d, count(*) FILTER (WHERE low_acuity) AS n_low_year FROM s GROUP BY ALL)
             SELECT fixmedins_code, d, adm_date, cl, count(*) AS n, count(*) FILTER (WHERE low_acuity) AS n_low,
                    min(begntime) AS t0, max(begntime) AS t1, avg(age) AS age, any_value(r.n_low_year) AS n_low_year,
                    list(mdtrt_id ORDER BY begntime) FILTER (WHERE low_acuity) AS ids,
                    list(psn_no ORDER BY begntime) FILTER (WHERE low_acuity) AS psns,
                    list(amt ORDER BY begntime) FILTER (WHERE low_acuity) AS amts,
                    avg((insuplc_admdvs = admdvs)::INTEGER) AS local_share,
                    mode(dise_codg) AS top_dx, avg(los) AS los
             FROM c JOIN rate r USING (fixmedins_code, d)
             GROUP BY fixmedins_code, d, adm_date, cl
             HAVING count(*) FILTER (WHERE low_acuity) >= $min_n""",
            {"gap": int(p["batch_window_minutes"]), "min_n": int(p["batch_min_admissions"])},
        ).fetchall()
        ghost = prior_findings(con, Violation.GHOST_BED, "mdtrt_id")
        out: list[Finding] = []
        per_inst: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        for (
            inst,
            dept,
            day,
            _cl,
            n,
            n_low,
            t0,
            t1,
            age,
            n_low_year,
            ids,
            psns,
            amts,
            local,
            top_dx,
            los,
        ) in rows:
            if n_low / n < float(p["batch_min_low_acuity_share"]):
                continue
            if sum(i in ghost for i in ids) * 2 >= len(ids):
                continue  # the rules already explain these stays as 挂床 (beds occupied on paper)
            hours = max((t1 - t0).total_seconds() / 3600.0, 1.0)
            lam = n_low_year / days * hours / _ADMISSION_HOURS
            log10_p = -float(poisson.logsf(n_low - 1, lam)) / math.log(10)
            if log10_p < -math.log10(float(p["batch_max_poisson_p"])):
                continue
            score = surprise_score(log10_p)
            who = f"平均年龄{age:.0f}岁" if age is not None else "年龄不详"
            place = f"，{local:.0%}为本区参保人" if local is not None else ""
            ev = (
                f"{day} {t0:%H:%M}-{t1:%H:%M} 同一机构{dept or ''}科集中入院{n}人，其中轻症主诊断{n_low}人"
                f"（以{top_dx}为主），{who}{place}，平均住院{los:.1f}天；按该科平时轻症入院强度预期仅"
                f"{lam:.2f}人（泊松尾概率 1e-{log10_p:.0f}），疑似组织诱导住院"
            )
            for mid, psn, amt in zip(ids, psns, amts, strict=True):
                out.append(
                    Finding(
                        violation=self.violation,
                        detector=self.detector,
                        level=Level.ENCOUNTER,
                        amount=float(amt or 0),
                        score=score,
                        grade=Grade.SUSPECT,
                        evidence=ev,
                        mdtrt_id=mid,
                        psn_no=psn,
                        fixmedins_code=inst,
                    )
                )
            per_inst[inst].append((n_low, float(sum(a or 0 for a in amts)), score))
        for inst, batches in per_inst.items():
            if len(batches) < 2:
                continue
            out.append(
                _inst_finding(
                    self.violation,
                    self.detector,
                    inst,
                    sum(b[1] for b in batches),
                    max(b[2] for b in batches),
                    f"该机构在观察期内出现{len(batches)}批集中轻症入院，共{sum(b[0] for b in batches)}人次，疑似组织诱导住院",
                )
            )
        return out


class PhantomAdmission(ModelDetector):
    """Templated stays (the same bill copied) and stays whose patient was seen elsewhere meanwhile."""

    id = "phantom_admission_pattern"
    version = "1"
    violation = Violation.PHANTOM_ADMISSION

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        out = self._seen_elsewhere(con)
        templated: list[Finding] = []
        if feats.avail.has("fee", "med_list_codg"):
            templated = self._templated(con, feats)
        else:
            feats.note("无费用明细，模板化住院检测跳过 / no fee lines: templated-stay check skipped")
        per_inst: dict[str, list[Finding]] = defaultdict(list)
        for f in templated:
            per_inst[f.fixmedins_code or ""].append(f)
        for inst, fs in per_inst.items():
            if len(fs) >= 2 * int(feats.params["template_min_stays"]):
                out.append(
                    _inst_finding(
                        self.violation,
                        self.detector,
                        inst,
                        sum(f.amount for f in fs),
                        max(f.score for f in fs),
                        f"该机构{len(fs)}次住院按同一模板开具，疑似批量虚构住院",
                    )
                )
        return out + templated

    def _seen_elsewhere(self, con: duckdb.DuckDBPyConnection) -> list[Finding]:
        rows = con.execute(
            """SELECT s.mdtrt_id, s.psn_no, s.fixmedins_code, s.amt, s.begntime, s.endtime,
                      count(*) AS n, min(o.begntime) AS seen_at, arg_min(o.fixmedins_code, o.begntime) AS other,
                      arg_min(o.med_type, o.begntime) AS other_type
               FROM mdl_enc s JOIN mdl_enc o ON o.psn_no = s.psn_no
               WHERE s.med_type = '21' AND o.med_type IN ('11', '14', '41') AND o.fixmedins_code <> s.fixmedins_code
                 AND o.adm_date > s.adm_date AND o.adm_date < s.dscg_date
               GROUP BY ALL"""
        ).fetchall()
        out = []
        for mid, psn, inst, amt, b, e, n, seen_at, other, other_type in rows:
            kind = "购药" if other_type == "41" else "门诊就诊"
            out.append(
                Finding(
                    violation=self.violation,
                    detector=self.detector,
                    level=Level.ENCOUNTER,
                    amount=float(amt or 0),
                    score=round(min(0.95, 0.8 + 0.05 * (n - 1)), 4),
                    grade=Grade.SUSPECT,
                    evidence=(
                        f"住院期间（{b:%Y-%m-%d}至{e:%Y-%m-%d}）该参保人于{seen_at:%Y-%m-%d %H:%M}在{other}{kind}"
                        f"{'等' + str(n) + '次' if n > 1 else ''}，人不在院，疑似虚假住院"
                    ),
                    mdtrt_id=mid,
                    psn_no=psn,
                    fixmedins_code=inst,
                )
            )
        return out

    def _templated(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        p = feats.params
        con.execute(
            """CREATE OR REPLACE TEMP TABLE mdl_stay_keys AS
               SELECT e.fixmedins_code, f.mdtrt_id,
                      hash(f.med_list_codg, f.cnt, epoch(f.fee_ocur_time) - epoch(e.begntime)) AS k
               FROM fee f JOIN mdl_enc e USING (mdtrt_id)
               WHERE e.med_type = '21' AND f.cnt > 0"""
        )
        pairs = con.execute(
            """WITH n AS (SELECT mdtrt_id, count(*) AS nk FROM mdl_stay_keys GROUP BY 1),
                    kc AS (SELECT fixmedins_code, k FROM mdl_stay_keys GROUP BY ALL HAVING count(*) BETWEEN 2 AND 50),
                    kk AS (SELECT s.* FROM mdl_stay_keys s JOIN kc USING (fixmedins_code, k)),
                    pr AS (SELECT a.mdtrt_id AS a, b.mdtrt_id AS b, count(*) AS shared
                           FROM kk a JOIN kk b ON a.fixmedins_code = b.fixmedins_code AND a.k = b.k
                                               AND a.mdtrt_id < b.mdtrt_id
                           GROUP BY ALL HAVING count(*) >= $min_shared)
               SELECT pr.a, pr.b, shared / greatest(na.nk, nb.nk) AS overlap
               FROM pr JOIN n na ON na.mdtrt_id = pr.a JOIN n nb ON nb.mdtrt_id = pr.b
               WHERE shared / greatest(na.nk, nb.nk) >= $min_overlap""",
            {
                "min_overlap": float(p["template_min_overlap"]),
                "min_shared": int(p["template_min_shared_lines"]),
            },
        ).fetchall()
        g = nx.Graph()
        for a, b, overlap in pairs:
            g.add_edge(a, b, overlap=overlap)
        groups = [sorted(c) for c in nx.connected_components(g) if len(c) >= int(p["template_min_stays"])]
        if not groups:
            return []
        ids = [m for grp in groups for m in grp]
        info = {
            r[0]: r[1:]
            for r in con.execute(
                """SELECT e.mdtrt_id, e.psn_no, e.fixmedins_code, e.amt, e.dise_codg, e.los,
                          (SELECT count(*) FROM mdl_enc o WHERE o.psn_no = e.psn_no AND o.mdtrt_id <> e.mdtrt_id)
                   FROM mdl_enc e WHERE e.mdtrt_id IN (SELECT unnest($ids))""",
                {"ids": ids},
            ).fetchall()
        }
        out = []
        for grp in groups:
            amounts = [float(info[m][2] or 0) for m in grp]
            alone = sum(1 for m in grp if info[m][5] == 0)
            mean_overlap = sum(d["overlap"] for _, _, d in g.subgraph(grp).edges(data=True)) / max(
                g.subgraph(grp).number_of_edges(), 1
            )
            distinct_totals = len({round(a, 2) for a in amounts})
            score = round(min(0.99, 0.7 + 0.02 * len(grp) + 0.1 * alone / len(grp)), 4)
            for m in grp:
                psn, inst, amt, dx, los, _other = info[m]
                out.append(
                    Finding(
                        violation=self.violation,
                        detector=self.detector,
                        level=Level.ENCOUNTER,
                        amount=float(amt or 0),
                        score=score,
                        grade=Grade.SUSPECT,
                        evidence=(
                            f"同机构{len(grp)}次住院按同一模板开具：收费项目、数量及相对入院时刻平均{mean_overlap:.0%}一致"
                            f"（主诊断{dx}，住院{los}天，总额仅{distinct_totals}种），其中{alone}人观察期内无任何其他就医记录"
                        ),
                        mdtrt_id=m,
                        psn_no=psn,
                        fixmedins_code=inst,
                    )
                )
        return out


class CoAdmission(ModelDetector):
    """Household members admitted together and discharged together (同进同出)."""

    id = "co_admission_household"
    version = "1"
    violation = Violation.CO_ADMISSION

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        if not feats.avail.has("psn", "hshld_no"):
            raise DataUnavailable("缺少户号（psn.hshld_no），无法识别同户同进同出", "no household numbers")
        rows = con.execute(
            """SELECT a.hshld_no, a.fixmedins_code, a.adm_date, a.dscg_date,
                      a.mdtrt_id, a.psn_no, a.amt, b.mdtrt_id, b.psn_no, b.amt
               FROM mdl_enc a JOIN mdl_enc b
                 ON a.hshld_no = b.hshld_no AND a.psn_no < b.psn_no AND a.fixmedins_code = b.fixmedins_code
                AND a.adm_date = b.adm_date AND a.dscg_date = b.dscg_date
               WHERE a.med_type = '21' AND b.med_type = '21'
                 AND abs(epoch(a.begntime) - epoch(b.begntime)) <= $gap * 60
                 AND coalesce(least(a.age, b.age), 99) >= 1""",
            {"gap": int(feats.params["co_admission_max_start_gap_minutes"])},
        ).fetchall()
        # One episode = a household at one hospital on one admission day; members and stays gathered.
        episodes: dict[tuple[str, str, object], dict[str, tuple[str, float]]] = defaultdict(dict)
        dscg: dict[tuple[str, str, object], object] = {}
        for hh, inst, adm, dis, m1, p1, a1, m2, p2, a2 in rows:
            ep = episodes[(hh, inst, adm)]
            ep[m1] = (p1, float(a1 or 0))
            ep[m2] = (p2, float(a2 or 0))
            dscg[(hh, inst, adm)] = dis
        per_hh: dict[str, int] = defaultdict(int)
        for hh, _inst, _adm in episodes:
            per_hh[hh] += 1
        out: list[Finding] = []
        per_inst: dict[str, set[str]] = defaultdict(set)
        for (hh, inst, adm), stays in episodes.items():
            reps = per_hh[hh]
            members = len({p for p, _ in stays.values()})
            score = round(min(0.98, 0.55 + 0.15 * (reps - 1) + 0.1 * (members - 2)), 4)
            ev = (
                f"同一户（户号{hh}）{members}名成员于{adm}同日入院同一机构、{dscg[(hh, inst, adm)]}同日出院；"
                f"观察期内该户同进同出共{reps}次"
            )
            for mid, (psn, amt) in stays.items():
                out.append(
                    Finding(
                        violation=self.violation,
                        detector=self.detector,
                        level=Level.ENCOUNTER,
                        amount=amt,
                        score=score,
                        grade=Grade.SUSPECT,
                        evidence=ev,
                        mdtrt_id=mid,
                        psn_no=psn,
                        fixmedins_code=inst,
                    )
                )
            per_inst[inst].add(hh)
        for inst, hhs in per_inst.items():
            if len(hhs) < 3:
                continue
            fs = [f for f in out if f.fixmedins_code == inst and f.level == Level.ENCOUNTER]
            out.append(
                _inst_finding(
                    self.violation,
                    self.detector,
                    inst,
                    sum(f.amount for f in fs),
                    max(f.score for f in fs),
                    f"该机构收治{len(hhs)}户家庭成员同进同出住院，共{len(fs)}人次",
                )
            )
        return out
