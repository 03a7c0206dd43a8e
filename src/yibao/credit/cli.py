"""`yibao credit ...`: practitioner points and institution grades."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yibao.auth.cli_session import CaseDbOption, acting

app = typer.Typer(help="医保信用：记分与信用等级 / Credit: points and grades.", no_args_is_help=True)
console = Console()


@app.command("score")
def score(
    case_no: str,
    prac_code: Annotated[str, typer.Option("--prac-code", help="医保医师/药师代码 / practitioner code.")],
    prac_name: Annotated[str, typer.Option("--prac-name", help="姓名 / name.")],
    points: Annotated[int, typer.Option("--points", min=1, max=12)],
    band: Annotated[str | None, typer.Option("--band", help="1-3 / 4-6 / 7-9 / 10-12")] = None,
    responsibility: Annotated[str, typer.Option(help="general / important / principal")] = "general",
    conduct: Annotated[str, typer.Option("--conduct", help="记分事由 / conduct.")] = "",
    case_db: CaseDbOption = None,
) -> None:
    """按已作出的处罚决定对相关人员记分 / Score a practitioner for a decided case."""
    from yibao.credit.scoring import score_practitioner

    with acting(case_db) as (s, user, _):
        r = score_practitioner(
            s,
            user,
            case_no,
            prac_code=prac_code,
            prac_name=prac_name,
            points=points,
            band=band,
            responsibility=responsibility,
            conduct=conduct,
        )
        console.print(f"已记分 / scored: {prac_code} {r.points}分（{r.band}档，{r.year}年）")


@app.command("practitioner")
def practitioner(
    prac_code: str,
    year: Annotated[int | None, typer.Option("--year")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """相关人员本年度记分与支付资格状态 / A practitioner's points this year and their status."""
    from yibao.credit.scoring import practitioner_status

    with acting(case_db) as (s, user, _):
        st = practitioner_status(s, user, prac_code, year=year)
    months = f"（{st.suspend_months[0]}–{st.suspend_months[1]}个月）" if st.suspend_months else ""
    console.print(f"{prac_code} {st.year}年累计 {st.points} 分：{st.label}{months}")
    for on, pts, conduct, case in st.events:
        console.print(f"  {on}  {pts}分  {conduct}  {case or ''}")
    console.print(f"依据 / reference: {st.reference}")


@app.command("grade")
def grade(
    fixmedins_code: Annotated[
        str | None, typer.Argument(help="机构编码，缺省列出全部 / institution.")
    ] = None,
    on: Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"])] = None,
    case_db: CaseDbOption = None,
) -> None:
    """定点医药机构信用等级（A–E）/ Institution credit grades."""
    from yibao.credit.grades import institution_grade, institution_grades

    day = on.date() if on else None
    with acting(case_db) as (s, user, _):
        rows = (
            [institution_grade(s, user, fixmedins_code, on=day)]
            if fixmedins_code
            else institution_grades(s, user, on=day)
        )
    table = Table(title="信用等级 / credit grades")
    for col in ("机构编码", "等级", "得分", "扣加分明细", "严重失信"):
        table.add_column(col)
    for g in rows:
        parts = "；".join(f"{k}{v:+g}" for k, v in g.parts.items())
        table.add_row(g.fixmedins_code, g.grade, f"{g.score:g}", parts, "是" if g.serious else "")
    console.print(table)


@app.command("disclose")
def disclose(
    case_no: str,
    on: Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"])] = None,
    title: Annotated[str | None, typer.Option("--title", help="曝光标题 / headline.")] = None,
    mask: Annotated[list[str] | None, typer.Option("--mask", help="须隐去的姓名 / names to mask.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """曝光典型案例（去除个人信息）/ Publish a decided case as a typical case, personal data removed."""
    from yibao.credit.disclosure import publish_case

    with acting(case_db) as (s, user, _):
        d = publish_case(s, user, case_no, on=on.date() if on else dt.date.today(), title=title, mask=mask)
        console.print(f"已曝光 / published: {d.case_no} {d.title}")


@app.command("feed")
def feed(
    json_out: Annotated[str | None, typer.Option("--json", help="写出JSON / write the feed here.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """典型案例曝光（JSON，无需登录）/ The public feed of typical cases (no login)."""
    import json
    from pathlib import Path

    from yibao.auth.cli_session import unauthenticated
    from yibao.credit.disclosure import public_feed

    with unauthenticated(case_db) as (s, _):
        items = public_feed(s)
    text = json.dumps(items, ensure_ascii=False, indent=1)
    if json_out:
        Path(json_out).write_text(text, encoding="utf-8")
        console.print(f"{len(items)} 条 → {json_out}")
    else:
        console.print_json(text)
