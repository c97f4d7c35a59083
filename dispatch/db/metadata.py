"""Every table's metadata in one place, for Alembic and the tests."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from . import models  # noqa: F401  (registers the core tables)
from .models import Base

# Feature rooms keep their tables in dispatch/db/models_*.py; import them all so
# autogenerate and the migrations see every table.
for _mod in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _mod.name.startswith("models_"):
        importlib.import_module(f"{__package__}.{_mod.name}")

target_metadata = Base.metadata
