"""A copy of the Kediri city pack with some city.json settings changed, for rule tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from dispatch.citypack import DEFAULT_PACK


def pack_with(tmp_path: Path, **settings: Any) -> Path:
    """Copy the default pack under tmp_path and merge `settings` into its city.json."""
    target = tmp_path / "pack"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(DEFAULT_PACK, target)
    city = json.loads((target / "city.json").read_text(encoding="utf-8"))
    for key, value in settings.items():
        if isinstance(value, dict) and isinstance(city.get(key), dict):
            city[key] = {**city[key], **value}
        else:
            city[key] = value
    (target / "city.json").write_text(json.dumps(city, ensure_ascii=False), encoding="utf-8")
    return target
