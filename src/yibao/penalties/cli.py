"""`yibao penalty ...`: the penalty calculator from the command line."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(help="行政处罚计算 / Penalty calculator (条例 Art. 38–41).", no_args_is_help=True)
console = Console()
err = Console(stderr=True)


@app.command("calc")
def calc(
    article: Annotated[
        int, typer.Option("--article", help="条例条款 38/39/40/41 / article of the regulation.")
    ],
    amount: Annotated[
        str, typer.Option("--amount", help="造成损失或骗取金额（元）/ loss or defrauded amount, yuan.")
    ],
    on: Annotated[
        dt.datetime,
        typer.Option("--date", formats=["%Y-%m-%d"], help="违法行为发生日期 / date of the conduct."),
    ],
    level: Annotated[
        str, typer.Option(help="裁量档次 lighter/general/heavier / discretion level.")
    ] = "general",
    region: Annotated[
        str, typer.Option(help="医保区划 / 6-digit region code (discretion benchmark).")
    ] = "000000",
    serious: Annotated[
        bool, typer.Option(help="拒不改正或造成严重后果（第38条）/ serious (Art. 38).")
    ] = False,
    fraud: Annotated[
        bool, typer.Option(help="以骗取基金为目的（第41条）/ intent to defraud (Art. 41).")
    ] = False,
    correction_refused: Annotated[
        bool, typer.Option(help="拒不改正（第39条）/ refused to correct (Art. 39).")
    ] = False,
    params: Annotated[
        Path | None, typer.Option("--params", help="本地参数目录 / local parameter folder (overrides).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出JSON / print JSON.")] = False,
) -> None:
    """按条例与裁量基准计算退回、罚款与暂停 / Compute refund, fine and suspension from dated parameters."""
    from yibao.penalties.calculator import PenaltyInput, calculate
    from yibao.penalties.params import ParamError, load_params

    try:
        value = Decimal(amount)
        if value < 0:
            raise InvalidOperation
    except InvalidOperation as exc:
        err.print(f"[red]金额无效 / invalid amount[/]: {amount}")
        raise typer.Exit(2) from exc
    try:
        result = calculate(
            PenaltyInput(
                article,
                value,
                on.date(),
                level=level,
                region=region,
                serious=serious,
                fraud=fraud,
                correction_refused=correction_refused,
            ),
            load_params(params),
        )
    except ParamError as exc:
        err.print(f"[bold red]无法计算 / cannot compute[/]: {exc.zh}\n  {exc.en}")
        raise typer.Exit(2) from exc
    if as_json:
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]第{article}条 · {result.level_label}档[/]")
    for line in result.explanation:
        console.print(f"  {line}")
    total = result.refund + result.proposed_fine
    console.print(f"[bold]合计 退回 {result.refund} 元 + 罚款 {result.proposed_fine} 元 = {total} 元[/]")
