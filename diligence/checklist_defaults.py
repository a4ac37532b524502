"""The default checklist template, "China IIT diligence" version 1: the five diligence questions.

Its data lives frozen in the data migration that installs it on every new install; this module reads it from there
for code that must restore the template into a database emptied since it was migrated (a flushed test database).
Item keys are stable across versions: answers carry over on upgrade by key.
"""

from __future__ import annotations

import importlib

_frozen = importlib.import_module("diligence.migrations.0002_default_checklist_template")

TEMPLATE_SLUG: str = _frozen.SLUG
QUESTIONS: list[tuple[str, str, str, list[tuple[str, str, str, bool, str, list[str]]]]] = _frozen.QUESTIONS
build_default_template = _frozen.install


def item_count() -> int:
    return sum(len(items) for *_head, items in QUESTIONS)
