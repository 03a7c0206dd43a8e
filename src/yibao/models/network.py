"""COLLUSION_RING (团伙欺诈): communities of persons, practitioners, institutions, households and drug packs.

The graph holds only ties a bureau would call unusual, so it stays small even for a province:
* two persons who bought the same drug pack (a traceability code sold to both: 回流药 between members;
  the person–code graph projected onto persons, weight = packs shared);
* two cards swiped one right after the other at the same pharmacy on several different days (套刷);
* a person filling, at a pharmacy, prescriptions written by a doctor of another institution, where that
  doctor → pharmacy flow recurs for several persons (处方流转到固定药店);
plus each person's household. Connected groups — split by Louvain (seeded, so deterministic) where
they are large — whose members are densely tied by *repeated* ties are rings;
every member person, the prescribing doctor and the institution where most members' ties happened
(the pharmacy) are reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
import networkx as nx

from yibao.findings import Finding, Grade, Level, Violation
from yibao.models.base import ModelDetector
from yibao.models.features import DataUnavailable, Features

__all__ = ["CollusionRing", "build_graph"]

SEED = 20260101


@dataclass(slots=True)
class _Ties:
    """Evidence per person: tie counts by kind and the encounters that carry them."""

    swipe: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    code: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    flow: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    amount: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    where: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


def build_graph(con: duckdb.DuckDBPyConnection, feats: Features) -> tuple[nx.Graph, _Ties]:
    """The tie graph; node names are typed ('psn:…', 'prac:…', 'inst:…', 'hh:…')."""
    p = feats.params
    g = nx.Graph()
    ties = _Ties()
    # consecutive swipes at one pharmacy, repeated on different days
    for a, b, inst, days, amt_a, amt_b in con.execute(
        """WITH s AS (SELECT psn_no, fixmedins_code, begntime, adm_date, amt,
                             lag(psn_no) OVER w AS prev_psn, lag(begntime) OVER w AS prev_t, lag(amt) OVER w AS prev_amt
                      FROM mdl_enc WHERE med_type = '41'
                      WINDOW w AS (PARTITION BY fixmedins_code ORDER BY begntime, mdtrt_id))
           SELECT least(psn_no, prev_psn), greatest(psn_no, prev_psn), fixmedins_code, count(DISTINCT adm_date),
                  sum(amt), sum(prev_amt)
           FROM s WHERE prev_psn IS NOT NULL AND prev_psn <> psn_no
             AND epoch(begntime) - epoch(prev_t) <= $gap * 60
           GROUP BY ALL HAVING count(DISTINCT adm_date) >= 2""",
        {"gap": int(p["ring_swipe_gap_minutes"])},
    ).fetchall():
        g.add_edge(f"psn:{a}", f"psn:{b}", weight=float(days), kind="swipe")
        ties.where[a][inst] += days
        ties.where[b][inst] += days
        ties.swipe[a] += days
        ties.swipe[b] += days
        ties.amount[a] += float(amt_a or 0) / 2
        ties.amount[b] += float(amt_b or 0) / 2
    if feats.avail.has("fee", "drug_trac_codg"):
        rows = con.execute(
            """WITH t AS (SELECT DISTINCT unnest(string_split(drug_trac_codg, ',')) AS code, psn_no, fixmedins_code,
                                 det_item_fee_sumamt AS amt
                          FROM fee WHERE drug_trac_codg IS NOT NULL AND cnt > 0),
                    shared AS (SELECT code FROM (SELECT DISTINCT code, psn_no FROM t) GROUP BY 1 HAVING count(*) >= 2)
               SELECT code, psn_no, any_value(fixmedins_code), sum(amt)::DOUBLE
               FROM t JOIN shared USING (code) GROUP BY ALL ORDER BY code, psn_no"""
        ).fetchall()
        # the person–code bipartite graph, projected onto persons: weight = packs shared
        holders: dict[str, list[str]] = defaultdict(list)
        for code, psn, inst, amt in rows:
            holders[code].append(psn)
            ties.where[psn][inst] += 1
            ties.code[psn] += 1
            ties.amount[psn] += float(amt or 0)
        for code, psns in holders.items():
            for i, a in enumerate(psns):
                for b in psns[i + 1 :]:
                    w = g.get_edge_data(f"psn:{a}", f"psn:{b}", {}).get("weight", 0.0)
                    g.add_edge(f"psn:{a}", f"psn:{b}", weight=w + 1.0, kind="code", code=code)
    else:
        feats.note("无药品追溯码，团伙检测不含“同一盒药多人购买” / no traceability codes: code ties skipped")
    if feats.avail.has("fee", "bilg_dr_codg") and feats.avail.rows.get("practitioner"):
        for psn, doc, pharm, n, amt in con.execute(
            """WITH x AS (SELECT f.psn_no, f.bilg_dr_codg AS doc, f.fixmedins_code AS pharm, f.mdtrt_id,
                                 f.det_item_fee_sumamt AS amt
                          FROM fee f JOIN medins i USING (fixmedins_code)
                          JOIN practitioner d ON d.prac_code = f.bilg_dr_codg
                          WHERE i.fixmedins_type = '2' AND d.fixmedins_code <> f.fixmedins_code AND f.cnt > 0),
                    flows AS (SELECT doc, pharm FROM x GROUP BY ALL HAVING count(DISTINCT psn_no) >= 3)
               SELECT psn_no, doc, pharm, count(DISTINCT mdtrt_id), sum(amt)::DOUBLE
               FROM x JOIN flows USING (doc, pharm) GROUP BY ALL"""
        ).fetchall():
            g.add_edge(f"psn:{psn}", f"prac:{doc}", weight=float(n), kind="flow")
            g.add_edge(f"prac:{doc}", f"inst:{pharm}", weight=float(n), kind="flow")
            ties.flow[psn] += n
            ties.where[psn][pharm] += n
            ties.amount[psn] += float(amt or 0)
    if feats.avail.has("psn", "hshld_no"):
        persons = [n[4:] for n in g if n.startswith("psn:")]
        if persons:
            for psn, hh in con.execute(
                "SELECT psn_no, hshld_no FROM psn WHERE psn_no IN (SELECT unnest($p)) AND hshld_no IS NOT NULL",
                {"p": persons},
            ).fetchall():
                g.add_edge(f"psn:{psn}", f"hh:{hh}", weight=1.0, kind="household")
    return g, ties


def _communities(g: nx.Graph, max_plain: int = 60) -> list[set[str]]:
    """Small connected components are communities as they stand; Louvain splits only the large ones
    (Louvain alone cuts a chain of card swipes into pieces: its modularity favours short paths)."""
    out: list[set[str]] = []
    for comp in sorted(nx.connected_components(g), key=lambda c: sorted(c)[0]):
        if len(comp) <= max_plain:
            out.append(set(comp))
        else:
            out += [
                set(c) for c in nx.community.louvain_communities(g.subgraph(comp), weight="weight", seed=SEED)
            ]
    return out


class CollusionRing(ModelDetector):
    """Louvain communities of persons densely tied by repeated unusual ties."""

    id = "collusion_ring_graph"
    version = "1"
    violation = Violation.COLLUSION_RING

    def detect(self, con: duckdb.DuckDBPyConnection, feats: Features) -> list[Finding]:
        if not feats.avail.rows.get("mdtrt"):
            raise DataUnavailable("缺少就诊信息", "no encounters")
        g, ties = build_graph(con, feats)
        if g.number_of_edges() == 0:
            return []
        min_persons = int(feats.params["ring_min_persons"])
        out: list[Finding] = []
        for comm in _communities(g):
            persons = sorted(n[4:] for n in comm if n.startswith("psn:"))
            if len(persons) < min_persons:
                continue
            repeated = [p for p in persons if ties.swipe[p] >= 2 or ties.code[p] >= 1 or ties.flow[p] >= 2]
            share = len(repeated) / len(persons)
            if share < 0.8:
                continue
            sub = g.subgraph(comm)
            households = sum(1 for n in comm if n.startswith("hh:"))
            swipes = sum(ties.swipe[p] for p in persons) // 2
            codes = len({d.get("code") for _, _, d in sub.edges(data=True) if d.get("kind") == "code"})
            flows = sum(ties.flow[p] for p in persons)
            density = nx.density(sub)
            score = round(
                min(0.99, 0.6 + 0.02 * len(persons) + 0.2 * share - 0.2 * (1 - min(1.0, density * 5))), 4
            )
            docs = sorted(n[5:] for n in comm if n.startswith("prac:"))
            members_at: dict[str, int] = defaultdict(int)
            for psn in persons:
                for inst in ties.where[psn]:
                    members_at[inst] += 1
            insts = sorted(i for i, k in members_at.items() if k >= max(min_persons, len(persons) / 2))
            kinds = []
            if swipes:
                kinds.append(
                    f"同一药店相邻刷卡（间隔≤{feats.params['ring_swipe_gap_minutes']}分钟）重复{swipes}次"
                )
            if codes:
                kinds.append(f"成员间共用药品追溯码{codes}个（同一盒药多人购买）")
            if flows:
                kinds.append(f"外院医师{'、'.join(docs)}处方流向固定药店{flows}次")
            ev = (
                f"团伙社区：{len(persons)}名参保人（{households}户）、{len(docs)}名医师、{len(insts)}家机构；"
                + "；".join(kinds)
                + f"；{share:.0%}成员有重复关联，社区密度{density:.2f}"
            )
            total = 0.0
            for psn in persons:
                amt = ties.amount[psn]
                total += amt
                out.append(
                    Finding(
                        violation=self.violation,
                        detector=self.detector,
                        level=Level.PERSON,
                        amount=amt,
                        score=score,
                        grade=Grade.SUSPECT,
                        evidence=ev,
                        psn_no=psn,
                    )
                )
            for doc in docs:
                out.append(
                    Finding(
                        violation=self.violation,
                        detector=self.detector,
                        level=Level.PRACTITIONER,
                        amount=total,
                        score=score,
                        grade=Grade.SUSPECT,
                        evidence="团伙核心医师：" + ev,
                        prac_code=doc,
                    )
                )
            for inst in insts:
                out.append(
                    Finding(
                        violation=self.violation,
                        detector=self.detector,
                        level=Level.INSTITUTION,
                        amount=total,
                        score=score,
                        grade=Grade.SUSPECT,
                        evidence="团伙核心机构：" + ev,
                        fixmedins_code=inst,
                    )
                )
        return out
