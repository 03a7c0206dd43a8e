"""`yibao models …`: run the model detectors, train and inspect the risk model, list risk scores (thin)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from yibao.store import DEFAULT_DB

app = typer.Typer(
    help="模型：模式检测与风险评分 / Models: pattern detectors and risk scores.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="数据库文件 / store file (DuckDB).")]


@app.command("run")
def run_cmd(
    db: DbOption = DEFAULT_DB,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="先载入此模型文件 / load this model file into the store first."),
    ] = None,
) -> None:
    """只运行模型检测器（规则疑点需已在库中）/ Run only the model detectors (rule findings must be in the store)."""
    import duckdb

    from yibao.detectors import new_run
    from yibao.findings_store import replace_findings
    from yibao.models.detector import model_detectors
    from yibao.models.features import DataUnavailable, ensure_features
    from yibao.models.persistence import ModelFileError, read_model, store_model
    from yibao.store import connect

    con = connect(db)
    if model is not None:
        try:
            console.print(f"已载入模型 / model loaded: {store_model(con, read_model(model))}")
        except ModelFileError as exc:
            err.print(f"[bold red]无法载入模型 / cannot load model[/]: {exc}")
            raise typer.Exit(2) from exc
    new_run(con)
    table = Table(title="模型检测器 / model detectors")
    for col in ("检测器 detector", "疑点 findings", "金额 amount (元)", "用时 s"):
        table.add_column(col, justify="left" if col.startswith("检测器") else "right")
    for det in model_detectors():
        name = f"{det.id}@{det.version}"
        start = time.perf_counter()
        try:
            found = det.fit(con).findings(con)
            n = replace_findings(con, name, found)
            amount = sum(f.amount for f in found)
            table.add_row(name, f"{n:,}", f"{amount:,.2f}", f"{time.perf_counter() - start:.2f}")
        except (DataUnavailable, duckdb.Error) as exc:
            table.add_row(
                name,
                "[yellow]跳过 skipped[/]",
                str(exc).splitlines()[0][:70],
                f"{time.perf_counter() - start:.2f}",
            )
    console.print(table)
    try:
        for note in ensure_features(con).notes:
            console.print(f"[yellow]说明 / note[/]: {note}")
    except DataUnavailable:
        pass


@app.command("train")
def train_cmd(
    labels: Annotated[
        Path, typer.Option("--labels", help="已查实结果（标签）文件 / confirmed outcomes (labels.csv).")
    ],
    db: DbOption = DEFAULT_DB,
    out: Annotated[Path, typer.Option("--out", help="模型文件 / model file (.json).")] = Path("model.json"),
) -> None:
    """用已查实结果训练监督风险模型（按时间顺序验证）/ Train the supervised risk model, validated in time order."""
    from yibao.models.persistence import store_model, write_model
    from yibao.models.supervised import TrainError
    from yibao.models.training import train
    from yibao.store import connect

    con = connect(db)
    try:
        model = train(con, labels)
    except TrainError as exc:
        err.print(f"[bold red]无法训练 / cannot train[/]: {exc}")
        raise typer.Exit(2) from exc
    path = write_model(model, out)
    model_id = store_model(con, model)
    table = Table(title=f"按时间顺序验证 / time-ordered validation — {model_id}")
    for col in (
        "层级 level",
        "训练期",
        "验证期",
        "验证正例/总数",
        "ROC-AUC",
        "PR-AUC",
        "仅规则",
        "仅孤立森林",
        "按费用规模 baseline",
    ):
        table.add_column(col, justify="left" if col in ("层级 level", "训练期", "验证期") else "right")
    for level, lm in model.levels.items():
        m = lm.metrics
        table.add_row(
            level,
            "~".join(m["train_window"]),
            "~".join(m["valid_window"]),  # type: ignore[arg-type]
            f"{m['pos_valid']}/{m['n_valid']}",
            *(
                str(m.get(k, "—"))
                for k in (
                    "roc_auc",
                    "pr_auc",
                    "pr_auc_rules_only",
                    "pr_auc_isolation_only",
                    "pr_auc_claim_volume",
                )
            ),
        )
    console.print(table)
    for note in model.notes:
        console.print(f"[yellow]说明 / note[/]: {note}")
    console.print(f"模型已写入 / model written: {path}，并存入库 / and stored in {db}")


@app.command("show")
def show_cmd(db: DbOption = DEFAULT_DB) -> None:
    """显示库中最新模型的版本、训练窗口、特征与验证结果 / Show the newest stored model's metadata."""
    from yibao.models.persistence import latest_model
    from yibao.store import connect

    model = latest_model(connect(db, read_only=True))
    if model is None:
        console.print("库中没有已训练的模型 / no trained model in the store")
        raise typer.Exit(1)
    meta = model.as_dict()
    for lv in meta["levels"].values():  # type: ignore[union-attr]
        lv.pop("booster", None)
    console.print_json(json.dumps(meta, ensure_ascii=False))


@app.command("scores")
def scores_cmd(
    db: DbOption = DEFAULT_DB,
    level: Annotated[str, typer.Option(help="institution / practitioner / person")] = "institution",
    top: Annotated[int, typer.Option(help="显示前几名 / how many.")] = 20,
) -> None:
    """按风险评分排名列出实体及原因 / List entities by risk score with their reasons."""
    from yibao.store import connect

    con = connect(db, read_only=True)
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'risk_scores'").fetchone()[0]:  # type: ignore[index]
        err.print("尚无风险评分，请先运行 yibao screen / no risk scores yet: run yibao screen first")
        raise typer.Exit(1)
    rows = con.execute(
        "SELECT rank, entity_key, risk, reasons FROM risk_scores WHERE level = ? ORDER BY rank LIMIT ?",
        [level, top],
    ).fetchall()
    table = Table(title=f"风险评分 / risk scores — {level}")
    for col in ("名次", "编码 key", "评分 risk", "原因 reasons"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r[0]), r[1], f"{r[2]:.3f}", r[3])
    console.print(table)


@app.command("rank-quality")
def rank_quality_cmd(
    labels: Annotated[
        Path, typer.Option("--labels", help="已查实结果（标签）文件 / confirmed outcomes (labels.csv).")
    ],
    db: DbOption = DEFAULT_DB,
) -> None:
    """风险排名与按费用规模排名的 PR-AUC 对比 / PR-AUC of the risk ranking against ranking by claim volume."""
    from yibao.models.ranking import ranking_quality
    from yibao.models.supervised import TrainError
    from yibao.store import connect

    con = connect(db)
    try:
        rows = ranking_quality(con, labels)
    except TrainError as exc:
        err.print(f"[bold red]无法评估 / cannot evaluate[/]: {exc}")
        raise typer.Exit(2) from exc
    table = Table(title="风险排名质量 / ranking quality (PR-AUC)")
    for col in (
        "层级 level",
        "实体 entities",
        "正例 positives",
        "风险评分 risk",
        "不含监督模型 rules+iforest",
        "按费用规模 claim volume",
    ):
        table.add_column(col, justify="left" if col.startswith("层级") else "right")
    for r in rows:
        table.add_row(
            r.level,
            f"{r.entities:,}",
            f"{r.positives:,}",
            *(
                "—" if v is None else f"{v:.3f}"
                for v in (r.pr_auc_risk, r.pr_auc_without_supervised, r.pr_auc_claim_volume)
            ),
        )
    console.print(table)
