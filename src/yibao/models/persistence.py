"""Saved risk models: one JSON envelope (version, training window, features, validation, boosters).

The envelope is plain JSON — LightGBM boosters as their model text — so loading it runs no pickle.
`yibao models train` writes it to a file and into the store (`model_registry`), where `yibao screen`
finds the newest one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import lightgbm
import sklearn

from yibao.models.supervised import LevelModel

__all__ = [
    "MODEL_VERSION",
    "ModelFileError",
    "RiskModel",
    "latest_model",
    "read_model",
    "store_model",
    "write_model",
]

MODEL_VERSION = "1"

_DDL = """CREATE TABLE IF NOT EXISTS model_registry (
    model_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    kind VARCHAR NOT NULL,
    payload VARCHAR NOT NULL
)"""


class ModelFileError(ValueError):
    """A model file that cannot be used; bilingual message naming the file and key."""


@dataclass(slots=True)
class RiskModel:
    """What a trained model records besides its boosters: where, when and on what it learnt."""

    version: str
    created_at: str
    training_window: list[str]
    seed: int
    features: list[str]
    libraries: dict[str, str]
    levels: dict[str, LevelModel] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def feature_hash(self) -> str:
        return hashlib.sha1("|".join(self.features).encode()).hexdigest()[:12]

    @property
    def model_id(self) -> str:
        return f"risk-v{self.version}-{self.created_at.replace(':', '').replace('-', '')}-{self.feature_hash}"

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["model_id"] = self.model_id
        d["feature_hash"] = self.feature_hash
        return d

    @classmethod
    def from_dict(cls, d: dict[str, object], where: str = "model") -> RiskModel:
        try:
            levels = {k: LevelModel(**v) for k, v in d["levels"].items()}  # type: ignore[union-attr]
            m = cls(
                version=str(d["version"]),
                created_at=str(d["created_at"]),
                training_window=list(d["training_window"]),
                seed=int(d["seed"]),  # type: ignore[call-overload]
                features=list(d["features"]),
                libraries=dict(d["libraries"]),  # type: ignore[call-overload]
                levels=levels,
                notes=list(d.get("notes", [])),  # type: ignore[call-overload]
            )
        except (KeyError, TypeError) as exc:
            raise ModelFileError(f"{where}：模型文件缺少字段 / model file missing key {exc}") from exc
        if d.get("feature_hash") not in (None, m.feature_hash):
            raise ModelFileError(f"{where}：特征清单与校验值不符 / feature list does not match its hash")
        return m


def new_model(window: tuple[dt.date, dt.date], seed: int, features: list[str]) -> RiskModel:
    return RiskModel(
        version=MODEL_VERSION,
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        training_window=[window[0].isoformat(), window[1].isoformat()],
        seed=seed,
        features=features,
        libraries={
            "lightgbm": lightgbm.__version__,
            "scikit-learn": sklearn.__version__,
            "duckdb": duckdb.__version__,
            "python": platform.python_version(),
        },
    )


def write_model(model: RiskModel, path: Path) -> Path:
    """Write the JSON envelope (a `.joblib` path gets the same envelope beside it as `.json`)."""
    target = path if path.suffix.lower() == ".json" else path.with_suffix(".json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(model.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    return target


def read_model(path: Path) -> RiskModel:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{path}：无法读取模型文件 / unreadable model file: {exc}") from exc
    return RiskModel.from_dict(raw, str(path))


def store_model(con: duckdb.DuckDBPyConnection, model: RiskModel) -> str:
    con.execute(_DDL)
    con.execute(
        "INSERT OR REPLACE INTO model_registry VALUES (?, ?, 'risk', ?)",
        [
            model.model_id,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            json.dumps(model.as_dict(), ensure_ascii=False),
        ],
    )
    return model.model_id


def latest_model(con: duckdb.DuckDBPyConnection) -> RiskModel | None:
    """The newest risk model in the store, or None when none was trained."""
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'model_registry'").fetchone()[
        0
    ]:  # type: ignore[index]
        return None
    row = con.execute(
        "SELECT model_id, payload FROM model_registry WHERE kind = 'risk' ORDER BY created_at DESC, model_id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else RiskModel.from_dict(json.loads(row[1]), f"model_registry:{row[0]}")
