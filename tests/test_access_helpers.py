"""Views reach team data only through their app's access helpers (``assets.access``, ``diligence.access``,
``teams.access.team_access``), which fetch through the policy, refuse writes and record the access in one call: no
view performs those steps by hand, where a new view could forget one of them."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

# The steps the helpers fold together; a view naming any of them is doing one by hand.
BY_HAND = {
    "get_for_user_or_404",
    "get_for_contact_or_404",
    "require_edit",
    "require_review",
    "access_log_record",
    "admit",
    "admit_counterparty",
}


def view_modules() -> list[Path]:
    root = Path(settings.BASE_DIR)
    found = [*root.glob("*/views.py"), *root.glob("*/views/*.py")]
    return sorted(path for path in found if ".venv" not in path.parts)


def steps_by_hand(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute):
            words = [node.attr]
        elif isinstance(node, ast.Name):
            words = [node.id]
        elif isinstance(node, ast.ImportFrom):
            words = [alias.name for alias in node.names]
        else:
            continue
        for word in words:
            if word in BY_HAND or word.endswith("_get_for_user_or_404"):
                found.append((node.lineno, word))
    return [f"{path.name}:{line} {word}" for line, word in sorted(found)]


def test_the_views_are_found():
    names = {f"{path.parent.name}/{path.name}" for path in view_modules()}
    assert {"teams/views.py", "views/assets.py", "views/reviews.py", "views/memos.py"} <= names


def test_no_view_fetches_checks_or_logs_by_hand():
    by_hand = [step for path in view_modules() for step in steps_by_hand(path)]
    assert by_hand == [], "use the kind's access helper (assets.access, diligence.access) instead"


def test_the_check_sees_a_step_done_by_hand(tmp_path):
    view = tmp_path / "views.py"
    view.write_text(
        "from teams.services.access_log import access_log_record\n"
        "def page(request, asset_id):\n"
        "    asset = selectors.asset_get_for_user_or_404(user=request.user, asset_id=asset_id)\n"
        "    access.require_edit(request.user, asset.team_id)\n"
    )
    assert steps_by_hand(view) == [
        "views.py:1 access_log_record",
        "views.py:3 asset_get_for_user_or_404",
        "views.py:4 require_edit",
    ]
