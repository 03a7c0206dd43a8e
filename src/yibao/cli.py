"""The `yibao` command: a thin edge over the library (parse → call → print).

Help texts are bilingual: the users are Chinese inspectors, the operators may not be.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from yibao.store import DEFAULT_DB

app = typer.Typer(
    name="yibao",
    help="医保基金智能监管平台 yibao-guard — medical-insurance fund supervision.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
findings_app = typer.Typer(help="疑点数据 / Findings.", no_args_is_help=True)
app.add_typer(findings_app, name="findings")

console = Console()
err = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="数据库文件 / store file (DuckDB).")]


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _money(x: float) -> str:
    return f"{x:,.2f}"


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="输出目录 / output folder.")],
    persons: Annotated[int, typer.Option(help="参保人数 / number of insured persons.", min=100)] = 100_000,
    months: Annotated[int, typer.Option(help="月数 / months of activity.", min=1, max=36)] = 12,
    seed: Annotated[
        int, typer.Option(help="随机种子，同种子同结果 / seed: same seed, same files.")
    ] = 20260101,
) -> None:
    """生成带违规标签的合成城市数据 / Write a synthetic city with labelled violations."""
    from yibao.synth import generate

    with _progress() as bar:
        task = bar.add_task("生成 / generating", total=1.0)

        def tick(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=fraction)

        report = generate(out, persons=persons, months=months, seed=seed, progress=tick)
        bar.update(task, completed=1.0)
    table = Table(title=f"合成数据 / synthetic city → {out}")
    table.add_column("表 / table")
    table.add_column("行数 / rows", justify="right")
    for name, n in report.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(
        f"违规标签 / labels: {sum(report.labels.values()):,}（{len(report.labels)} 种违规类型 / codes），"
        f"用时 {report.seconds:.1f} s"
    )


@app.command("ingest")
def ingest_cmd(
    folder: Annotated[
        Path, typer.Argument(help="数据目录，每表一个文件 / dataset folder, one file per table.")
    ],
    db: DbOption = DEFAULT_DB,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            help="映射文件（其他格式的数据映射到数据契约），或内置映射名 province_b、us_claims / "
            "mapping file for a dataset of another shape, or a built-in mapping name.",
        ),
    ] = None,
) -> None:
    """校验并导入数据，不合格行进入隔离表 / Validate and load a dataset; bad rows are quarantined."""
    from yibao.ingest import UnusableInput, ingest
    from yibao.ingest.mapping_load import ingest_mapped

    mapped = None
    try:
        with _progress() as bar:
            task = bar.add_task("导入 / ingesting", total=None)

            def tick(name: str, done: int, total: int) -> None:
                bar.update(
                    task, description=f"导入 {name}" if name else "完成 / done", completed=done, total=total
                )

            if mapping is None:
                report = ingest(folder, db, progress=tick)
            else:
                mapped = ingest_mapped(folder, mapping, db, progress=tick)
                report = mapped.ingest
    except UnusableInput as exc:
        err.print(f"[bold red]无法导入 / cannot ingest[/]: {exc.zh}\n  {exc.en}")
        raise typer.Exit(2) from exc
    if mapped is not None:
        src = Table(title=f"映射 / mapping {mapped.mapping}：{mapped.label}")
        for col in ("源 source", "文件 file", "记录 records", "无法解析 unreadable"):
            src.add_column(col, justify="right" if "records" in col or "unreadable" in col else "left")
        for key, name, n, bad in mapped.sources:
            src.add_row(key, name, f"{n:,}", f"[red]{bad:,}[/]" if bad else "0")
        console.print(src)
        merged = [f"{t} {n:,}" for t, _rows, n, _empty in mapped.tables if n]
        empty = [t for t, _rows, _n, is_empty in mapped.tables if is_empty]
        if merged:
            console.print(f"去重合并 / merged by distinct: {', '.join(merged)}")
        if empty:
            console.print(f"源数据无此表，按空表导入 / not in the source, loaded empty: {', '.join(empty)}")
    table = Table(title=f"导入结果 / ingest batch {report.batch_id} → {db}")
    for col in ("表 table", "名称", "读入 read", "新增 new", "更新 updated", "未变 unchanged", "隔离 quarantined"):
        table.add_column(col, justify="left" if col in ("表 table", "名称") else "right")
    for t in report.tables:
        skipped = "（已导入过 / skipped）" if all(f.skipped for f in t.files) else ""
        table.add_row(
            t.table,
            t.label + skipped,
            f"{t.read:,}",
            f"{t.new:,}",
            f"{t.updated:,}",
            f"{t.unchanged:,}",
            f"[red]{t.quarantined:,}[/]" if t.quarantined else "0",
        )
    console.print(table)
    for t in report.tables:
        for reason, n in t.reasons.most_common(5):
            console.print(f"  [yellow]{t.table}[/] {reason}: {n:,}")
    if report.quarantined:
        console.print(
            f"隔离行可用 [bold]yibao quarantine --db {db}[/] 查看 / see quarantined rows with that command."
        )
    if not report.balanced:  # cannot happen by construction; say so loudly if it ever does
        err.print("[bold red]读入行数与处理行数不符 / rows read do not add up[/]")
        raise typer.Exit(1)


@app.command()
def quarantine(
    db: DbOption = DEFAULT_DB,
    table: Annotated[str | None, typer.Option(help="只看某表 / only this table.")] = None,
    limit: Annotated[int, typer.Option(help="最多显示行数 / rows to show.")] = 20,
) -> None:
    """查看隔离的不合格行 / Show quarantined rows with file, row, field and reason."""
    from yibao.store import connect

    con = connect(db, read_only=True)
    where, params = ("WHERE table_name = ?", [table]) if table else ("", [])
    rows = con.execute(
        f"SELECT table_name, file_name, row_no, field, reason_zh, reason_en FROM quarantine {where} "
        "ORDER BY batch_id, table_name, file_name, row_no LIMIT ?",
        [*params, limit],
    ).fetchall()
    out = Table(title="隔离行 / quarantined rows")
    for col in ("表", "文件 file", "行 row", "字段 field", "原因", "reason"):
        out.add_column(col)
    for r in rows:
        out.add_row(*(str(x) for x in r))
    console.print(out)


@app.command("screen")
def screen_cmd(
    db: DbOption = DEFAULT_DB,
    date_from: Annotated[
        dt.datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="起始日期 / window start (YYYY-MM-DD)."),
    ] = None,
    date_to: Annotated[
        dt.datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="截止日期 / window end, inclusive."),
    ] = None,
    rules: Annotated[
        str | None, typer.Option("--rules", help="只运行匹配的规则 / only detectors matching this glob.")
    ] = None,
) -> None:
    """运行全部检测器（规则与模型）/ Run every registered detector over the store."""
    from yibao.screening import screen
    from yibao.store import connect

    window = None
    if date_from or date_to:
        window = (
            (date_from or dt.datetime(1900, 1, 1)).date(),
            (date_to or dt.datetime(2999, 12, 31)).date(),
        )
    con = connect(db)
    with _progress() as bar:
        task = bar.add_task("筛查 / screening", total=None)

        def tick(name: str, done: int, total: int) -> None:
            bar.update(
                task, description=f"筛查 {name}" if name else "完成 / done", completed=done, total=total
            )

        report = screen(con, progress=tick, window=window, only=rules)
    if not report.runs:
        console.print("[yellow]没有匹配的检测器 / no matching detectors[/]")
    table = Table(title="按规则 / per detector")
    for col in ("检测器 detector", "疑点 findings", "金额 amount (元)", "用时 s"):
        table.add_column(col, justify="left" if col.startswith("检测器") else "right")
    for run in report.runs:
        if run.skipped:
            table.add_row(run.detector, "[yellow]跳过 skipped[/]", run.error or "", f"{run.seconds:.2f}")
        elif run.error:
            table.add_row(run.detector, "[red]出错 failed[/]", run.error[:80], f"{run.seconds:.2f}")
        else:
            table.add_row(run.detector, f"{run.findings:,}", _money(run.amount), f"{run.seconds:.2f}")
    console.print(table)
    console.print(f"疑点 / findings: {report.findings:,}（{len(report.runs)} 个检测器 / detectors）")
    _print_summary(con)


@app.command()
def summary(db: DbOption = DEFAULT_DB) -> None:
    """按违规类型和机构汇总疑点与金额 / Findings and money at risk by type and institution."""
    from yibao.store import connect

    _print_summary(connect(db, read_only=True))


def _print_summary(con: object) -> None:
    from yibao.reports.summary import screening_summary, store_counts

    counts = store_counts(con)  # type: ignore[arg-type]
    s = screening_summary(con)  # type: ignore[arg-type]
    console.print(
        f"参保人 {counts.persons:,} · 机构 {counts.institutions:,} · 就诊 {counts.encounters:,} · "
        f"费用明细 {counts.fee_lines:,} · 基金支付 {_money(counts.fund_paid)} 元 · 隔离行 {counts.quarantined:,}"
    )
    t1 = Table(
        title=f"按违规类型 / by violation — 疑点 {s.total_findings:,}，金额 {_money(s.total_amount)} 元"
    )
    for col in ("违规类型 code", "名称", "疑点 findings", "明确违规 definite", "金额 amount (元)"):
        t1.add_column(
            col, justify="right" if "findings" in col or "amount" in col or "definite" in col else "left"
        )
    for code, label, n, amount, definite in s.by_violation:
        t1.add_row(code, label, f"{n:,}", f"{definite:,}", _money(amount))
    console.print(t1)
    t2 = Table(title="按机构（金额前列）/ top institutions by amount")
    for col in ("机构编码 code", "机构名称", "疑点 findings", "明确违规 definite", "金额 amount (元)"):
        t2.add_column(
            col, justify="right" if "findings" in col or "amount" in col or "definite" in col else "left"
        )
    for code, name, n, amount, definite in s.by_institution:
        t2.add_row(code, name, f"{n:,}", f"{definite:,}", _money(amount))
    console.print(t2)


@findings_app.command("export")
def findings_export(
    out: Annotated[Path, typer.Argument(help="输出文件 .csv 或 .parquet / output file.")],
    db: DbOption = DEFAULT_DB,
    excel: Annotated[bool, typer.Option(help="CSV加BOM便于Excel打开 / add a BOM for Excel.")] = False,
) -> None:
    """按数据契约格式导出疑点 / Export findings in the contract's shape."""
    from yibao.findings_store import export_findings
    from yibao.store import connect

    if out.suffix.lower() not in (".csv", ".parquet"):
        err.print(f"[red]只支持 .csv 或 .parquet / only .csv or .parquet[/]: {out}")
        raise typer.Exit(2)
    n = export_findings(connect(db, read_only=True), out, excel_bom=excel)
    console.print(f"已导出 {n:,} 条疑点 / exported {n:,} findings → {out}")


@app.command("evaluate")
def evaluate_cmd(
    labels: Annotated[Path, typer.Option("--labels", help="标签文件 labels.csv / labels file.")],
    db: DbOption = DEFAULT_DB,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="同时写出JSON / also write JSON here.")
    ] = None,
) -> None:
    """以标签评估检出质量 / Score findings against labelled violations."""
    from yibao.evaluate import TOP_PERCENTS, LabelError, evaluate
    from yibao.store import connect

    try:
        result = evaluate(connect(db, read_only=True), labels)
    except (LabelError, FileNotFoundError) as exc:
        err.print(f"[bold red]无法评估 / cannot evaluate[/]: {exc}")
        raise typer.Exit(2) from exc

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1%}"

    table = Table(title="检出质量 / detection quality")
    wide = console.width >= 150  # money columns only where they fit; the JSON always has them
    cols = ["违规类型", "名称", "标签", "检出", "疑点", "召回 recall", "精确 precision", "F1"]
    cols += ["标签金额", "疑点金额"] if wide else []
    cols += [f"前{p}%召回" for p in TOP_PERCENTS]
    for c in cols:
        table.add_column(c, justify="left" if c in ("违规类型", "名称") else "right")
    for c in result.codes:
        tops = [pct(c.top_recall[p]) if c.top_recall else "—" for p in TOP_PERCENTS]
        money = [_money(c.labelled_amount), _money(c.found_amount)] if wide else []
        table.add_row(
            c.violation, c.label, f"{c.labelled:,}", f"{c.found:,}", f"{c.findings:,}", pct(c.recall),
            pct(c.precision), pct(c.f1), *money, *tops,
        )
    console.print(table)
    overall = result.as_dict()["overall"]
    console.print(f"总体 / overall: {overall}")
    if json_out:
        json_out.write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        console.print(f"JSON → {json_out}")


@app.command()
def demo(
    folder: Annotated[Path, typer.Option("--dir", help="演示数据目录 / demo folder.")] = Path("demo"),
    persons: Annotated[int, typer.Option(help="参保人数 / persons.")] = 100_000,
    months: Annotated[int, typer.Option(help="月数 / months.")] = 12,
    seed: Annotated[int, typer.Option(help="随机种子 / seed.")] = 20260101,
) -> None:
    """一键演示：生成、导入、筛查、汇总、评估 / Demo: synth, ingest, screen, summary, evaluate."""
    data = folder / "city"
    db = folder / "yibao.duckdb"
    if not (data / "labels.csv").exists():
        synth(out=data, persons=persons, months=months, seed=seed)
    ingest_cmd(folder=data, db=db)
    screen_cmd(db=db, date_from=None, date_to=None, rules=None)
    evaluate_cmd(labels=data / "labels.csv", db=db, json_out=folder / "evaluation.json")
    from yibao.demo_users import ensure_demo_users

    cases = folder / "yibao.cases.sqlite"
    users = ensure_demo_users(cases)
    console.print(f"\n[bold]演示账号 / demo accounts[/]（案件库 / case database {cases}）:")
    for name, role, password in users:
        console.print(f"  {name:16s} {role:16s} 密码 / password: {password}")
    console.print(
        f"控制台 / console: [bold]YIBAO_CASE_DB={cases} yibao serve --db {db}[/] → http://127.0.0.1:8000/console/"
    )


# Sub-commands of the other domains: each package owns a Typer app in its own `cli.py`;
# one registration line per domain goes here (models, serve, cases, audit, ...).
# (registrations)
from yibao.models.cli import app as models_app  # noqa: E402

app.add_typer(models_app, name="models")
from yibao.audit.cli import app as audit_app  # noqa: E402
from yibao.auth.cli import app as user_app  # noqa: E402
from yibao.cases.cli import appeal_app, case_app, clue_app  # noqa: E402
from yibao.penalties.cli import app as penalty_app  # noqa: E402

app.add_typer(user_app, name="user")
app.add_typer(clue_app, name="clue")
app.add_typer(case_app, name="case")
app.add_typer(appeal_app, name="appeal")
app.add_typer(penalty_app, name="penalty")
app.add_typer(audit_app, name="audit")
from yibao.realtime.cli import serve as serve_cmd  # noqa: E402

app.command(name="serve")(serve_cmd)
from yibao.whistle.cli import report_app, reward_app  # noqa: E402

app.add_typer(report_app, name="report")
app.add_typer(reward_app, name="reward")
from yibao.inspections.cli import app as inspect_app  # noqa: E402

app.add_typer(inspect_app, name="inspect")
from yibao.credit.cli import app as credit_app  # noqa: E402

app.add_typer(credit_app, name="credit")


def main() -> None:  # pragma: no cover - console entry
    app()
