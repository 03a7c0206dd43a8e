"""`yibao inspect ...`: directories, the random draw, results, the public list, coverage and the ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yibao.auth.cli_session import CaseDbOption, acting, unauthenticated

app = typer.Typer(
    help="双随机一公开与全覆盖检查 / Random inspections and full coverage.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)

DateOpt = Annotated[dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"], help="检查日期 / date.")]


@app.command("targets")
def targets_import(
    file: Annotated[Path | None, typer.Argument(help="CSV: fixmedins_code,name,kind,admdvs")] = None,
    store: Annotated[
        Path | None, typer.Option("--from-store", help="从DuckDB库的medins表导入 / from a store.")
    ] = None,
    case_db: CaseDbOption = None,
) -> None:
    """导入检查对象名录库 / Load the directory of inspection targets."""
    from yibao.inspections.directory import import_targets, import_targets_from_store

    with acting(case_db) as (s, user, _):
        if store is not None:
            from yibao.store import connect

            rep = import_targets_from_store(s, user, connect(store, read_only=True))
        elif file is not None:
            rep = import_targets(s, user, file)
        else:
            err.print("[red]须给出CSV文件或 --from-store / give a CSV file or --from-store[/]")
            raise typer.Exit(2)
    console.print(f"检查对象 / targets: 新增 {rep.added}，更新 {rep.updated}")


@app.command("inspectors")
def inspectors_import(
    file: Annotated[Path, typer.Argument(help="CSV: code,name,category[,cert_no,org_code]")],
    case_db: CaseDbOption = None,
) -> None:
    """导入检查人员与专家名录库 / Load the directory of inspectors and experts."""
    from yibao.inspections.directory import import_inspectors

    with acting(case_db) as (s, user, _):
        rep = import_inspectors(s, user, file)
    console.print(f"检查人员 / inspectors: 新增 {rep.added}，更新 {rep.updated}")


@app.command("relation")
def relation(
    inspector: str,
    fixmedins_code: str,
    reason: Annotated[str, typer.Option("--reason", help="关系说明 / the relation.")],
    case_db: CaseDbOption = None,
) -> None:
    """登记检查人员与机构的利害关系（抽取时回避）/ Declare a conflict of interest."""
    from yibao.inspections.directory import add_relation

    with acting(case_db) as (s, user, _):
        add_relation(s, user, inspector, fixmedins_code, reason)
    console.print(f"已登记回避 / recorded: {inspector} ↔ {fixmedins_code}")


def _print_result(result: object, names: dict[str, str] | None = None) -> None:
    from yibao.inspections.draw import DrawResult

    assert isinstance(result, DrawResult)
    table = Table(title=f"抽取结果 / draw — 种子 seed: {result.seed}")
    for col in ("序号", "机构编码", "机构名称", "类型", "执法人员", "专家"):
        table.add_column(col)
    for t in result.teams:
        table.add_row(
            str(t.rank), t.fixmedins_code, t.name, t.kind, ",".join(t.officers), ",".join(t.experts)
        )
    console.print(table)
    console.print(f"输入摘要 / inputs SHA-256: {result.inputs_sha256}")


@app.command("draw")
def draw_cmd(
    n: Annotated[int, typer.Option("--n", help="抽取机构数 / number of targets.", min=1)],
    month: Annotated[str, typer.Option("--month", help="计划月份 YYYY-MM / plan month.")],
    seed: Annotated[
        str | None, typer.Option("--seed", help="公开的随机种子（缺省则生成）/ published seed.")
    ] = None,
    kinds: Annotated[str | None, typer.Option("--kinds", help="hospital,clinic,pharmacy")] = None,
    admdvs: Annotated[str, typer.Option("--admdvs", help="区划或前缀 / region or prefix.")] = "",
    weighted: Annotated[
        bool, typer.Option("--weighted", help="按信用等级加权 / risk-weighted by grade.")
    ] = False,
    experts: Annotated[int | None, typer.Option("--experts", help="每组专家数 / experts per team.")] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="routine / supervisory")] = "routine",
    save: Annotated[
        bool, typer.Option("--save", help="保存为月度计划 / record as the month's plan.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="写出可公开的抽取文件 / publishable JSON.")
    ] = None,
    case_db: CaseDbOption = None,
) -> None:
    """从名录库随机抽取检查对象和检查人员 / Draw targets and inspectors with a published seed."""
    from yibao.inspections.draw import draw
    from yibao.inspections.plans import build_inputs, new_seed, save_plan

    seed = seed or new_seed()
    with acting(case_db) as (s, user, _):
        grades = None
        if weighted:
            from yibao.credit.grades import institution_grades

            grades = {g.fixmedins_code: g.grade for g in institution_grades(s, user)}
        inputs = build_inputs(
            s,
            seed=seed,
            n_targets=n,
            admdvs=admdvs,
            kinds=kinds.split(",") if kinds else None,
            grades=grades,
            weighted=weighted,
            on=dt.date.fromisoformat(f"{month}-01"),
            experts_per_team=experts,
        )
        result = draw(inputs)
        if save:
            plan = save_plan(s, user, inputs, month=month, purpose=purpose)
            console.print(f"已保存计划 / plan saved: {plan.plan_no}")
    _print_result(result)
    if out:
        out.write_text(
            json.dumps(
                {"inputs": inputs.as_dict(), "result": result.as_dict()}, ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
        console.print(f"公开文件 / published file → {out}")


@app.command("redo")
def redo(plan_no: str, case_db: CaseDbOption = None) -> None:
    """按公开的种子与名录快照重做抽取并核对 / Redo a saved plan's draw and compare (exit 1 if different)."""
    from yibao.inspections.plans import redo_plan

    with unauthenticated(case_db) as (s, _):
        same, view = redo_plan(s, plan_no)
    _print_result(view.result)
    if not same:
        err.print("[bold red]重做结果与记录不符 / the redone draw differs from the record[/]")
        raise typer.Exit(1)
    console.print(f"[green]重做结果与计划 {plan_no} 一致 / the redone draw matches[/]")


@app.command("verify")
def verify_file(file: Path) -> None:
    """任何人可用公开文件重做抽取 / Anyone can redo a draw from its published file (no database)."""
    from yibao.inspections.draw import DrawInputs, draw

    data = json.loads(file.read_text(encoding="utf-8"))
    redone = draw(DrawInputs.from_dict(data["inputs"])).as_dict()
    if json.loads(json.dumps(redone, ensure_ascii=False)) != data["result"]:
        err.print("[bold red]与公开结果不符 / differs from the published result[/]")
        raise typer.Exit(1)
    console.print(
        f"[green]与公开结果一致 / matches[/] (seed {redone['seed']}, inputs {redone['inputs_sha256'][:16]}…)"
    )


@app.command("checklist")
def checklist_cmd(kind: Annotated[str, typer.Argument(help="hospital / clinic / pharmacy")]) -> None:
    """检查清单 / The checklist of an institution type."""
    from yibao.inspections.params import checklist

    cl = checklist(kind)
    table = Table(title=f"现场检查清单 / checklist: {cl.label}")
    for col in ("编号", "检查内容", "依据"):
        table.add_column(col)
    for i in cl.items:
        table.add_row(i.code, i.text, i.reference)
    console.print(table)


@app.command("result")
def result_cmd(
    fixmedins_code: str,
    on: DateOpt,
    fail: Annotated[str, typer.Option("--fail", help="不符合的条目 / failed items, e.g. P03,P04.")] = "",
    na: Annotated[str, typer.Option("--na", help="不适用的条目 / items not applicable.")] = "",
    kind: Annotated[str, typer.Option("--kind", help="routine / supervisory / special")] = "routine",
    plan: Annotated[str | None, typer.Option("--plan", help="抽查计划编号 / plan number.")] = None,
    summary: Annotated[str, typer.Option("--summary", help="检查结论 / conclusion.")] = "",
    amount: Annotated[str, typer.Option("--amount", help="涉及金额（元）/ amount involved.")] = "0",
    case_db: CaseDbOption = None,
) -> None:
    """登记现场检查结果（其余条目视为符合）/ Record an inspection; unlisted items pass."""
    from yibao.inspections.models import InspTarget
    from yibao.inspections.params import checklist
    from yibao.inspections.results import record_result

    with acting(case_db) as (s, user, _):
        from sqlalchemy import select

        target = s.execute(
            select(InspTarget).where(InspTarget.fixmedins_code == fixmedins_code)
        ).scalar_one_or_none()
        codes = checklist(target.kind).codes() if target else set()
        failed, skipped = {c for c in fail.split(",") if c}, {c for c in na.split(",") if c}
        answers = {c: "pass" for c in codes} | {c: "fail" for c in failed} | {c: "na" for c in skipped}
        r = record_result(
            s,
            user,
            fixmedins_code,
            inspected_on=on.date(),
            answers=answers,
            kind=kind,
            plan_no=plan,
            summary=summary,
            amount=amount,
        )
        console.print(f"已登记检查结果 / recorded: #{r.id}，问题 {r.problems} 项")


@app.command("publish")
def publish(result_ids: list[int], case_db: CaseDbOption = None) -> None:
    """公开检查结果 / Publish results."""
    from yibao.inspections.results import publish_results

    with acting(case_db) as (s, user, _):
        n = publish_results(s, user, result_ids)
    console.print(f"已公开 / published: {n}")


@app.command("public")
def public(
    year: Annotated[int | None, typer.Option("--year")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="写出JSON / write JSON.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """公开的检查结果清单（无需登录）/ The public list of results (no login)."""
    from yibao.inspections.results import public_list

    with unauthenticated(case_db) as (s, _):
        rows = public_list(s, year)
    table = Table(title="双随机抽查结果公示 / published inspection results")
    for col in ("机构编码", "机构名称", "检查日期", "类型", "问题数", "涉及金额", "处理情况", "计划"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.fixmedins_code,
            r.name,
            str(r.inspected_on),
            r.kind,
            str(r.problems),
            f"{r.amount:,.2f}",
            r.summary,
            r.plan_no or "",
        )
    console.print(table)
    if json_out:
        from dataclasses import asdict

        data = [asdict(r) for r in rows]
        json_out.write_text(json.dumps(data, ensure_ascii=False, default=str, indent=1), encoding="utf-8")


@app.command("coverage")
def coverage_cmd(
    year: Annotated[int, typer.Option("--year")],
    month: Annotated[int, typer.Option("--month", min=1, max=12)] = 12,
    admdvs: Annotated[str, typer.Option("--admdvs")] = "",
    case_db: CaseDbOption = None,
) -> None:
    """全覆盖进度（按月、按季度）与年度指标 / Coverage progress and the year's quotas."""
    from yibao.inspections.coverage import coverage

    with acting(case_db) as (s, user, _):
        rep = coverage(s, user, year, month=month, admdvs=admdvs)
    table = Table(title=f"{year}年1–{month}月 全覆盖进度 / coverage")
    for col in ("月份", "检查次数", "检查家数", "累计覆盖家数", "累计覆盖率"):
        table.add_column(col, justify="right")
    for p in rep.months:
        table.add_row(
            f"{p.month}月",
            str(p.visits),
            str(p.institutions),
            str(p.covered_to_date),
            f"{p.coverage_to_date:.1%}",
        )
    console.print(table)
    for q, v, cov in rep.quarters:
        console.print(f"第{q}季度：检查 {v} 次，季末覆盖率 {cov:.1%}")
    for name, actual, required, met in rep.checks:
        mark = "[green]达标[/]" if met else "[red]未达标[/]"
        console.print(f"{name}: {actual:.3g} / 要求 {required:g} {mark}")
    console.print(f"未检查机构 / not yet inspected: {len(rep.uncovered)}")


@app.command("ledger")
def ledger(
    out: Annotated[Path, typer.Argument(help="输出 .xlsx / output file.")],
    year: Annotated[int, typer.Option("--year")],
    month: Annotated[int, typer.Option("--month", min=1, max=12)],
    admdvs: Annotated[str, typer.Option("--admdvs")] = "",
    case_db: CaseDbOption = None,
) -> None:
    """导出定点医药机构现场检查全覆盖情况统计表 / Export the monthly coverage ledger (.xlsx)."""
    from yibao.inspections.coverage import write_ledger

    if out.suffix.lower() != ".xlsx":
        err.print("[red]只支持 .xlsx / only .xlsx[/]")
        raise typer.Exit(2)
    with acting(case_db) as (s, user, _):
        write_ledger(s, user, out, year, month, admdvs=admdvs)
    console.print(f"已导出 / written → {out}")


@app.command("self-report")
def self_report(
    year: Annotated[int, typer.Option("--year")],
    violation: Annotated[str, typer.Option("--violation", help="违规类型代码 / violation code.")],
    item: Annotated[str, typer.Option("--item", help="问题描述 / the problem.")],
    amount: Annotated[str, typer.Option("--amount", help="涉及金额（元）/ amount.")],
    refunded: Annotated[str, typer.Option("--refunded", help="已退回金额（元）/ refunded.")] = "0",
    fixmedins_code: Annotated[str | None, typer.Option("--fixmedins-code")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """机构报告自查自纠问题及退回金额 / An institution reports a self-found problem and its refund."""
    from yibao.inspections.selfcheck import submit_self_report

    with acting(case_db) as (s, user, _):
        r = submit_self_report(
            s,
            user,
            year=year,
            violation=violation,
            item=item,
            amount=amount,
            refunded=refunded,
            fixmedins_code=fixmedins_code,
        )
        console.print(f"已报告 / reported: {r.fixmedins_code} {year} {violation}")


@app.command("self-compare")
def self_compare(
    fixmedins_code: str, year: Annotated[int, typer.Option("--year")], case_db: CaseDbOption = None
) -> None:
    """比对自查结果与后续疑点，未自查报告的标记从重处理 / Findings not self-reported are marked heavier."""
    from yibao.inspections.selfcheck import unreported_findings

    with acting(case_db) as (s, user, _):
        rows = unreported_findings(s, user, fixmedins_code, year)
    table = Table(title=f"{fixmedins_code} {year}年 自查比对 / self-inspection check")
    for col in ("疑点", "违规类型", "金额", "线索", "处理"):
        table.add_column(col)
    for u in rows:
        table.add_row(
            u.finding_id,
            u.label,
            f"{u.amount:,.2f}",
            u.clue_no,
            "[red]从重处理[/]" if u.heavier else "已自查",
        )
    console.print(table)
