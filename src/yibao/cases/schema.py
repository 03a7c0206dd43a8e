"""All tables of the case database in one metadata (imports every model module)."""

from __future__ import annotations

import yibao.audit.models
import yibao.auth.models
import yibao.cases.models
import yibao.credit.models
import yibao.inspections.models
import yibao.whistle.models  # noqa: F401
from yibao.cases.db import Base

__all__ = ["metadata"]

metadata = Base.metadata
