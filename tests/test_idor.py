"""IDOR probes: every object id a request carries, swapped for another team's, gets 404 or a form error.

The attacker is a legitimate user of one team, acting on their own team's URLs (or guessing the other team's), who
puts the other team's ids where ids go: in the URL path, in the query string, in form fields, and in the requests
htmx makes. The ids come from reading the views, forms and URLs:

- path: every routed parameter that names a team's object (the URL walk's PARAMS), each method the view accepts;
- query: ``?against=`` on the memo diff (a memo id), ``?team=`` on the asset list and the new-asset page, searches
  for another team's codes and registry ids, and filters the views do not read (``?assignee=``, ``?study=``,
  ``?asset=``, ``?review=``), which must change nothing;
- form: the item assignee, the bulk edit's items and assignee, the team (and asset) of a new asset, a dossier
  upload and a registry import or fetch; and the parent ids a fact form does not have but an attacker can add
  (``study``, ``study_site``, ``deal``, ``asset``, ``team``, ``hospital``, ``item``, ``memo``, ``finding``), and a
  template version id on a checklist upgrade;
- htmx: every path probe again as htmx sends it, and the htmx posts of the item editor and the registry import.
  (No template sends ``hx-vals``; htmx requests carry ids only in their URLs and forms.)

For each: the answer is 404, or a form error (200 or 400, or back to the page with the error as a message), the
other team's objects are exactly as they were (every field of every row it owns), no object of one team now points
at another's, and nothing of the other team (codes, names, titles, registry and filing numbers, emails, file names,
digests) appears in the answer. Where a form error is expected, the same request with the attacker's own id is
sent too and must write: the probe exercises a live path, not one that refuses everything.

Stored evidence and memo files are not reachable by path for anyone, the owning team included: only the
access-checked download views serve them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Exists, F, Model, OuterRef, QuerySet
from django.forms import BaseForm
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assets import forms as fact_forms
from assets.jobs.services import import_job_confirm, import_job_run
from assets.kinds import KINDS
from assets.models import Asset, Company, EfficacyClaim, EthicsApproval, ImportJob, Milestone, Study, StudySite
from assets.registry.fetch import FetchedRecord
from diligence.models import (
    AnswerFile,
    CounterpartyRequest,
    Evidence,
    EvidenceDownload,
    Finding,
    ItemComment,
    Memo,
    MemoComment,
    MemoDownload,
    Notification,
    RequestList,
    RequestMessage,
    Review,
    ReviewItem,
    TeamWebhook,
    TemplateVersion,
    WebhookDelivery,
)
from diligence.services.checklists import template_new_draft
from teams.models import AccessLogEntry, DealTeam, Membership
from tests.conftest import MINIMAL_PDF, PhoenixFacts, World, client_for
from tests.urlwalk import (
    PARAMS,
    ROLES,
    Route,
    declared_methods,
    iter_routes,
    registration_link_of,
    registry_version_of,
)

pytestmark = pytest.mark.django_db

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
REGISTRY_FILE = Path(__file__).resolve().parent / "fixtures" / "registry" / "ctgov_sparse.json"
DOSSIER_EXAMPLE = Path(settings.BASE_DIR) / "assets" / "dossier" / "example.json"
FACT_MODELS = [kind.model for kind in KINDS]


# --- the two teams' objects ----------------------------------------------------------------------------------


def build_atlas(world: World) -> PhoenixFacts:
    """Atlas's own asset with one of every fact, shaped like phoenix's, with values of its own throughout."""
    return PhoenixFacts.build(
        world.atlas,
        contact=world.counterparty_elsewhere.counterparty_contact,
        evidence_name="atlas-minutes.pdf",
        answer_name="atlas-reply.pdf",
        asset={"code": "ATL-7", "name": "Atlas bispecific"},
        study={"nct_id": "NCT05550007", "title": "Atlas first-in-human bispecific study"},
        site={"hospital__name_en": "Harbour Hospital of Ningbo", "hospital__name_zh": "阿特拉斯医院"},
        deal={"counterparty": "Atlas counterparty"},
        claim={"endpoint": "CR rate"},
        ethics={"reference_number": "ATL-EC-1"},
        hgr={"reference_number": "ATL-HGR-1"},
        nhc={"filing_number": "ATL-NHC-1"},
        ind={"number": "ATL-IND-1"},
        milestone={"event": "ATL milestone"},
    )


@dataclass
class Side:
    """One team as a target: its objects, a user of it who edits, and what of it must never show elsewhere."""

    name: str
    team: DealTeam
    facts: PhoenixFacts
    editor: str  # a role of the world who may edit this team's data

    def markers(self) -> list[str]:
        x = self.facts
        emails = Membership.objects.filter(team=self.team).values_list("user__email", flat=True)
        return [
            self.team.name,
            x.asset.code,
            x.asset.name,
            x.study.title,
            x.study.nct_id,
            x.hgr.reference_number,
            x.ethics.reference_number,
            x.nhc.filing_number,
            x.ind.number,
            x.milestone.event,
            x.evidence_file.original_name,
            x.evidence_file.sha256,
            x.memo.sha256,
            x.answer_file.original_name,
            x.import_job.results[0]["name"],
            x.counterparty_request.text,
            x.request_list.contact.organisation,
            *emails,
        ]

    def url_params(self) -> dict[str, object]:
        """The URL walk's parameters filled with this team's objects."""
        x = self.facts
        return {
            "team_slug": self.team.slug,
            "asset_id": x.asset.pk,
            "study_id": x.study.pk,
            "claim_id": x.claim.pk,
            "evidence_id": x.evidence.pk,
            "site_id": x.site.pk,
            "ethics_id": x.ethics.pk,
            "hgr_id": x.hgr.pk,
            "nhc_id": x.nhc.pk,
            "ind_id": x.ind.pk,
            "deal_id": x.deal.pk,
            "milestone_id": x.milestone.pk,
            "royalty_id": x.royalty.pk,
            "plan_id": x.plan.pk,
            "review_id": x.review.pk,
            "item_id": x.review_item.pk,
            "evidence_file_id": x.evidence_file.pk,
            "finding_id": x.finding.pk,
            "memo_id": x.memo.pk,
            "request_list_id": x.request_list.pk,
            "counterparty_request_id": x.counterparty_request.pk,
            "answer_file_id": x.answer_file.pk,
            "import_job_id": x.import_job.pk,
            "registry_version_id": registry_version_of(x.study).pk,
            "hospital_id": x.site.hospital_id,
            "registration_link_id": registration_link_of(self.team, x.study).pk,
        }


@dataclass
class Arena:
    world: World
    phoenix: Side
    atlas: Side
    # Each team's counterparty contact as an attacker: phoenix's, and atlas's (a counterparty of another asset).
    phoenix_contact: Side
    atlas_contact: Side
    states: dict[int, dict] = field(default_factory=dict)  # each team's state as last read, by team id
    clients: dict[str, Client] = field(default_factory=dict)

    def side(self, name: str) -> Side:
        return {s.name: s for s in (self.phoenix, self.atlas, self.phoenix_contact, self.atlas_contact)}[name]

    def client(self, side: Side) -> Client:
        """The side's editor, logged in once (a client per request would load the middleware each time)."""
        if side.name not in self.clients:
            self.clients[side.name] = client_for(self.world.user(side.editor))
        return self.clients[side.name]

    def other(self, side: Side) -> Side:
        return self.atlas if side.team == self.phoenix.team else self.phoenix

    def state_before(self, team: DealTeam) -> dict:
        """The state as the previous probe left it (a probe that changed it has already been reported)."""
        if team.pk not in self.states:
            self.states[team.pk] = team_state(team)
        return self.states[team.pk]

    def state_now(self, team: DealTeam) -> dict:
        self.states[team.pk] = team_state(team)
        return self.states[team.pk]


@pytest.fixture
def arena(world: World) -> Arena:
    assert world.facts.finding is not None
    # Phoenix's registry id is the one the import page shows as an example; give it one of its own to look for.
    Study.objects.filter(pk=world.facts.study.pk).update(nct_id="NCT04440001")
    world.facts.study.refresh_from_db()
    atlas = build_atlas(world)
    assert atlas.finding is not None, "atlas's facts raise at least one finding to probe with"
    for team in (world.phoenix, world.atlas):  # a webhook each, to switch off (posts would wait for a commit)
        TeamWebhook.objects.create(team=team, url=f"https://{team.slug}.example/hook", secret=team.slug)
    return Arena(
        world=world,
        phoenix=Side("phoenix", world.phoenix, world.facts, editor="lead"),
        atlas=Side("atlas", world.atlas, atlas, editor="outsider"),
        phoenix_contact=Side("phoenix-contact", world.phoenix, world.facts, editor="counterparty"),
        atlas_contact=Side("atlas-contact", world.atlas, atlas, editor="counterparty_elsewhere"),
    )


# --- what must not change ------------------------------------------------------------------------------------

OWNED: list[tuple[type[Model], str]] = [
    (Asset, "team"),
    (Company, "team"),
    *((model, model.team_path) for model in FACT_MODELS if model.team_path),
    (Review, "team"),
    (ReviewItem, "review__team"),
    (ItemComment, "item__review__team"),
    (Evidence, Evidence.team_path),
    (EvidenceDownload, "evidence__item__review__team"),
    (Finding, "team"),
    (Memo, "team"),
    (MemoComment, "memo__team"),
    (MemoDownload, "memo__team"),
    (Notification, "team"),
    (AccessLogEntry, "team"),
    (RequestList, "team"),
    (CounterpartyRequest, CounterpartyRequest.team_path),
    (RequestMessage, RequestMessage.team_path),
    (AnswerFile, AnswerFile.team_path),
    (TeamWebhook, "team"),
    (WebhookDelivery, WebhookDelivery.team_path),
    (ImportJob, "team"),
]


def team_state(team: DealTeam) -> dict[str, list[Mapping[str, object]]]:
    """Every field of every row the team owns, and its memberships: any write shows as a difference."""
    state: dict[str, list[Mapping[str, object]]] = {
        model.__name__: list(model._default_manager.filter(**{path: team}).order_by("pk").values())
        for model, path in OWNED
    }
    state["Membership"] = list(Membership.objects.filter(team=team).order_by("pk").values())
    return state


def cross_team_references() -> list[str]:
    """Objects of one team pointing at another team's objects or people. (A fact under a study or a deal belongs to
    its parent's team by construction; that it hangs under the right parent is each probe's ``then`` check.)"""
    found = []
    stray: QuerySet[Any]
    for model in (Study, Review, Memo, Finding):
        stray = model.objects.filter(asset__isnull=False).exclude(team=F("asset__team"))
        found += [f"{model.__name__} {pk} is not in its asset's team" for pk in stray.values_list("pk", flat=True)]
    on_team = Membership.objects.filter(user=OuterRef("assignee"), team=OuterRef("review__team"))
    stray = ReviewItem.objects.filter(assignee__isnull=False).exclude(Exists(on_team))
    found += [f"ReviewItem {pk} is assigned outside its team" for pk in stray.values_list("pk", flat=True)]
    stray = Asset.objects.filter(originator__isnull=False).exclude(team=F("originator__team"))
    found += [f"Asset {pk}'s originator is another team's company" for pk in stray.values_list("pk", flat=True)]
    stray = Study.objects.filter(funding_company__isnull=False).exclude(team=F("funding_company__team"))
    found += [f"Study {pk}'s funder is another team's company" for pk in stray.values_list("pk", flat=True)]
    return found


# --- the probes ----------------------------------------------------------------------------------------------

Data = Callable[[Arena, Side, Side], dict[str, object]]  # (arena, attacker's side, victim's side) -> POST data


@dataclass(frozen=True)
class Probe:
    """One request by a user of ``attacker``'s team carrying an id of the victim's team."""

    name: str
    kind: str  # path, query, form, htmx
    method: str
    url: Callable[[Arena, Side, Side], str]
    data: Data | None = None
    htmx: bool = False
    expect: str = "404"  # "404"; "refused": a form error; "ignored": the id plays no part in what is written
    error: str = ""  # the form error shown, when refused
    control: Data | None = None  # the same request with the attacker's own id: it must write
    then: Callable[[Arena, Side, Side], str | None] | None = None  # a further check on an ignored id
    attacker: str = "atlas"


def form_data(form: BaseForm, *, skip: tuple[str, ...] = ()) -> dict[str, object]:
    """What the browser posts for a form as rendered: each field's current value, by its prefixed name."""
    data: dict[str, object] = {}
    for bound in form:
        if bound.name in skip:
            continue
        value = bound.value()
        if value is None:
            continue
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    return data


def item_data(item: ReviewItem, **changes: object) -> dict[str, object]:
    from diligence.forms import ReviewItemForm

    item = ReviewItem.objects.select_related("review").get(pk=item.pk)  # its version now, as a fresh page has it
    data = form_data(ReviewItemForm(item=item))
    data.update({f"item-{item.pk}-{name}": value for name, value in changes.items()})
    return data


def dossier_upload_data(team: DealTeam, code: str) -> dict[str, object]:
    example = json.loads(DOSSIER_EXAMPLE.read_text())
    asset = {**example["asset"], "code": code, "name": f"Dossier asset {code}", "originator": None}
    document = {"format": example["format"], "version": example["version"], "asset": asset}
    upload = SimpleUploadedFile(f"{code}.json", json.dumps(document).encode(), content_type="application/json")
    return {"team": team.pk, "file": upload}


_registry_ids = itertools.count(1)


def registry_record(nct_id: str | None = None) -> bytes:
    """The recorded registry file under a registry id never used before, so each import writes something new."""
    nct_id = nct_id or f"NCT0998{next(_registry_ids):04d}"
    return REGISTRY_FILE.read_bytes().replace(b"NCT09990003", nct_id.encode())


def _fresh_nct() -> str:
    return f"NCT0997{next(_registry_ids):04d}"


def registry_file() -> SimpleUploadedFile:
    return SimpleUploadedFile(REGISTRY_FILE.name, registry_record(), content_type="application/json")


def _created_under(model: type[Model], parent_field: str, parent: Callable[[Side], Model]):
    """``then`` check: the newest object of ``model`` hangs under the attacker's own parent, not the victim's."""

    def check(a: Arena, me: Side, them: Side) -> str | None:
        newest = model._default_manager.order_by("-pk").first()
        expected = parent(me)
        if newest is None or getattr(newest, f"{parent_field}_id") != expected.pk:
            return f"the new {model.__name__} is not under {me.name}'s {parent_field}"
        return None

    return check


def _review_version_kept(a: Arena, me: Side, them: Side) -> str | None:
    review = Review.objects.get(pk=me.facts.review.pk)
    return None if review.template_version.is_published else "the review moved to an unpublished version"


def query_probes() -> list[Probe]:
    def memo_diff(a: Arena, me: Side, them: Side) -> str:
        return f"{reverse('diligence:memo_diff', args=[me.facts.memo.pk])}?against={them.facts.memo.pk}"

    def review_filtered(param: str, value: Callable[[Side], object]):
        return lambda a, me, them: (
            f"{reverse('diligence:review_detail', args=[me.facts.review.pk])}?{param}={value(them)}"
        )

    def asset_list(query: Callable[[Side], str]):
        return lambda a, me, them: f"{reverse('assets:asset_list')}?{query(them)}"

    probes = []
    for attacker in ("atlas", "phoenix"):
        probes += [
            Probe("memo diff against the other team's memo", "query", "GET", memo_diff, expect="ignored",
                  attacker=attacker),
            Probe("memo diff against it, as htmx", "htmx", "GET", memo_diff, htmx=True, expect="ignored",
                  attacker=attacker),
            Probe("memo diff against an id that is not a number", "query", "GET",
                  lambda a, me, them:
                      f"{reverse('diligence:memo_diff', args=[me.facts.memo.pk])}?against={them.facts.memo.pk}x",
                  expect="ignored", attacker=attacker),
            Probe("asset list ?team= the other team", "query", "GET", asset_list(lambda t: f"team={t.team.slug}"),
                  expect="ignored", attacker=attacker),
            Probe("asset list ?team=, as htmx", "htmx", "GET", asset_list(lambda t: f"team={t.team.slug}"),
                  htmx=True, expect="ignored", attacker=attacker),
            Probe("asset list searched for the other team's code", "query", "GET",
                  asset_list(lambda t: f"q={quote(t.facts.asset.code)}"), expect="ignored", attacker=attacker),
            Probe("asset list searched for its registry id", "query", "GET",
                  asset_list(lambda t: f"q={t.facts.study.nct_id}"), expect="ignored", attacker=attacker),
            Probe("new asset ?team= the other team", "query", "GET",
                  lambda a, me, them: f"{reverse('assets:asset_create')}?team={them.team.slug}", expect="ignored",
                  attacker=attacker),
            Probe("review ?assignee= a user of the other team", "query", "GET",
                  review_filtered("assignee", lambda t: Membership.objects.filter(team=t.team)[0].user_id),
                  expect="ignored", attacker=attacker),
            Probe("review ?study= the other team's study", "query", "GET",
                  review_filtered("study", lambda t: t.facts.study.pk), expect="ignored", attacker=attacker),
            Probe("review ?item= its item, as htmx", "htmx", "GET",
                  review_filtered("item", lambda t: t.facts.review_item.pk), htmx=True, expect="ignored",
                  attacker=attacker),
            Probe("findings ?asset= the other team's asset", "query", "GET",
                  lambda a, me, them: f"{reverse('diligence:asset_findings', args=[me.facts.asset.pk])}?asset="
                  f"{them.facts.asset.pk}&resolved=1", expect="ignored", attacker=attacker),
            Probe("memos ?review= the other team's review", "query", "GET",
                  lambda a, me, them: f"{reverse('diligence:asset_memos', args=[me.facts.asset.pk])}?review="
                  f"{them.facts.review.pk}", expect="ignored", attacker=attacker),
            Probe("the other team's hospital in the shared directory", "query", "GET",
                  lambda a, me, them: reverse("assets:hospital_detail", args=[them.facts.site.hospital_id]),
                  expect="ignored", attacker=attacker),
            Probe("the directory searched for the other team's hospital", "query", "GET",
                  lambda a, me, them: f"{reverse('assets:hospital_list')}?q={quote(them.facts.site.hospital.name_en)}",
                  expect="ignored", attacker=attacker),
        ]  # fmt: skip
    return probes


def form_probes() -> list[Probe]:
    def item_edit(a: Arena, me: Side, them: Side) -> str:
        return reverse("diligence:review_item_edit", args=[me.facts.review_item.pk])

    def their_user(them: Side) -> int:
        return Membership.objects.filter(team=them.team).order_by("pk")[0].user_id

    def my_user(a: Arena, me: Side) -> int:
        editor = a.world.user(me.editor)
        assert editor is not None  # an editor is a signed-in role
        return editor.pk

    def bulk(a: Arena, me: Side, them: Side) -> str:
        return reverse("diligence:review_bulk_edit", args=[me.facts.review.pk])

    def my_items(me: Side, n: int = 2) -> list[int]:
        return list(me.facts.review.items.order_by("pk").values_list("pk", flat=True)[:n])

    def their_items(them: Side, n: int = 2) -> list[int]:
        return list(them.facts.review.items.order_by("pk").values_list("pk", flat=True)[:n])

    def request_create(a: Arena, me: Side, them: Side) -> str:
        return reverse("diligence:request_create", args=[me.facts.review_item.pk])

    def bulk_requests(a: Arena, me: Side, them: Side) -> str:
        return reverse("diligence:request_bulk_create", args=[me.facts.review.pk])

    def webhook_off(a: Arena, me: Side, them: Side) -> str:
        return reverse("diligence:webhook_deactivate_edit", args=[me.team.slug])

    def hook_of(side: Side) -> int:
        return TeamWebhook.objects.get(team=side.team).pk

    choice = "Select a valid choice"
    probes = [
        # Webhooks are the lead's: phoenix's lead attacks (atlas's editor is a member, who gets 404 on the page).
        Probe("switch off the other team's webhook", "form", "POST", webhook_off,
              data=lambda a, me, them: {"webhook": hook_of(them)},
              expect="refused", error="Choose one of this team&#x27;s webhooks", attacker="phoenix",
              control=lambda a, me, them: {"webhook": hook_of(me)}),
    ]  # fmt: skip
    for attacker in ("atlas", "phoenix"):
        probes += [
            Probe("request to the other team's request list", "form", "POST", request_create,
                  data=lambda a, me, them: {"request_list": them.facts.request_list.pk, "text": "probe",
                                            "priority": "normal"},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"request_list": me.facts.request_list.pk, "text": "probe",
                                               "priority": "normal"}),
            Probe("requests in bulk to the other team's list", "form", "POST", bulk_requests,
                  data=lambda a, me, them: {"items": my_items(me), "request_list": them.facts.request_list.pk,
                                            "priority": "normal", "confirm": "1"},
                  expect="refused", error="Select items and a contact", attacker=attacker,
                  control=lambda a, me, them: {"items": my_items(me), "request_list": me.facts.request_list.pk,
                                               "priority": "normal", "confirm": "1"}),
            Probe("requests in bulk from the other team's items", "form", "POST", bulk_requests,
                  data=lambda a, me, them: {"items": their_items(them), "request_list": me.facts.request_list.pk,
                                            "priority": "normal", "confirm": "1"},
                  expect="refused", error="Select items and a contact", attacker=attacker,
                  control=lambda a, me, them: {"items": my_items(me), "request_list": me.facts.request_list.pk,
                                               "priority": "normal", "confirm": "1"}),
            Probe("item assignee: a user of the other team", "form", "POST", item_edit,
                  data=lambda a, me, them: item_data(me.facts.review_item, assignee=their_user(them)),
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: item_data(me.facts.review_item, assignee=my_user(a, me))),
            Probe("item assignee: a user of the other team, as htmx", "htmx", "POST", item_edit, htmx=True,
                  data=lambda a, me, them: item_data(me.facts.review_item, assignee=their_user(them)),
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: item_data(me.facts.review_item, assignee=my_user(a, me))),
            Probe("bulk edit: the other team's items", "form", "POST", bulk,
                  data=lambda a, me, them: {"items": their_items(them), "assignee": my_user(a, me)},
                  expect="refused", error="Some of the selected items are not on this checklist", attacker=attacker,
                  control=lambda a, me, them: {"items": my_items(me), "assignee": my_user(a, me)}),
            Probe("bulk edit: own and the other team's items mixed", "form", "POST", bulk,
                  data=lambda a, me, them: {"items": my_items(me, 1) + their_items(them, 1), "due_on": "2031-01-31"},
                  expect="refused", error="Some of the selected items are not on this checklist", attacker=attacker,
                  control=lambda a, me, them: {"items": my_items(me, 1), "due_on": "2031-01-31"}),
            Probe("bulk edit: assignee a user of the other team", "form", "POST", bulk,
                  data=lambda a, me, them: {"items": my_items(me), "assignee": their_user(them)},
                  expect="refused", error="Assign the items to a member of this deal team.",
                  attacker=attacker,
                  control=lambda a, me, them: {"items": my_items(me), "assignee": my_user(a, me)}),
            Probe("new asset in the other team", "form", "POST", lambda a, me, them: reverse("assets:asset_create"),
                  data=lambda a, me, them: {"team": them.team.pk, "code": f"X-{me.name}", "name": "Probe asset",
                                            "modality": "car_t"},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"team": me.team.pk, "code": f"X-{me.name}", "name": "Probe asset",
                                               "modality": "car_t"}),
            Probe("dossier upload into the other team", "form", "POST",
                  lambda a, me, them: reverse("assets:dossier_upload"),
                  data=lambda a, me, them: dossier_upload_data(them.team, f"DOS-{me.name}"),
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: dossier_upload_data(me.team, f"DOS-{me.name}")),
            Probe("registry import into the other team", "form", "POST",
                  lambda a, me, them: reverse("assets:registry_import"),
                  data=lambda a, me, them: {"team": them.team.pk, "files": [registry_file()]},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"team": me.team.pk, "files": [registry_file()]}),
            Probe("registry import onto the other team's asset", "form", "POST",
                  lambda a, me, them: reverse("assets:registry_import"),
                  data=lambda a, me, them: {"team": me.team.pk, "asset": them.facts.asset.pk,
                                            "files": [registry_file()]},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"team": me.team.pk, "asset": me.facts.asset.pk,
                                               "files": [registry_file()]}),
            Probe("registry import onto the other team's asset, as htmx", "htmx", "POST",
                  lambda a, me, them: reverse("assets:registry_import"), htmx=True,
                  data=lambda a, me, them: {"team": me.team.pk, "asset": them.facts.asset.pk,
                                            "files": [registry_file()]},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"team": me.team.pk, "asset": me.facts.asset.pk,
                                               "files": [registry_file()]}),
            Probe("registry fetch into the other team", "form", "POST",
                  lambda a, me, them: reverse("assets:registry_fetch"),
                  data=lambda a, me, them: {"fetch-team": them.team.pk, "fetch-nct_id": _fresh_nct()},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"fetch-team": me.team.pk, "fetch-nct_id": _fresh_nct()}),
            Probe("registry fetch onto the other team's asset", "form", "POST",
                  lambda a, me, them: reverse("assets:registry_fetch"),
                  data=lambda a, me, them: {"fetch-team": me.team.pk, "fetch-asset": them.facts.asset.pk,
                                            "fetch-nct_id": _fresh_nct()},
                  expect="refused", error=choice, attacker=attacker,
                  control=lambda a, me, them: {"fetch-team": me.team.pk, "fetch-asset": me.facts.asset.pk,
                                               "fetch-nct_id": _fresh_nct()}),
            # Ids a form does not have, added by hand: the parent comes from the URL (checked), never the body.
            Probe("new claim with study= the other team's study", "form", "POST",
                  lambda a, me, them: reverse("assets:claim_create", args=[me.facts.study.pk]),
                  data=lambda a, me, them: {
                      **form_data(fact_forms.EfficacyClaimForm(instance=me.facts.claim), skip=("version",)),
                      "study": them.facts.study.pk},
                  expect="ignored", attacker=attacker,
                  then=_created_under(EfficacyClaim, "study", lambda s: s.facts.study)),
            Probe("new study with asset= and team= the other team's", "form", "POST",
                  lambda a, me, them: reverse("assets:study_create", args=[me.facts.asset.pk]),
                  data=lambda a, me, them: {
                      **form_data(fact_forms.StudyForm(instance=me.facts.study), skip=("version",)),
                      "nct_id": f"NCT0777000{len(me.name)}", "asset": them.facts.asset.pk, "team": them.team.pk},
                  expect="ignored", attacker=attacker, then=_created_under(Study, "asset", lambda s: s.facts.asset)),
            Probe("new site with study= and hospital= the other team's", "form", "POST",
                  lambda a, me, them: reverse("assets:site_create", args=[me.facts.study.pk]),
                  data=lambda a, me, them: {
                      **form_data(fact_forms.StudySiteForm(instance=me.facts.site), skip=("version",)),
                      "hospital_name_en": f"Probe Hospital {me.name}", "hospital_city": "Wuhan",
                      "study": them.facts.study.pk, "hospital": them.facts.site.hospital_id},
                  expect="ignored", attacker=attacker,
                  then=_created_under(StudySite, "study", lambda s: s.facts.study)),
            Probe("new ethics approval with study_site= the other team's site", "form", "POST",
                  lambda a, me, them: reverse("assets:ethics_create", args=[me.facts.site.pk]),
                  data=lambda a, me, them: {
                      **form_data(fact_forms.EthicsApprovalForm(instance=me.facts.ethics), skip=("version",)),
                      "reference_number": f"EC-PROBE-{me.name}", "study_site": them.facts.site.pk},
                  expect="ignored", attacker=attacker,
                  then=_created_under(EthicsApproval, "study_site", lambda s: s.facts.site)),
            Probe("new milestone with deal= the other team's deal", "form", "POST",
                  lambda a, me, them: reverse("assets:milestone_create", args=[me.facts.deal.pk]),
                  data=lambda a, me, them: {
                      **form_data(fact_forms.MilestoneForm(instance=me.facts.milestone), skip=("version",)),
                      "event": f"Probe milestone {me.name}", "deal": them.facts.deal.pk},
                  expect="ignored", attacker=attacker,
                  then=_created_under(Milestone, "deal", lambda s: s.facts.deal)),
            Probe("asset edit with team= the other team", "form", "POST",
                  lambda a, me, them: reverse("assets:asset_edit", args=[me.facts.asset.pk]),
                  data=lambda a, me, them: {**form_data(fact_forms.AssetForm(instance=me.facts.asset)),
                                            "team": them.team.pk},
                  expect="ignored", attacker=attacker,
                  then=lambda a, me, them: None if Asset.objects.get(pk=me.facts.asset.pk).team_id == me.team.pk
                  else "the asset moved team"),
            Probe("item comment with item= the other team's item", "form", "POST",
                  lambda a, me, them: reverse("diligence:item_comment_create", args=[me.facts.review_item.pk]),
                  data=lambda a, me, them: {"body": "probe comment", "item": them.facts.review_item.pk},
                  expect="ignored", attacker=attacker,
                  then=_created_under(ItemComment, "item", lambda s: s.facts.review_item)),
            Probe("evidence upload with item= the other team's item, as htmx", "htmx", "POST",
                  lambda a, me, them: reverse("diligence:evidence_create", args=[me.facts.review_item.pk]), htmx=True,
                  data=lambda a, me, them: {"file": SimpleUploadedFile("probe.pdf", MINIMAL_PDF),
                                            "item": them.facts.review_item.pk},
                  expect="ignored", attacker=attacker,
                  then=_created_under(Evidence, "item", lambda s: s.facts.review_item)),
            Probe("memo comment with memo= the other team's memo", "form", "POST",
                  lambda a, me, them: reverse("diligence:memo_comment_create", args=[me.facts.memo.pk]),
                  data=lambda a, me, them: {"body": "probe comment", "section": "general",
                                            "memo": them.facts.memo.pk},
                  expect="ignored", attacker=attacker,
                  then=_created_under(MemoComment, "memo", lambda s: s.facts.memo)),
            Probe("finding status with finding= the other team's finding", "form", "POST",
                  lambda a, me, them: reverse("diligence:finding_status_edit", args=[me.facts.finding.pk]),
                  data=lambda a, me, them: {"status": "acknowledged", "note": "probe",
                                            "finding": them.facts.finding.pk},
                  expect="ignored", attacker=attacker),
            Probe("checklist upgrade naming an unpublished template version", "form", "POST",
                  lambda a, me, them: reverse("diligence:review_upgrade", args=[me.facts.review.pk]),
                  data=lambda a, me, them: {"version": _draft_version(me).pk,
                                            "template_version": _draft_version(me).pk},
                  expect="ignored", attacker=attacker, then=_review_version_kept),
        ]  # fmt: skip
    return probes


def _draft_version(side: Side) -> TemplateVersion:
    template = side.facts.review.template
    draft = template.versions.filter(status=TemplateVersion.Status.DRAFT).first()
    return draft or template_new_draft(template=template, user=None)


ATTACK_BODY: dict[str, object] = {
    "version": "1",
    "status": "acknowledged",
    "note": "probe",
    "notes": "probe",
    "body": "probe comment",
    "decision": "approve",
    "section": "general",
    "code": "PROBE-1",
    "name": "Probe",
    "endpoint": "ORR",
}


def path_probes() -> list[Probe]:
    """Every routed parameter naming a team's object, filled with the other team's, on each method and as htmx."""
    probes = []
    for route in iter_routes():
        team_params = [p for p in route.params if p in PARAMS and PARAMS[p].team_owned]
        if not team_params:
            continue
        for method in sorted(declared_methods(route.view)):
            for htmx in (False, True):
                for attacker in ("atlas", "phoenix", "atlas-contact", "phoenix-contact"):
                    probes.append(
                        Probe(
                            f"{route.name} {method}",
                            "htmx" if htmx else "path",
                            method,
                            partial(_route_url, route),
                            data=None if method in ("GET", "HEAD") else lambda a, me, them: dict(ATTACK_BODY),
                            htmx=htmx,
                            attacker=attacker,
                        )
                    )
    return probes


def _route_url(route: Route, a: Arena, me: Side, them: Side) -> str:
    """The route with its team-owned parameters filled with the victim's objects."""
    return reverse(route.name, kwargs=_kwargs(them, route.params))


def _kwargs(side: Side, params: tuple[str, ...]) -> dict[str, object]:
    values = side.url_params()
    return {p: values[p] for p in params}


# --- running them --------------------------------------------------------------------------------------------


def _send(client: Client, probe: Probe, url: str, data: dict[str, object] | None):
    extra = HTMX if probe.htmx else {}
    if probe.method == "POST":
        return client.post(url, data or {}, **extra)
    if probe.method == "GET":
        return client.get(url, **extra)
    if probe.method == "HEAD":
        return client.head(url, **extra)
    body = "&".join(f"{k}={quote(str(v))}" for k, v in (data or {}).items())
    return client.generic(probe.method, url, body, "application/x-www-form-urlencoded", **extra)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


WRITES = frozenset({"INSERT", "UPDATE", "DELETE"})


def wrote_in(captured: CaptureQueriesContext) -> bool:
    return any(query["sql"].lstrip()[:6].upper() in WRITES for query in captured.captured_queries)


def run_probe(a: Arena, probe: Probe) -> list[str]:
    me = a.side(probe.attacker)
    them = a.other(me)
    client = a.client(me)
    said = f"[{probe.kind}] {probe.name} ({me.name} → {them.name})"
    url = probe.url(a, me, them)
    data = probe.data(a, me, them) if probe.data else None
    before_them, before_me = a.state_before(them.team), a.state_before(me.team)
    with CaptureQueriesContext(connection) as sent_sql:
        response = _send(client, probe, url, data)
        run_queued_import_jobs()  # what a worker would then write is part of what the request did
    # Every write goes through this connection (the test client runs the view in this process): with none, both
    # teams' states are as before, and reading them again would only repeat the last probe's reads.
    wrote = wrote_in(sent_sql)
    status = response.status_code
    pages = [_body(response)]
    problems = []
    if probe.expect == "404":
        if status != 404:
            problems.append(f"{said} {url}: {status}, not 404")
    elif probe.expect == "refused":
        if status == 302:  # back to the page, the error shown there as a message
            pages.append(_body(client.get(response["Location"])))
        elif status not in (200, 400):
            problems.append(f"{said} {url}: {status}, not a form error")
        if probe.error and not any(probe.error in page for page in pages):
            problems.append(f"{said} {url}: {status} without the form error {probe.error!r}")
    elif status >= 400:
        problems.append(f"{said} {url}: {status}; the stray id should have played no part")
    after_them = a.state_now(them.team) if wrote else before_them
    if after_them != before_them:
        changed = sorted(name for name in after_them if after_them[name] != before_them.get(name))
        problems.append(f"{said} {url}: {them.name}'s {changed} changed")
    # The attacker's own access log may grow (the page the refusal is shown on is a view); nothing else of theirs.
    after_me = a.state_now(me.team) if wrote else before_me
    changed = sorted(n for n in after_me if after_me[n] != before_me.get(n) and n != AccessLogEntry.__name__)
    if changed and probe.expect in ("404", "refused"):
        problems.append(f"{said} {url}: {me.name}'s {changed} changed although the request was refused")
    sent = f"{url} {data or ''}"  # an answer may echo what was asked (a search box); that reveals nothing
    markers = [marker for marker in them.markers() if marker and marker not in sent]
    leaked = sorted({marker for marker in markers for page in pages if marker in page})
    if leaked:
        problems.append(f"{said} {url}: the answer shows {them.name}'s {leaked}")
    if wrote:
        problems += [f"{said}: {stray}" for stray in cross_team_references()]
    if probe.then is not None and (failed := probe.then(a, me, them)):
        problems.append(f"{said}: {failed}")
    if probe.control is not None and not problems:
        problems += _control(a, probe, client, url, me, them, said)
    return problems


def run_queued_import_jobs() -> None:
    """Run the import jobs a request queued, as the worker does (in this process, so the offline fetch applies): the
    preview, then (as the member who started it would) the confirmed import."""
    for job_id in ImportJob.objects.filter(status=ImportJob.Status.QUEUED).values_list("pk", flat=True):
        import_job_run(job_id=job_id)
        job = ImportJob.objects.get(pk=job_id)
        if job.status == ImportJob.Status.AWAITING and job.requested_by is not None:
            import_job_confirm(job=job, user=job.requested_by)
            import_job_run(job_id=job_id)


def _control(a: Arena, probe: Probe, client: Client, url: str, me: Side, them: Side, said: str) -> list[str]:
    """The same request with the attacker's own id writes: what refused the probe was the other team's id."""
    assert probe.control is not None  # run_probe asks only for probes that have one
    before = a.state_before(me.team)
    response = _send(client, probe, url, probe.control(a, me, them))
    run_queued_import_jobs()
    problems = []
    if response.status_code >= 400:
        problems.append(f"{said}: the control with {me.name}'s own id was refused ({response.status_code})")
    after = a.state_now(me.team)
    if all(after[name] == before[name] for name in after if name != AccessLogEntry.__name__):  # a read is no write
        problems.append(f"{said}: the control with {me.name}'s own id wrote nothing, so the probe proves nothing")
    return problems


@pytest.fixture
def offline_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry fetch answers from a recorded file: no network, and a control that can succeed."""

    def fetch(nct_id: str) -> FetchedRecord:
        return FetchedRecord(
            nct_id=nct_id,
            url=f"https://clinicaltrials.gov/api/v2/studies/{nct_id}",
            raw=registry_record(nct_id),
            retrieved_at=timezone.now(),
        )

    monkeypatch.setattr("assets.jobs.services.ctgov_fetch", fetch)  # where the import job's worker fetches


def test_no_id_of_another_team_reaches_its_data(arena, offline_registry, capsys):
    probes = path_probes() + query_probes() + form_probes()
    problems = [problem for probe in probes for problem in run_probe(arena, probe)]
    assert problems == [], "\n".join(problems)
    by_kind = Counter(probe.kind for probe in probes)
    controls = sum(1 for probe in probes if probe.control is not None)
    assert by_kind["path"] >= 100 and by_kind["query"] >= 20 and by_kind["form"] >= 40 and by_kind["htmx"] >= 100
    with capsys.disabled():
        kinds = ", ".join(f"{kind} {by_kind[kind]}" for kind in ("path", "query", "form", "htmx"))
        print(f"\nIDOR probes: {len(probes)} ({kinds}); {controls} with a control request that wrote")


def test_the_probes_would_see_a_leak_and_a_write(arena):
    """The checks above are only as good as their detectors: a page with the other team's data, and a write."""
    markers = arena.phoenix.markers()
    assert {"PHX-1", "Phoenix CAR-T", "NCT04440001", "member@example.test"} <= set(markers)
    before = team_state(arena.phoenix.team)
    with CaptureQueriesContext(connection) as captured:
        assert Asset.objects.filter(pk=arena.phoenix.facts.asset.pk).exists()
    assert len(captured) == 1 and not wrote_in(captured)  # a read is no write
    with CaptureQueriesContext(connection) as captured:
        ReviewItem.objects.filter(pk=arena.phoenix.facts.review_item.pk).update(due_on=dt.date(2031, 1, 31))
    assert wrote_in(captured)  # which sends the probe to compare the teams' states
    assert team_state(arena.phoenix.team) != before
    assert cross_team_references() == []
    ReviewItem.objects.filter(pk=arena.atlas.facts.review_item.pk).update(assignee=arena.world.member)
    assert cross_team_references() == [f"ReviewItem {arena.atlas.facts.review_item.pk} is assigned outside its team"]


# --- stored files are served by the access-checked views alone ------------------------------------------------


def file_urls(name: str, path: str) -> list[str]:
    """Every way a stored file might be asked for by path: MEDIA_URL, the web root, static, the disk path."""
    media_url = "/" + (settings.MEDIA_URL or "").strip("/")
    media_root = str(settings.MEDIA_ROOT).rstrip("/")
    below_var = media_root.removeprefix(str(settings.VAR_DIR)).lstrip("/")
    return sorted(
        {
            f"{media_url.rstrip('/')}/{name}",
            f"/media/{name}",
            f"/{name}",
            "/" + default_storage.url(name).lstrip("/"),
            f"/var/{below_var}/{name}",
            f"/var/media/{name}",
            f"/var/{name}",
            path,
            f"/static/{name}",
            f"/static/../{below_var}/{name}",
            f"/static/%2e%2e/{below_var}/{name}",
            f"/media/%2e%2e/{name}",
            f"/{below_var}/{name}",
        }
    )


def test_stored_evidence_and_memo_files_are_not_reachable_by_path(world):
    facts = world.facts
    stored = [
        (facts.evidence_file.file.name, facts.evidence_file.file.path),
        (facts.memo.pdf.name, facts.memo.pdf.path),
    ]
    for _name, path in stored:
        assert Path(path).is_file() and Path(path).stat().st_size > 0  # real files, so a 404 means something
    urls = [url for name, path in stored for url in file_urls(name, path)]
    for role in ROLES:
        client = client_for(world.user(role))
        answers = {url: client.get(url).status_code for url in urls}
        assert set(answers.values()) == {404}, f"{role}: {answers}"
    # The owning team gets the files through the views that check access and record the download.
    lead = client_for(world.lead)
    evidence = lead.get(reverse("diligence:evidence_download", args=[facts.evidence_file.pk]))
    assert evidence.status_code == 200 and evidence.getvalue() == MINIMAL_PDF
    assert lead.get(reverse("diligence:memo_download", args=[facts.memo.pk])).status_code == 200
    assert (
        client_for(world.outsider)
        .get(reverse("diligence:evidence_download", args=[facts.evidence_file.pk]))
        .status_code
        == 404
    )
