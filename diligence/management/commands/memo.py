"""``python manage.py memo CODE --team SLUG [--wait] [--inline] [--json]``: ask for a memo as the team's lead."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.models import Asset
from diligence.models import Memo
from diligence.services import memos
from teams.models import Membership


class Command(BaseCommand):
    help = "Ask for a diligence memo on an asset as the team's lead; optionally wait for a worker, or render inline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--team", required=True)
        parser.add_argument("--wait", action="store_true", help="Wait for a worker to finish it.")
        parser.add_argument("--inline", action="store_true", help="Render in this process, without a worker.")
        parser.add_argument("--timeout", type=float, default=300.0, help="Seconds to wait with --wait.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: Any) -> None:
        asset = Asset.objects.filter(team__slug=options["team"], code=options["code"]).first()
        if asset is None:
            raise CommandError(f"No asset {options['code']!r} in team {options['team']!r}.")
        lead = (
            Membership.objects.filter(team_id=asset.team_id, role=Membership.Role.LEAD).select_related("user").first()
        )
        if lead is None:
            raise CommandError(f"Team {options['team']!r} has no lead to ask for the memo.")
        memo = memos.memo_request(asset=asset, user=lead.user)
        if options["inline"]:
            memos.memo_render(memo_id=memo.pk, worker="inline")
        elif options["wait"]:
            memo = self._wait(memo, float(options["timeout"]))
        memo.refresh_from_db()
        self._report(memo, as_json=bool(options["json"]))
        if memo.status == Memo.Status.FAILED or (options["wait"] or options["inline"]) and memo.status != "ready":
            raise CommandError(f"Memo {memo.pk} is {memo.status}: {memo.error or 'not finished'}")

    def _wait(self, memo: Memo, timeout: float) -> Memo:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            memo.refresh_from_db()
            if memo.is_finished:
                return memo
            time.sleep(0.5)
        raise CommandError(f"Memo {memo.pk} was not finished within {timeout:.0f} s (is a worker running?).")

    def _report(self, memo: Memo, *, as_json: bool) -> None:
        result = {
            "memo": memo.pk,
            "version": memo.version,
            "status": memo.status,
            "pdf": memo.pdf.path if memo.pdf else None,
            "pages": memo.pages,
            "sha256": memo.sha256 or None,
            "seconds": memo.render_seconds,
            "error": memo.error or None,
        }
        if as_json:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"Memo {memo.pk} v{memo.version} on {memo.asset.code}: {memo.status}"
                + (f", {memo.pages} pages, {memo.pdf.path}" if memo.pdf else "")
            )
