"""`yibao clue|case|appeal ...`: the case service from the command line (thin: parse → call → print)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from yibao.auth.cli_session import CaseDbOption, acting, err, out

clue_app = typer.Typer(help="线索 / Clues: intake, triage, assignment.", no_args_is_help=True)
case_app = typer.Typer(help="案件 / Cases: the administrative-penalty procedure.", no_args_is_help=True)
appeal_app = typer.Typer(help="申诉 / Appeals of findings by institutions.", no_args_is_help=True)

StoreOption = Annotated[Path, typer.Option("--db", help="筛查库 DuckDB / the screened store.")]


def _money(x: object) -> str:
    return f"{float(str(x)):,.2f}"


# --- clues -------------------------------------------------------------------------------------


@clue_app.command("intake")
def clue_intake(
    db: StoreOption = Path("yibao.duckdb"),
    group_by: Annotated[
        str, typer.Option(help="institution/person/pattern 按机构、参保人或违规类型归并.")
    ] = "institution",
    min_amount: Annotated[float, typer.Option(help="线索最低金额（元）/ minimum clue amount.")] = 0.0,
    violation: Annotated[str | None, typer.Option(help="只取某违规类型 / only this violation code.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """把筛查疑点归并为线索 / Turn the store's findings into clues."""
    from yibao.cases.clues import intake_findings
    from yibao.store import connect

    con = connect(db, read_only=True)
    try:
        with acting(case_db) as (s, user, url):
            r = intake_findings(s, user, con, group_by=group_by, min_amount=min_amount, violation=violation)
    finally:
        con.close()
    out.print(
        f"新线索 / new clues: {len(r.clues_created)}，补充线索 / updated: {len(r.clues_updated)}，"
        f"新疑点 / findings added: {r.findings_added:,}，已在线索中 / already taken: {r.findings_known:,}，"
        f"无法归并 / ungrouped: {r.findings_ungrouped:,}"
    )
    out.print(f"案件库 / case database: {url}")


@clue_app.command("add")
def clue_add(
    source: Annotated[str, typer.Option(help="report/inspection/referral 举报/检查/移交.")],
    title: Annotated[str, typer.Option(help="标题 / title.")],
    fixmedins_code: Annotated[str | None, typer.Option(help="机构编码 / institution.")] = None,
    psn_no: Annotated[str | None, typer.Option(help="人员编号 / person.")] = None,
    party_name: Annotated[str | None, typer.Option(help="当事人名称 / party name.")] = None,
    description: Annotated[str, typer.Option(help="内容 / description.")] = "",
    violation: Annotated[str | None, typer.Option(help="违规类型代码 / violation code.")] = None,
    amount: Annotated[float, typer.Option(help="涉及金额（元）/ amount.")] = 0.0,
    score: Annotated[float, typer.Option(help="可信度0–1 / confidence.")] = 0.5,
    reporter_name: Annotated[str | None, typer.Option(help="举报人姓名（保密）/ reporter.")] = None,
    reporter_contact: Annotated[str | None, typer.Option(help="举报人联系方式 / contact.")] = None,
    insider: Annotated[bool, typer.Option(help="内部人员举报 / insider.")] = False,
    case_db: CaseDbOption = None,
) -> None:
    """登记举报、检查或移交线索 / Register a clue from a report, inspection or referral."""
    from yibao.cases.clues import create_clue

    reporter = (reporter_name, reporter_contact or "", insider) if reporter_name else None
    with acting(case_db) as (s, user, _):
        clue = create_clue(
            s,
            user,
            source=source,
            title=title,
            description=description,
            fixmedins_code=fixmedins_code,
            psn_no=psn_no,
            party_name=party_name,
            violation=violation,
            amount=amount,
            score=score,
            reporter=reporter,
        )
        out.print(f"已登记线索 / clue: {clue.clue_no}")


@clue_app.command("queue")
def clue_queue(
    limit: Annotated[int, typer.Option(help="条数 / rows.")] = 30, case_db: CaseDbOption = None
) -> None:
    """待办线索，按金额×可信度排序 / Triage queue ranked by amount × score."""
    from yibao.cases.clues import triage_queue
    from yibao.cases.flow import yuan

    with acting(case_db) as (s, user, _):
        rows = triage_queue(s, user, limit=limit)
        table = Table(title="线索队列 / triage queue (amount × score)")
        for col in ("线索 clue", "来源", "标题", "金额 (元)", "可信度", "优先级", "状态", "承办"):
            table.add_column(
                col,
                justify="right" if col in ("金额 (元)", "可信度", "优先级") else "left",
                no_wrap=col == "线索 clue",
            )
        from yibao.auth.models import User

        for c in rows:
            officer = s.get(User, c.assignee_id) if c.assignee_id else None
            assignee = officer.username if officer else ""
            table.add_row(
                c.clue_no,
                c.source,
                c.title,
                _money(yuan(c.amount_fen)),
                f"{c.score:.2f}",
                _money(c.priority),
                c.status,
                assignee,
            )
    out.print(table)


@clue_app.command("assign")
def clue_assign(clue_no: str, username: str, case_db: CaseDbOption = None) -> None:
    """分派线索 / Assign a clue to an officer."""
    from yibao.cases.clues import assign_clue

    with acting(case_db) as (s, user, _):
        assign_clue(s, user, clue_no, username)
    out.print(f"已分派 / assigned: {clue_no} → {username}")


@clue_app.command("dismiss")
def clue_dismiss(
    clue_no: str, reason: Annotated[str, typer.Option(help="理由 / reason.")], case_db: CaseDbOption = None
) -> None:
    """线索不予处理 / Dismiss a clue."""
    from yibao.cases.clues import dismiss_clue

    with acting(case_db) as (s, user, _):
        dismiss_clue(s, user, clue_no, reason)
    out.print(f"已不予处理 / dismissed: {clue_no}")


@clue_app.command("show")
def clue_show(clue_no: str, case_db: CaseDbOption = None) -> None:
    """线索详情 / A clue and its findings."""
    from yibao.auth.roles import Permission, require
    from yibao.cases.appeals import list_findings
    from yibao.cases.clues import SOURCES, get_clue
    from yibao.cases.flow import yuan

    with acting(case_db) as (s, user, _):
        require(user, Permission.CLUE_READ)
        clue = get_clue(s, clue_no)
        rows = list_findings(s, user, clue_no=clue_no)
        out.print(
            f"[bold]{clue.clue_no}[/] {clue.title}（{SOURCES.get(clue.source, clue.source)}，{clue.status}）"
        )
        out.print(f"  {clue.description}")
        out.print(
            f"  金额 / amount: {_money(yuan(clue.amount_fen))} 元  可信度 / score: {clue.score:.2f}  "
            f"优先级 / priority: {_money(clue.priority)}  疑点 / findings: {len(rows)}"
        )


@clue_app.command("reporter")
def clue_reporter(clue_no: str, case_db: CaseDbOption = None) -> None:
    """举报人身份（仅负责人，查看留痕）/ The whistleblower's identity (director only, audited)."""
    from yibao.cases.clues import reporter_of

    with acting(case_db) as (s, user, _):
        rep = reporter_of(s, user, clue_no)
        if rep is None:
            out.print("无举报人信息 / no reporter recorded")
            return
        out.print(
            f"举报人 / reporter: {rep.name}  联系方式 / contact: {rep.contact}  "
            f"{'内部人员 / insider' if rep.insider else ''}"
        )


# --- cases -------------------------------------------------------------------------------------


def _parse_sets(pairs: list[str]) -> dict[str, object]:
    data: dict[str, object] = {}
    for pair in pairs:
        if "=" not in pair:
            err.print(f"[red]--set 须为 key=value / --set needs key=value[/]: {pair}")
            raise typer.Exit(2)
        key, value = pair.split("=", 1)
        data[key.strip()] = value
    return data


@case_app.command("open")
def case_open(
    clue_no: str,
    region: Annotated[str, typer.Option(help="医保区划6位 / 6-digit region code.")],
    party_type: Annotated[str | None, typer.Option(help="institution/individual 当事人类型.")] = None,
    party_name: Annotated[str | None, typer.Option(help="当事人名称 / party name.")] = None,
    party_certno: Annotated[str | None, typer.Option(help="证件号码 / ID number.")] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="从筛查库查当事人姓名 / look the party up here.")
    ] = None,
    case_db: CaseDbOption = None,
) -> None:
    """受理线索，开始核查 / Open a case from a clue (verification)."""
    from yibao.cases.clues import get_clue
    from yibao.cases.flow import open_case

    with acting(case_db) as (s, user, _):
        clue = get_clue(s, clue_no)
        if db and clue.psn_no and not party_name:
            from yibao.store import connect

            con = connect(db, read_only=True)
            row = con.execute("SELECT psn_name, certno FROM psn WHERE psn_no = ?", [clue.psn_no]).fetchone()
            con.close()
            if row:
                party_name, party_certno = row[0], party_certno or row[1]
        case = open_case(
            s,
            user,
            clue_no,
            region=region,
            party_type=party_type,
            party_name=party_name,
            party_certno=party_certno,
        )
        out.print(f"已立项核查 / case opened: {case.case_no}（{case.title}）")


@case_app.command("list")
def case_list(
    state: Annotated[str | None, typer.Option(help="只看某状态 / only this state.")] = None,
    attention: Annotated[
        bool, typer.Option(help="只看临近或超过期限的 / only near or past the limit.")
    ] = False,
    case_db: CaseDbOption = None,
) -> None:
    """案件列表与期限预警 / Cases with their time-limit status."""
    from yibao.cases.views import list_cases

    with acting(case_db) as (s, user, _):
        rows = list_cases(s, user, state=state, attention_only=attention)
    table = Table(title="案件 / cases")
    for col in (
        "案件 case",
        "案由",
        "当事人",
        "状态 state",
        "金额 (元)",
        "期限 deadline",
        "剩余天数",
        "期限状态",
    ):
        table.add_column(col)
    for c in rows:
        style = {"warning": "yellow", "overdue": "bold red"}.get(c.time_level, "")
        table.add_row(
            c.case_no,
            c.title,
            c.party_name or "",
            c.state_label,
            _money(c.amount),
            c.deadline or "",
            "" if c.days_left is None else str(c.days_left),
            f"[{style}]{c.time_label}[/]" if style else c.time_label,
        )
    out.print(table)


@case_app.command("deadlines")
def case_deadlines(case_db: CaseDbOption = None) -> None:
    """临近或超过办案期限的案件 / Cases near or past their time limit."""
    case_list(state=None, attention=True, case_db=case_db)


@case_app.command("show")
def case_show(case_no: str, case_db: CaseDbOption = None) -> None:
    """案件详情与全过程记录 / A case with its full record."""
    from yibao.cases.views import case_view

    with acting(case_db) as (s, user, _):
        v = case_view(s, user, case_no)
    c = v.summary
    out.print(f"[bold]{c.case_no}[/] {c.title}")
    out.print(f"  当事人 / party: {c.party_name}（{c.party_code}）{v.party_certno or ''}")
    out.print(
        f"  状态 / state: {c.state_label}（{c.state}）  金额 / amount: {_money(c.amount)} 元  结果: {c.outcome or '—'}"
    )
    out.print(
        f"  期限 / deadline: {c.deadline or '—'}  {c.time_label}"
        + (f"，剩余{c.days_left}天" if c.days_left is not None else "")
    )
    if c.review_due:
        out.print(f"  法制审核应于 {c.review_due} 前完成 / legal review due")
    out.print(f"  执法人员 / officers: {'、'.join(v.officers) or '—'}")
    for name, data in (("调查终结", v.report), ("告知", v.notice), ("决定", v.decision)):
        if data:
            shown = {k: val for k, val in data.items() if k != "penalty"}
            out.print(f"  {name}: {json.dumps(shown, ensure_ascii=False)}")
    if v.report and v.report.get("penalty"):
        for line in v.report["penalty"]["explanation"]:
            out.print(f"    {line}")
    table = Table(title="全过程记录 / record")
    for col in ("#", "时间 (UTC)", "操作", "状态", "操作人", "说明"):
        table.add_column(col)
    for e in v.events:
        table.add_row(
            str(e.seq), e.created.strftime("%Y-%m-%d %H:%M"), e.label, e.to_state, e.actor, e.reason
        )
    out.print(table)


@case_app.command("actions")
def case_actions() -> None:
    """可用的办案操作 / The procedure's actions, who takes them and from which states."""
    from yibao.cases.states import ACTION_LABELS, STATE_LABELS, TRANSITIONS

    table = Table(title="办案操作 / actions")
    for col in ("操作 action", "说明", "适用状态 from", "结果状态 to", "权限 permission"):
        table.add_column(col)
    for a, t in TRANSITIONS.items():
        table.add_row(
            str(a),
            ACTION_LABELS[a],
            "、".join(STATE_LABELS[x] for x in sorted(t.sources)),
            STATE_LABELS[t.target] if t.target else "（不变）",
            str(t.permission),
        )
    out.print(table)


@case_app.command("do")
def case_do(
    case_no: str,
    action: Annotated[str, typer.Argument(help="操作，见 yibao case actions / action.")],
    reason: Annotated[str, typer.Option(help="理由或意见 / reason or opinion.")] = "",
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="参数 key=value，可多次 / payload, repeatable.")
    ] = None,
    case_db: CaseDbOption = None,
) -> None:
    """执行一步办案程序 / Take one step of the procedure."""
    from yibao.cases.flow import get_case, transition
    from yibao.cases.states import ACTION_LABELS, STATE_LABELS, Action, State

    payload = _parse_sets(sets or [])
    with acting(case_db) as (s, user, _):
        ev = transition(s, user, case_no, action, reason=reason, payload=payload)
        case = get_case(s, case_no)
        out.print(f"{case_no}: {ACTION_LABELS[Action(ev.action)]} → {STATE_LABELS[State(case.state)]}")
        data = json.loads(ev.payload)
        if "penalty" in data:
            for line in data["penalty"]["explanation"]:
                out.print(f"  {line}")
        for key in ("fine", "suspension_months", "termination", "major", "hearing_eligible", "days"):
            if key in data and "penalty" not in data:
                out.print(f"  {key}: {data[key]}")


@case_app.command("assign")
def case_assign(case_no: str, username: str, case_db: CaseDbOption = None) -> None:
    """指派执法人员 / Assign an officer."""
    from yibao.cases.flow import assign_officer

    with acting(case_db) as (s, user, _):
        assign_officer(s, user, case_no, username)
    out.print(f"已指派 / assigned: {username} → {case_no}")


@case_app.command("withdraw")
def case_withdraw(
    case_no: str,
    username: str,
    reason: Annotated[str, typer.Option(help="回避理由 / reason.")],
    on_application: Annotated[
        bool, typer.Option(help="当事人申请回避 / on the party's application.")
    ] = False,
    case_db: CaseDbOption = None,
) -> None:
    """执法人员回避 / Withdraw an officer (回避)."""
    from yibao.cases.flow import withdraw_officer

    with acting(case_db) as (s, user, _):
        withdraw_officer(s, user, case_no, username, reason, on_application=on_application)
    out.print(f"已回避 / withdrawn: {username}（{case_no}）")


@case_app.command("doc")
def case_doc(
    case_no: str,
    kind: Annotated[str, typer.Argument(help="filing_approval/notice/decision 立案审批表/告知书/决定书.")],
    out_path: Annotated[Path | None, typer.Option("--out", help="输出 .docx / output file.")] = None,
    org: Annotated[str | None, typer.Option(help="行政机关名称 / the bureau's name.")] = None,
    template: Annotated[Path | None, typer.Option(help="自有 .docx 模板 / own .docx template.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """生成案件文书 / Generate a case document (.docx)."""
    from yibao.documents.casefiles import DEFAULT_ORG, generate_document

    target = out_path or Path("documents") / case_no / f"{kind}.docx"
    with acting(case_db) as (s, user, _):
        generate_document(s, user, case_no, kind, target, org=org or DEFAULT_ORG, docx_template=template)
    out.print(f"已生成 / written: {target}")


@case_app.command("ledger")
def case_ledger(
    out_path: Annotated[Path, typer.Argument(help="输出 .xlsx / output file.")], case_db: CaseDbOption = None
) -> None:
    """导出案件台账 / Export the case ledger (.xlsx)."""
    from yibao.documents.ledger import export_ledger

    with acting(case_db) as (s, user, _):
        n = export_ledger(s, user, out_path)
    out.print(f"已导出 {n} 件 / exported {n} cases → {out_path}")


# --- appeals -----------------------------------------------------------------------------------


@appeal_app.command("findings")
def appeal_findings(
    clue: Annotated[str | None, typer.Option(help="线索编号 / clue.")] = None,
    fixmedins_code: Annotated[str | None, typer.Option(help="机构编码 / institution.")] = None,
    limit: Annotated[int, typer.Option(help="条数 / rows.")] = 50,
    case_db: CaseDbOption = None,
) -> None:
    """疑点及申诉状态（机构用户只见本机构）/ Findings and their appeal status."""
    from yibao.cases.appeals import list_findings
    from yibao.cases.flow import yuan

    with acting(case_db) as (s, user, _):
        rows = list_findings(s, user, clue_no=clue, fixmedins_code=fixmedins_code, limit=limit)
    table = Table(title="疑点 / findings")
    for col in ("疑点 finding_id", "规则 detector", "违规类型", "机构", "金额 (元)", "依据 evidence", "申诉"):
        table.add_column(col, no_wrap=col == "疑点 finding_id")
    for f, status in rows:
        table.add_row(
            f.finding_id,
            f.detector,
            f.violation,
            f.fixmedins_code or "",
            _money(yuan(f.amount_fen)),
            f.evidence[:60],
            status or "—",
        )
    out.print(table)


@appeal_app.command("submit")
def appeal_submit(
    finding_id: str,
    explanation: Annotated[str, typer.Option(help="申诉理由 / explanation.")],
    attach: Annotated[list[Path] | None, typer.Option(help="附件，可多次 / attachment, repeatable.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """机构对疑点提出申诉 / An institution answers a finding."""
    from yibao.cases.appeals import submit_appeal

    files = [(p.name, p.read_bytes()) for p in attach or []]
    with acting(case_db) as (s, user, _):
        appeal = submit_appeal(s, user, finding_id, explanation, files)
        out.print(f"已提交申诉 / appeal: {appeal.id}（{finding_id}）")


@appeal_app.command("review")
def appeal_review(
    appeal_id: int,
    outcome: Annotated[str, typer.Option(help="confirmed 维持疑点 / overturned 撤销疑点.")],
    note: Annotated[str, typer.Option(help="审核意见 / note.")],
    case_db: CaseDbOption = None,
) -> None:
    """审核申诉 / Review an appeal."""
    from yibao.cases.appeals import review_appeal

    with acting(case_db) as (s, user, _):
        review_appeal(s, user, appeal_id, outcome, note)
    out.print(f"申诉{appeal_id}：{outcome}")


@appeal_app.command("list")
def appeal_list(
    status: Annotated[str | None, typer.Option(help="submitted/confirmed/overturned.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """申诉列表 / Appeals."""
    from yibao.cases.appeals import list_appeals

    with acting(case_db) as (s, user, _):
        rows = list_appeals(s, user, status=status)
        table = Table(title="申诉 / appeals")
        for col in ("#", "疑点", "规则", "机构", "理由", "状态", "审核意见"):
            table.add_column(col)
        for a in rows:
            table.add_row(
                str(a.id),
                a.finding_id,
                a.detector,
                a.fixmedins_code,
                a.explanation[:40],
                a.status,
                a.review_note or "",
            )
    out.print(table)


@appeal_app.command("precision")
def appeal_precision(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="同时写出JSON供规则调优 / also write JSON.")
    ] = None,
    case_db: CaseDbOption = None,
) -> None:
    """各规则经申诉复核的确认精确率 / Per-rule precision confirmed by appeal reviews."""
    from yibao.cases.appeals import rule_precision

    with acting(case_db) as (s, user, _):
        rows = rule_precision(s, user)
    if json_out:
        data = [
            {
                "detector": r.detector,
                "findings": r.findings,
                "appealed": r.appealed,
                "confirmed": r.confirmed,
                "overturned": r.overturned,
                "pending": r.pending,
                "precision": r.precision,
                "overturn_rate": r.overturn_rate,
            }
            for r in rows
        ]
        json_out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    table = Table(title="规则确认精确率 / confirmed precision per rule")
    for col in ("规则 detector", "疑点", "申诉", "维持", "撤销", "待审", "精确率 precision", "撤销率"):
        table.add_column(col, justify="left" if col.startswith("规则") else "right")
    for r in rows:
        table.add_row(
            r.detector,
            str(r.findings),
            str(r.appealed),
            str(r.confirmed),
            str(r.overturned),
            str(r.pending),
            "—" if r.precision is None else f"{r.precision:.1%}",
            "—" if r.overturn_rate is None else f"{r.overturn_rate:.1%}",
        )
    out.print(table)
