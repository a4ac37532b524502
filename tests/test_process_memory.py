"""What a worker or web process loads at start: a large dictionary only some tasks need is loaded by those tasks,
not by every process that imports the code (the memo workers' memory is measured by ``make bench``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules_loaded_after(code: str) -> set[str]:
    script = f"import django, sys\ndjango.setup()\n{code}\nprint(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return set(result.stdout.split())


def test_pinyin_dictionaries_load_only_when_a_name_is_matched():
    started = modules_loaded_after("import config.celery, assets.tasks, diligence.tasks, config.urls")
    assert "assets.directory.keys" in started and "pypinyin" not in started
    matched = modules_loaded_after(
        "from assets.directory.keys import name_keys\nname_keys('上海交通大学医学院附属瑞金医院')"
    )
    assert "pypinyin" in matched
