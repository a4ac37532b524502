"""Registrations of one trial found across registries, for a team's studies.

Two studies are linked when either lists the other's id among its secondary ids (ids compared without case,
spaces or punctuation; a JPRN id also without its "JPRN-" prefix, and an EU register id also as its bare EudraCT
number, as other registries cite them). Otherwise a pair whose titles (English or Chinese), sponsor, investigators
and sites are alike enough is proposed as a candidate for a member to confirm or reject. A pair once decided (or
rejected) is never proposed again; a link by id is never undone by the import.

The team's studies are read once per call (one query: their ids, words and sites' hospitals), however many studies
the call brings; only when a pair is found are the pairs already known read and the new or upgraded links written,
each in one statement with its history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, OuterRef, Q, StringAgg, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assets.models import Study, StudyRegistrationLink, StudySite
from assets.registry.likeness import best_score, organisation_score, person_score
from assets.services import StaleEdit
from assets.signals import announce

if TYPE_CHECKING:
    from teams.models import User

Link = StudyRegistrationLink

# A pair scoring this much (0-100) is proposed. The title weighs most: registries copy it; sponsors, investigators
# and sites are often written differently or missing, and a part either side lacks is left out of the score.
CANDIDATE_SCORE = 85
WEIGHTS = {"title": 0.5, "sponsor": 0.2, "investigator": 0.15, "sites": 0.15}
# A title below this cannot reach CANDIDATE_SCORE even with every other part at 100.
TITLE_AT_LEAST = 2 * CANDIDATE_SCORE - 100
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_EU_REGISTER = re.compile(r"^(?:EUCTR)?(\d{4}-\d{6}-\d{2})(?:-[A-Z]{2,4})?$", re.IGNORECASE)


def id_keys(registry_id: str) -> set[str]:
    """The forms an id is cited by: JPRN-jRCT2080224769 also as jRCT2080224769, EUCTR2018-003519-24-GB also as
    2018-003519-24."""
    text = registry_id.strip()
    if not text:
        return set()
    keys = {_NOT_ALNUM.sub("", text.upper())}
    if text.upper().startswith("JPRN-"):
        keys.add(_NOT_ALNUM.sub("", text[5:].upper()))
    if match := _EU_REGISTER.match(text):
        keys.add(_NOT_ALNUM.sub("", match.group(1)))
    return {key for key in keys if key}


@dataclass
class _Registration:
    """What linking reads of one study."""

    pk: int
    asset_id: int | None
    label: str
    own: set[str]
    cited: dict[str, str]  # key -> the secondary id as the study lists it
    titles: list[str]
    sponsor: str
    people: list[str]
    hospitals: set[int]

    @classmethod
    def of(cls, row: Mapping[str, Any], hospitals: set[int]) -> _Registration:
        ids = [row["nct_id"], row["chictr_id"], row["ctr_id"], row["other_registry_id"]]
        cited = {key: text for text in row["secondary_ids"] if isinstance(text, str) for key in id_keys(text)}
        people = [o.get("name", "") for o in row["overall_officials"] if isinstance(o, dict)]
        return cls(
            pk=row["pk"],
            asset_id=row["asset_id"],
            label=next((i for i in ids if i), row["title"][:60]),
            own={key for registry_id in ids for key in id_keys(registry_id)},
            cited=cited,
            titles=[row["title"], row["official_title"]],
            sponsor=row["sponsor_name"],
            people=people,
            hospitals=hospitals,
        )

    def cites(self, other: _Registration) -> str:
        """The secondary id by which this registration names the other, or ""."""
        return next((self.cited[key] for key in sorted(other.own & self.cited.keys())), "")


def score(first: _Registration, second: _Registration) -> tuple[int | None, dict[str, int]]:
    """The weighted score of a pair (None without titles to compare) and each part's own score."""
    title = best_score(first.titles, second.titles)
    if title is None or title < TITLE_AT_LEAST:
        return None, {}  # cannot reach the threshold whatever the other parts: they are not scored
    parts: dict[str, int | None] = {
        "title": title,
        "sponsor": organisation_score(first.sponsor, second.sponsor),
        "investigator": person_score(first.people, second.people),
        "sites": _overlap(first.hospitals, second.hospitals),
    }
    known = {name: value for name, value in parts.items() if value is not None}
    if "title" not in known:
        return None, known
    weight = sum(WEIGHTS[name] for name in known)
    return round(sum(WEIGHTS[name] * value for name, value in known.items()) / weight), known


def _overlap(first: set[int], second: set[int]) -> int | None:
    if not first or not second:
        return None
    return round(100 * len(first & second) / len(first | second))


def registration_links_refresh(*, team_id: int, study_ids: Iterable[int], user: User | None) -> list[Link]:
    """Link the given studies to the team's other studies that register the same trial, or propose candidates.
    Returns the links created or changed; the findings of the assets they touch hear of it."""
    wanted = set(study_ids)
    if not wanted:
        return []
    registrations = _team_registrations(team_id)
    found: list[Link] = []
    for pk in sorted(wanted):
        mine = registrations.get(pk)
        if mine is None:
            continue
        for other in registrations.values():
            if other.pk == pk or (other.pk in wanted and other.pk < pk):
                continue  # each pair once
            first, second = sorted((mine, other), key=lambda r: r.pk)
            if (judged := _judge(first, second)) is not None:
                found.append(judged)
    if not found:
        return []
    pairs = Q(first_id__in=wanted) | Q(second_id__in=wanted)
    existing = {(link.first_id, link.second_id): link for link in Link.objects.filter(pairs, team_id=team_id)}
    created: list[Link] = []
    upgraded: list[Link] = []
    for judged in found:
        current = existing.get((judged.first_id, judged.second_id))
        if current is None:
            judged.team_id = team_id
            created.append(judged)
        elif current.status == Link.Status.CANDIDATE and judged.status == Link.Status.LINKED:
            current.status, current.basis, current.evidence = judged.status, judged.basis, judged.evidence
            current.version += 1
            upgraded.append(current)
    if created:
        bulk_create_with_history(created, Link, default_user=user)
    if upgraded:
        bulk_update_with_history(upgraded, Link, ["status", "basis", "evidence", "version"], default_user=user)
    touched = created + upgraded
    assets = {r.asset_id for link in touched for r in (registrations[link.first_id], registrations[link.second_id])}
    if any(link.status == Link.Status.LINKED for link in touched):
        announce(sender=Link, team_id=team_id, asset_ids={a for a in assets if a is not None})
    return touched


def _judge(first: _Registration, second: _Registration) -> Link | None:
    """A link by id, a scored candidate, or None."""
    for citing, cited in ((first, second), (second, first)):
        if listed := citing.cites(cited):
            evidence = f"{citing.label} lists {listed} as a secondary id"
            return Link(first_id=first.pk, second_id=second.pk, basis=Link.Basis.SECONDARY_ID, evidence=evidence,
                        status=Link.Status.LINKED)  # fmt: skip
    total, parts = score(first, second)
    if total is None or total < CANDIDATE_SCORE:
        return None
    alike = [name for name, value in parts.items() if value >= CANDIDATE_SCORE]
    return Link(
        first_id=first.pk,
        second_id=second.pk,
        basis=Link.Basis.SCORED,
        evidence=f"alike on {', '.join(alike)}" if alike else "alike on the whole",
        score=total,
        score_parts=parts,
        status=Link.Status.CANDIDATE,
    )


def _team_registrations(team_id: int) -> dict[int, _Registration]:
    """The team's studies as linking reads them, with their sites' hospitals, in one query."""
    hospitals = (
        StudySite.objects.filter(study=OuterRef("pk"))
        .values("study")
        .annotate(ids=StringAgg(Cast("hospital_id", CharField()), delimiter=Value(",")))
        .values("ids")
    )
    rows = Study.objects.filter(team_id=team_id).values(
        "pk", "asset_id", "nct_id", "chictr_id", "ctr_id", "other_registry_id", "secondary_ids", "title",
        "official_title", "sponsor_name", "overall_officials", hospital_ids=Subquery(hospitals),
    )  # fmt: skip
    return {
        row["pk"]: _Registration.of(row, {int(i) for i in (row["hospital_ids"] or "").split(",") if i}) for row in rows
    }


@transaction.atomic
def registration_link_decide(*, link_id: int, confirm: bool, expected_version: int, user: User) -> Link:
    """A member's answer: the two registrations are one trial (linked), or not (rejected, and never proposed again).
    A version other than the one the member saw is refused (``StaleEdit``): someone decided meanwhile."""
    link = Link.objects.select_for_update(of=("self",)).select_related("first", "second").filter(pk=link_id).first()
    if link is None:  # its study was deleted meanwhile
        raise ValidationError("This pair is no longer on record.")
    if link.version != expected_version:
        raise StaleEdit(link)
    status = Link.Status.LINKED if confirm else Link.Status.REJECTED
    if confirm and link.status != Link.Status.CANDIDATE:
        raise ValidationError("Only a candidate can be confirmed; this pair has been decided already.")
    if link.status == status:
        raise ValidationError("This pair has been decided so already.")
    was_linked = link.status == Link.Status.LINKED
    link.status, link.decided_by, link.decided_at = status, user, timezone.now()
    link.version += 1
    link._history_user = user  # type: ignore[attr-defined]
    link.save()
    if confirm or was_linked:  # the findings read linked pairs only
        assets = {link.first.asset_id, link.second.asset_id} - {None}
        announce(sender=Link, team_id=link.team_id, asset_ids={a for a in assets if a is not None})
    return link
