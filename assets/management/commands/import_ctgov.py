"""``python manage.py import_ctgov PATH... --team SLUG [--asset CODE] [--json] [--fetch NCT...] [--dry-run]``.

Each file (or fetched record) is imported on its own, all or nothing; the exit status is non-zero when any failed.
With --json, stdout has one JSON object per imported study and nothing else, so it can be piped into jq.
With --dry-run, nothing is written: the import is tried and rolled back, and the preview the browser shows before
a person confirms is printed (warnings, the findings it would raise, clear or change, then each study), or with
--json the preview as one JSON object.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assets.dry_run import dry_run
from assets.jobs.lines import registry_line
from assets.jobs.preview import preview_build, preview_text
from assets.models import Asset
from assets.registry import (
    FileOutcome,
    RegistryFetchError,
    RegistryFile,
    RegistryProblem,
    StudyOutcome,
    ctgov_fetch,
    registry_import,
)
from teams import access

if TYPE_CHECKING:
    from teams.models import DealTeam, User


class Command(BaseCommand):
    help = (
        "Import ClinicalTrials.gov records (API v2 JSON, legacy XML) and WHO ICTRP XML (the portal's export, ChiCTR's "
        "per-trial download) into a team's studies, with their sites. Re-importing a record updates its study."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", metavar="PATH", help="Registry files to import.")
        parser.add_argument("--team", required=True, help="The slug of the deal team to import into.")
        parser.add_argument("--asset", help="The code of the team's asset the studies belong to.")
        parser.add_argument("--fetch", nargs="+", default=[], metavar="NCT", help="NCT ids to fetch from the API.")
        parser.add_argument("--user", help="Username recorded in the history as the author of the changes.")
        parser.add_argument("--json", action="store_true", help="One JSON object per study on stdout.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Write nothing: print what the import would create or change, its findings and warnings.",
        )

    def handle(self, *args: object, **options: Any) -> None:
        if not options["paths"] and not options["fetch"]:
            raise CommandError("Give at least one file to import, or --fetch NCT....")
        team = self._team(options["team"])
        asset = self._asset(team, options["asset"])
        user = self._user(options["user"])
        files, failures = self._files(options["paths"], options["fetch"])
        if options["dry_run"]:
            self._preview(team=team, files=files, failures=failures, user=user, asset=asset, as_json=options["json"])
            return
        report = registry_import(team=team, files=files, user=user, asset=asset)
        outcomes = failures + report.files
        for outcome in outcomes:
            self._show(outcome, as_json=options["json"])
        failed = [outcome for outcome in outcomes if not outcome.ok]
        if not options["json"]:
            self.stdout.write(report.summary())
        if failed:
            raise CommandError(f"{len(failed)} of {len(outcomes)} files failed; nothing was written from them.")

    def _preview(
        self,
        *,
        team: DealTeam,
        files: list[RegistryFile],
        failures: list[FileOutcome],
        user: User | None,
        asset: Asset | None,
        as_json: bool,
    ) -> None:
        def tried() -> list[dict[str, Any]]:  # the lines are written inside the dry run, as the worker's are
            report = registry_import(team=team, files=files, user=user, asset=asset)
            return [registry_line(outcome, tried=True) for outcome in failures + report.files]

        lines, run = dry_run(tried)
        preview = preview_build(lines=lines, effects=run.effects)
        if as_json:
            self.stdout.write(json.dumps(preview, ensure_ascii=False, default=str))
        else:
            self.stdout.write("Dry run: nothing was written.")
            for text in preview_text(preview):
                self.stdout.write(text)
        failed = [line for line in lines if not line["ok"]]
        if failed:
            raise CommandError(f"{len(failed)} of {len(lines)} files would fail; nothing was written.")

    def _files(self, paths: list[str], nct_ids: list[str]) -> tuple[list[RegistryFile], list[FileOutcome]]:
        files, failures = [], []
        for name in paths:
            path = Path(name)
            if not path.is_file():
                failures.append(FileOutcome(name, problem=RegistryProblem(name, "", "no such file")))
                continue
            files.append(
                RegistryFile(
                    name=name, size=path.stat().st_size, read=path.read_bytes, source=path.name, origin="command"
                )
            )
        for nct_id in nct_ids:
            try:
                files.append(replace(ctgov_fetch(nct_id).as_file(), origin="command"))
            except (RegistryFetchError, ValueError) as error:
                failures.append(FileOutcome(nct_id, problem=RegistryProblem(nct_id, "", str(error))))
        return files, failures

    def _show(self, outcome: FileOutcome, *, as_json: bool) -> None:
        if outcome.problem is not None:
            self.stderr.write(f"{outcome.problem} (nothing from this file was written)")
            return
        for study in outcome.studies:
            if as_json:
                line = json.dumps(study.as_json() | {"file": outcome.name}, ensure_ascii=False)
                self.stdout.write(line)
            else:
                self.stdout.write(_line(outcome.name, study))

    def _team(self, slug: str) -> DealTeam:
        team = access.team_by_slug(slug)
        if team is None:
            raise CommandError(f"No deal team with the slug {slug!r}.")
        return team

    def _asset(self, team: DealTeam, code: str | None) -> Asset | None:
        if code is None:
            return None
        asset = Asset.objects.filter(team=team, code=code).first()
        if asset is None:
            raise CommandError(f"Team {team.slug!r} has no asset with the code {code!r}.")
        return asset

    def _user(self, username: str | None) -> User | None:
        if username is None:
            return None
        user = access.user_by_username(username)
        if user is None:
            raise CommandError(f"No user with the username {username!r}.")
        return user


def _line(name: str, outcome: StudyOutcome) -> str:
    study, sites = outcome.study, outcome.sites
    text = f"{name}: {study.registry_id} {outcome.status}: {study.get_sponsor_type_display()}, {sites.total} sites"
    text += f" ({sites.china} in China)"
    if outcome.replaced:
        text += f"; replaced the copy in {outcome.replaced}"
    if study.asset is not None:
        text += f"; asset {study.asset.code}"
        if outcome.asset_before is not None and outcome.asset_before.pk != study.asset.pk:
            text += f" (moved from {outcome.asset_before.code})"
    if outcome.changes:
        text += "; changed: " + "; ".join(f"{c.label}: {c.old} -> {c.new}" for c in outcome.changes)
    return text
