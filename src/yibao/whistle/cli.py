"""`yibao report ...` (举报) and `yibao reward ...` (举报奖励): thin edges over the library."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from yibao.auth.cli_session import CaseDbOption, acting, unauthenticated

reward_app = typer.Typer(help="举报奖励 / Whistleblower rewards.", no_args_is_help=True)
report_app = typer.Typer(help="举报 / Whistleblower reports.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
        if value < 0 or not value.is_finite():
            raise InvalidOperation
    except InvalidOperation as exc:
        err.print(f"[red]金额无效 / invalid amount[/]: {text}")
        raise typer.Exit(2) from exc
    return value


@reward_app.command("calc")
def reward_calc(
    admdvs: Annotated[str, typer.Option("--admdvs", help="医保区划 / region code (e.g. 420102).")],
    verified_amount: Annotated[
        str, typer.Option("--verified-amount", help="查实金额（元）/ verified amount, yuan.")
    ],
    insider: Annotated[
        bool, typer.Option("--insider", help="举报人为被举报机构（原）内部人员 / reporter is (was) staff.")
    ] = False,
    on: Annotated[
        dt.datetime | None,
        typer.Option(
            "--date", formats=["%Y-%m-%d"], help="举报日期，默认今天 / report date (default today)."
        ),
    ] = None,
    params: Annotated[
        Path | None, typer.Option("--params", help="本地奖励参数目录 / local reward parameter folder.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON / print JSON.")] = False,
) -> None:
    """按举报日在该地区施行的标准计算举报奖励 / Reward under the rules in force in the region."""
    from yibao.whistle.dated import ParamError
    from yibao.whistle.rewards import compute_reward, load_reward_rules

    value = _amount(verified_amount)
    try:
        result = compute_reward(
            admdvs, value, insider=insider, on=on.date() if on else None, rules=load_reward_rules(params)
        )
    except ParamError as exc:
        err.print(f"[bold red]无法计算 / cannot compute[/]: {exc.zh}\n  {exc.en}")
        raise typer.Exit(2) from exc
    if as_json:
        console.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
        return
    console.print(f"举报奖励 / reward: [bold]{result.reward:,.2f}[/] 元")
    console.print(f"计算 / computation: {result.explain()}")
    console.print(
        f"适用标准 / rule: {result.region_name}（{result.region}）自 {result.effective} 起施行；"
        f"最低 {result.floor:,.2f} 元，每案最高 {result.cap:,.2f} 元"
    )
    console.print(f"依据 / reference: {result.reference}")


KeyFileOption = Annotated[
    str | None,
    typer.Option(
        "--key-file",
        envvar="YIBAO_WHISTLE_KEY_FILE",
        help="举报人信息密钥文件（库外保存，首次使用时生成）/ key file, kept outside the database.",
    ),
]


@report_app.command("file")
def report_file(
    admdvs: Annotated[str, typer.Option("--admdvs", help="医保区划 / region code.")],
    target: Annotated[str, typer.Option("--target", help="被举报对象 / who is reported.")],
    content: Annotated[str, typer.Option("--content", help="举报内容 / what happened.")],
    fixmedins_code: Annotated[
        str | None, typer.Option("--fixmedins-code", help="机构编码 / institution.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="实名举报人姓名 / reporter's name.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="联系方式 / contact.")] = None,
    want_reward: Annotated[bool, typer.Option("--want-reward", help="申请奖励 / ask for a reward.")] = False,
    insider: Annotated[
        bool, typer.Option("--insider", help="内部人员 / reporter is (was) staff there.")
    ] = False,
    channel: Annotated[str, typer.Option(help="渠道 web/phone/mail/fax/visit / channel.")] = "web",
    staff: Annotated[
        bool, typer.Option("--staff", help="工作人员代为登记 / recorded by logged-in staff.")
    ] = False,
    key_file: KeyFileOption = None,
    case_db: CaseDbOption = None,
) -> None:
    """提交举报（可匿名），获得查询码 / File a report (anonymous unless named) and get a query code."""
    from yibao.whistle.crypto import ReporterIdentity
    from yibao.whistle.reports import file_report

    if (name is None) != (contact is None):
        err.print("[red]实名举报须同时提供 --name 与 --contact / give both --name and --contact[/]")
        raise typer.Exit(2)
    reporter = ReporterIdentity(name, contact) if name and contact else None
    if staff:
        with acting(case_db) as (s, user, _):
            filed = file_report(
                s,
                user,
                admdvs=admdvs,
                target_name=target,
                content=content,
                fixmedins_code=fixmedins_code,
                channel=channel,
                reporter=reporter,
                wants_reward=want_reward,
                insider=insider,
                key_file=key_file,
            )
    else:
        with unauthenticated(case_db) as (s, _):
            filed = file_report(
                s,
                None,
                admdvs=admdvs,
                target_name=target,
                content=content,
                fixmedins_code=fixmedins_code,
                channel=channel,
                reporter=reporter,
                wants_reward=want_reward,
                insider=insider,
                key_file=key_file,
            )
    console.print(f"举报编号 / report: {filed.report_no}")
    console.print(f"查询码 / query code: [bold]{filed.query_code}[/]（请妥善保存，仅显示一次 / shown once）")


@report_app.command("follow")
def report_follow(code: str, case_db: CaseDbOption = None) -> None:
    """凭查询码查看办理进度 / Follow a report with its query code."""
    from yibao.whistle.reports import follow_report

    with unauthenticated(case_db) as (s, _):
        st = follow_report(s, code)
    console.print(f"{st.report_no}（{st.received} 收到）：{st.label}" + (f"；{st.note}" if st.note else ""))


@report_app.command("accept")
def report_accept(
    report_no: str,
    duplicate_of: Annotated[
        str | None, typer.Option("--duplicate-of", help="重复的在先举报 / earlier report.")
    ] = None,
    fixmedins_code: Annotated[
        str | None, typer.Option("--fixmedins-code", help="机构编码 / institution.")
    ] = None,
    psn_no: Annotated[str | None, typer.Option("--psn-no", help="人员编号 / person.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """受理举报，转为线索 / Accept a report: it becomes a clue."""
    from yibao.whistle.reports import accept_report

    with acting(case_db) as (s, user, _):
        clue = accept_report(
            s, user, report_no, duplicate_of=duplicate_of, fixmedins_code=fixmedins_code, psn_no=psn_no
        )
        console.print(f"已受理 / accepted: {report_no} → 线索 {clue.clue_no}")


@report_app.command("reject")
def report_reject(
    report_no: str, reason: Annotated[str, typer.Option("--reason")], case_db: CaseDbOption = None
) -> None:
    """不予受理 / Reject a report, with the reason the reporter will see."""
    from yibao.whistle.reports import reject_report

    with acting(case_db) as (s, user, _):
        reject_report(s, user, report_no, reason)
    console.print(f"不予受理 / rejected: {report_no}")


@report_app.command("decide")
def report_decide(
    report_no: str,
    decision: Annotated[str, typer.Argument(help="filed / not_filed")],
    on: Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"])] = None,
    note: Annotated[str, typer.Option("--note", help="告知举报人的说明 / note for the reporter.")] = "",
    case_db: CaseDbOption = None,
) -> None:
    """记录是否立案的决定（实名举报人5个工作日内告知）/ Record the filing decision."""
    from yibao.whistle.reports import record_filing_decision

    with acting(case_db) as (s, user, _):
        r = record_filing_decision(s, user, report_no, decision, on=on.date() if on else None, note=note)
        due = f"；告知期限 / inform by {r.inform_due}" if r.inform_due else "（匿名，无需告知 / anonymous）"
        console.print(f"{report_no}: {decision}{due}")


@report_app.command("informed")
def report_informed(
    report_no: str,
    on: Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"])] = None,
    case_db: CaseDbOption = None,
) -> None:
    """记录已告知实名举报人 / Record that the reporter was informed."""
    from yibao.whistle.reports import mark_informed

    with acting(case_db) as (s, user, _):
        mark_informed(s, user, report_no, on.date() if on else None)
    console.print(f"已告知 / informed: {report_no}")


@report_app.command("duties")
def report_duties(case_db: CaseDbOption = None) -> None:
    """告知义务及期限 / Duties to inform real-name reporters, overdue first."""
    from rich.table import Table

    from yibao.whistle.reports import inform_duties

    labels = {"pending": "待告知", "overdue": "[red]已超期[/]", "done": "已按期告知", "late": "逾期告知"}
    with acting(case_db) as (s, user, _):
        rows = inform_duties(s, user)
    table = Table(title="举报告知义务 / duties to inform")
    for col in ("举报 report", "决定日", "期限 due", "告知日", "状态"):
        table.add_column(col)
    for d in sorted(rows, key=lambda d: d.status != "overdue"):
        table.add_row(d.report_no, str(d.decided_on), str(d.due), str(d.informed_on or ""), labels[d.status])
    console.print(table)


@report_app.command("reporter")
def report_reporter(report_no: str, key_file: KeyFileOption = None, case_db: CaseDbOption = None) -> None:
    """查看举报人身份（仅负责人，留痕）/ The reporter's identity (director only, audited)."""
    from yibao.whistle.reports import reporter_identity

    with acting(case_db) as (s, user, _):
        who = reporter_identity(s, user, report_no, key_file=key_file)
    console.print("匿名举报 / anonymous" if who is None else f"{who.name}  {who.contact}")


@reward_app.command("decide")
def reward_decide(
    report_no: str,
    verified_amount: Annotated[
        str, typer.Option("--verified-amount", help="查实金额（元）/ verified, yuan.")
    ],
    case_no: Annotated[str | None, typer.Option("--case", help="案件编号 / case number.")] = None,
    case_db: CaseDbOption = None,
) -> None:
    """作出举报奖励决定（首位举报人，每案一次）/ Decide a report's reward (first reporter, once per case)."""
    from yibao.whistle.awards import decide_reward

    with acting(case_db) as (s, user, _):
        r = decide_reward(s, user, report_no, _amount(verified_amount), case_no=case_no)
    console.print(f"奖励决定 / decided: {r.reward:,.2f} 元 — {r.explain()}；{r.reference}")


@reward_app.command("pay")
def reward_pay(
    report_no: str,
    amount: Annotated[str, typer.Option("--amount", help="支付金额（元）/ amount paid.")],
    on: Annotated[dt.datetime, typer.Option("--date", formats=["%Y-%m-%d"])],
    ref: Annotated[str, typer.Option("--ref", help="支付凭证号 / payment reference.")] = "",
    case_db: CaseDbOption = None,
) -> None:
    """登记奖励支付 / Record a reward payment."""
    from yibao.whistle.awards import record_payment

    with acting(case_db) as (s, user, _):
        record_payment(s, user, report_no, _amount(amount), on=on.date(), ref=ref)
    console.print(f"已登记支付 / paid: {report_no} {amount} 元")


@reward_app.command("list")
def reward_list(case_db: CaseDbOption = None) -> None:
    """奖励决定与支付台账 / Reward decisions and payments."""
    from rich.table import Table

    from yibao.whistle.awards import list_rewards

    with acting(case_db) as (s, user, _):
        rows = list_rewards(s, user)
    table = Table(title="举报奖励 / rewards")
    for col in ("举报", "案件", "查实金额", "奖励", "已付", "支付日", "依据"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.report_no,
            r.case_no or "",
            f"{r.verified:,.2f}",
            f"{r.reward:,.2f}",
            f"{r.paid:,.2f}",
            str(r.paid_on or ""),
            r.reference,
        )
    console.print(table)


@report_app.command("rotate-key")
def report_rotate_key(
    new_key_file: Annotated[str, typer.Option("--new-key-file", help="新密钥文件 / the new key file.")],
    key_file: KeyFileOption = None,
    case_db: CaseDbOption = None,
) -> None:
    """更换举报人信息密钥（全部重新加密）/ Re-encrypt every reporter identity with a new key."""
    from yibao.whistle.reports import rotate_key

    with acting(case_db) as (s, user, _):
        n = rotate_key(s, user, old_key_file=key_file, new_key_file=new_key_file)
    console.print(f"已重新加密 {n} 条 / re-encrypted: {n}；请改用新密钥文件 / now use {new_key_file}")


@report_app.command("list")
def report_list(
    status: Annotated[
        str | None, typer.Option("--status", help="received/accepted/rejected/filed/not_filed")
    ] = None,
    case_db: CaseDbOption = None,
) -> None:
    """举报列表（不含举报人身份）/ Reports, without identities."""
    from rich.table import Table

    from yibao.cases.models import Clue
    from yibao.whistle.reports import CHANNELS, STATUS_LABELS, list_reports

    with acting(case_db) as (s, user, _):
        rows = list_reports(s, user, status=status)
        table = Table(title="举报 / reports")
        for col in ("编号", "收到", "渠道", "被举报对象", "机构编码", "实名", "状态", "线索"):
            table.add_column(col, no_wrap=col == "编号")
        for r in rows:
            clue = s.get(Clue, r.clue_id) if r.clue_id else None
            table.add_row(
                r.report_no,
                str(r.received_at.date()),
                CHANNELS[r.channel],
                r.target_name,
                r.fixmedins_code or "",
                "否" if r.anonymous else "是",
                STATUS_LABELS[r.status],
                clue.clue_no if clue else "",
            )
    console.print(table)


@report_app.command("show")
def report_show(report_no: str, case_db: CaseDbOption = None) -> None:
    """一件举报的内容与办理情况（不含举报人身份）/ One report, without the identity."""
    from yibao.whistle.reports import STATUS_LABELS, get_report

    with acting(case_db) as (s, user, _):
        r = get_report(s, user, report_no)
        console.print(f"{r.report_no}  {STATUS_LABELS[r.status]}  收到 {r.received_at:%Y-%m-%d %H:%M}")
        console.print(f"被举报对象：{r.target_name} {r.fixmedins_code or ''}")
        console.print(f"内容：{r.content}")
        console.print(
            f"{'匿名' if r.anonymous else '实名'}；申请奖励：{'是' if r.wants_reward else '否'}；"
            f"内部人员：{'是' if r.insider else '否'}"
        )
        if r.inform_due:
            console.print(f"告知期限：{r.inform_due}；已告知：{r.informed_on or '否'}")
