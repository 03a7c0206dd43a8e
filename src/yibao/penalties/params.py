"""Dated penalty and procedure parameters, read from the YAML files in `penalties/data`.

Each value set has an effective date; `at(date)` returns the set in force on the legally
relevant date (the violation date for penalties, the filing date for procedure). Regions
bring their own discretion benchmark (裁量基准) as `discretion/<admdvs prefix>.yaml`,
matched by longest prefix, with `000000` as the default. A directory given by the caller
or by `YIBAO_PENALTY_PARAMS` is searched before the packaged data.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from yibao.auth.roles import BilingualError

__all__ = [
    "DATA_DIR",
    "ENV_VAR",
    "ArticleRule",
    "DiscretionLevel",
    "ParamError",
    "PenaltyParams",
    "ProcedureRule",
    "Thresholds",
    "load_params",
]

DATA_DIR = Path(__file__).parent / "data"
ENV_VAR = "YIBAO_PENALTY_PARAMS"


class ParamError(BilingualError):
    """A malformed parameter file, naming the file, the key and the reason."""

    def __init__(self, file: Path, key: str, zh: str, en: str) -> None:
        super().__init__(f"{file.name}：{key}：{zh}", f"{file.name}: {key}: {en}")
        self.file, self.key = file, key


def _range(file: Path, key: str, value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or value[0] > value[1]
        or value[0] < 0
    ):
        raise ParamError(
            file, key, "须为[下限, 上限]两个非负数且下限不大于上限", "must be [low, high], 0 <= low <= high"
        )
    return float(value[0]), float(value[1])


def _dated(file: Path, key: str, values: object) -> dict[date, dict[str, Any]]:
    if not isinstance(values, dict) or not values:
        raise ParamError(file, key, "缺少按生效日期排列的取值", "needs values keyed by effective date")
    out: dict[date, dict[str, Any]] = {}
    for k, v in values.items():
        if not isinstance(k, date):
            raise ParamError(
                file, f"{key}.{k}", "生效日期须为YYYY-MM-DD", "effective date must be YYYY-MM-DD"
            )
        if not isinstance(v, dict):
            raise ParamError(file, f"{key}.{k}", "取值须为映射", "value set must be a mapping")
        if not v.get("reference"):
            raise ParamError(
                file, f"{key}.{k}.reference", "每组取值须注明依据", "every value set needs a reference"
            )
        out[k] = v
    return dict(sorted(out.items()))


def _pick(file: Path, key: str, table: dict[date, dict[str, Any]], on: date) -> tuple[date, dict[str, Any]]:
    chosen = [d for d in table if d <= on]
    if not chosen:
        first = min(table)
        raise ParamError(
            file, key, f"{on}早于最早生效日期{first}", f"{on} is before the first effective date {first}"
        )
    return chosen[-1], table[chosen[-1]]


@dataclass(frozen=True, slots=True)
class ArticleRule:
    """One article's penalty ranges in force on a date."""

    article: int
    label: str
    party: str  # institution / individual
    effective: date
    refund: bool
    fine_multiple: tuple[float, float] | None
    fine_fixed: tuple[float, float] | None
    fine_when: str  # always / fraud / correction_refused
    suspension_months: tuple[float, float] | None
    suspension_when: str  # always / serious / never
    termination: bool
    reference: str


@dataclass(frozen=True, slots=True)
class DiscretionLevel:
    code: str  # lighter / general / heavier
    label: str
    band: tuple[float, float]  # fractions of the legal range


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a hearing may be requested, or a legal review is required (重大执法决定)."""

    individual_fine: float
    organisation_fine: float
    suspension: bool
    termination: bool

    def reached(self, party_type: str, fine: float, suspension: bool, termination: bool) -> bool:
        limit = self.individual_fine if party_type == "individual" else self.organisation_fine
        return fine >= limit or (suspension and self.suspension) or (termination and self.termination)


@dataclass(frozen=True, slots=True)
class ProcedureRule:
    effective: date
    min_officers: int
    decision_days: int
    extension_days: int
    legal_review_working_days: int
    warning_days: int
    limitation_years: int
    limitation_years_health: int
    hearing: Thresholds
    legal_review: Thresholds
    reference: str


def _thresholds(file: Path, key: str, raw: object) -> Thresholds:
    if not isinstance(raw, dict):
        raise ParamError(file, key, "须为映射", "must be a mapping")
    try:
        return Thresholds(
            float(raw["individual_fine"]),
            float(raw["organisation_fine"]),
            bool(raw.get("suspension", False)),
            bool(raw.get("termination", False)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ParamError(file, key, f"缺少或错误的门槛：{exc}", f"missing or bad threshold: {exc}") from exc


def _load_yaml(file: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamError(file, "-", f"YAML格式错误：{exc}", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ParamError(file, "-", "顶层须为映射", "top level must be a mapping")
    if not data.get("description"):
        raise ParamError(file, "description", "缺少说明", "missing description")
    return data


class PenaltyParams:
    """All penalty, discretion and procedure parameters, validated when loaded."""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs
        self._articles: dict[int, tuple[Path, str, str, dict[date, dict[str, Any]]]] = {}
        self._procedure: tuple[Path, dict[date, dict[str, Any]]] | None = None
        self._discretion: dict[str, tuple[Path, dict[date, dict[str, Any]]]] = {}
        for d in reversed(dirs):  # earlier dirs override later ones
            self._load_dir(d)
        if not self._articles or self._procedure is None or "000000" not in self._discretion:
            raise ParamError(
                dirs[-1],
                "-",
                "缺少罚则、程序或默认裁量基准文件",
                "missing tiaoli, procedure or default files",
            )

    def _load_dir(self, d: Path) -> None:
        if (d / "tiaoli.yaml").exists():
            f = d / "tiaoli.yaml"
            data = _load_yaml(f)
            arts = data.get("articles")
            if not isinstance(arts, dict) or not arts:
                raise ParamError(f, "articles", "缺少条款", "no articles")
            for num, spec in arts.items():
                key = f"articles.{num}"
                if not isinstance(spec, dict) or spec.get("party") not in ("institution", "individual"):
                    raise ParamError(
                        f, f"{key}.party", "须为institution或individual", "must be institution or individual"
                    )
                table = _dated(f, f"{key}.values", spec.get("values"))
                for eff, v in table.items():
                    for rk in ("fine_multiple", "fine_fixed", "suspension_months"):
                        if rk in v:
                            _range(f, f"{key}.values.{eff}.{rk}", v[rk])
                self._articles[int(num)] = (f, str(spec.get("label", "")), spec["party"], table)
        if (d / "procedure.yaml").exists():
            f = d / "procedure.yaml"
            self._procedure = (f, _dated(f, "values", _load_yaml(f).get("values")))
        for f in sorted((d / "discretion").glob("*.yaml")) if (d / "discretion").is_dir() else []:
            data = _load_yaml(f)
            region = str(data.get("region", f.stem))
            if not region.isdigit() or region != f.stem:
                raise ParamError(
                    f, "region", "区划须为数字且与文件名一致", "region must be digits and match the file name"
                )
            table = _dated(f, "values", data.get("values"))
            for eff, v in table.items():
                self._levels(f, f"values.{eff}.levels", v.get("levels"))
            self._discretion[region] = (f, table)

    @staticmethod
    def _levels(f: Path, key: str, raw: object) -> dict[str, DiscretionLevel]:
        if not isinstance(raw, dict) or not raw:
            raise ParamError(f, key, "缺少裁量档次", "no discretion levels")
        out = {}
        for code, spec in raw.items():
            if not isinstance(spec, dict) or not spec.get("label"):
                raise ParamError(f, f"{key}.{code}", "档次须有label和band", "a level needs label and band")
            lo, hi = _range(f, f"{key}.{code}.band", spec.get("band"))
            if hi > 1:
                raise ParamError(f, f"{key}.{code}.band", "比例须在0到1之间", "band must lie within 0..1")
            out[str(code)] = DiscretionLevel(str(code), str(spec["label"]), (lo, hi))
        return out

    def articles(self) -> list[int]:
        return sorted(self._articles)

    def article(self, number: int, on: date) -> ArticleRule:
        if number not in self._articles:
            raise ParamError(
                self.dirs[-1] / "tiaoli.yaml",
                f"articles.{number}",
                f"没有第{number}条的罚则参数（支持：{self.articles()}）",
                f"no parameters for article {number}",
            )
        f, label, party, table = self._articles[number]
        eff, v = _pick(f, f"articles.{number}", table, on)

        def rng(key: str) -> tuple[float, float] | None:
            return _range(f, key, v[key]) if key in v else None

        return ArticleRule(
            article=number,
            label=label,
            party=party,
            effective=eff,
            refund=bool(v.get("refund", False)),
            fine_multiple=rng("fine_multiple"),
            fine_fixed=rng("fine_fixed"),
            fine_when=str(v.get("fine_when", "always")),
            suspension_months=rng("suspension_months"),
            suspension_when=str(
                v.get("suspension_when", "never" if "suspension_months" not in v else "always")
            ),
            termination=bool(v.get("termination", False)),
            reference=str(v["reference"]),
        )

    def _region_table(self, region: str) -> tuple[str, Path, dict[date, dict[str, Any]]]:
        for n in range(len(region), 0, -1):
            if region[:n] in self._discretion:
                return (region[:n], *self._discretion[region[:n]])
        return ("000000", *self._discretion["000000"])

    def discretion(self, region: str, on: date) -> tuple[str, date, dict[str, DiscretionLevel], str]:
        """The region's benchmark in force: (matched region, effective date, levels, reference)."""
        matched, f, table = self._region_table(region)
        eff, v = _pick(f, "values", table, on)
        return matched, eff, self._levels(f, f"values.{eff}.levels", v.get("levels")), str(v["reference"])

    def procedure(self, on: date, region: str = "000000") -> ProcedureRule:
        f, table = self._procedure  # type: ignore[misc]
        eff, v = _pick(f, "values", table, on)
        hearing, review = v.get("hearing"), v.get("legal_review")
        matched, _rf, rtable = self._region_table(region)
        chosen = [d for d in rtable if d <= on]
        if matched != "000000" and chosen:  # a region may set its own thresholds
            local = rtable[chosen[-1]]
            hearing, review = local.get("hearing", hearing), local.get("legal_review", review)
        try:
            return ProcedureRule(
                effective=eff,
                min_officers=int(v["min_officers"]),
                decision_days=int(v["decision_days"]),
                extension_days=int(v["extension_days"]),
                legal_review_working_days=int(v["legal_review_working_days"]),
                warning_days=int(v["warning_days"]),
                limitation_years=int(v["limitation_years"]),
                limitation_years_health=int(v["limitation_years_health"]),
                hearing=_thresholds(f, "hearing", hearing),
                legal_review=_thresholds(f, "legal_review", review),
                reference=str(v["reference"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ParamError(
                f, f"values.{eff}", f"程序参数缺失或错误：{exc}", f"bad procedure value: {exc}"
            ) from exc


def load_params(extra: Path | str | None = None) -> PenaltyParams:
    """Packaged parameters, overridden by `extra` (or `YIBAO_PENALTY_PARAMS`) where given.

    Loaded once per process and folder set, and again whenever a file in them changes.
    """
    dirs = [DATA_DIR]
    more = extra or os.environ.get(ENV_VAR)
    if more:
        dirs.insert(0, Path(more))
    stamp = tuple(
        sorted((str(f), f.stat().st_mtime_ns) for d in dirs if d.is_dir() for f in d.rglob("*.yaml"))
    )
    return _load(tuple(dirs), stamp)


@functools.lru_cache(maxsize=16)
def _load(dirs: tuple[Path, ...], _stamp: tuple[tuple[str, int], ...]) -> PenaltyParams:
    return PenaltyParams(list(dirs))
