"""Reads of the facts, always scoped through the access policy, with their joins done here (fixed query counts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404

from assets import deadlines, kinds
from assets.kinds import kind_of
from assets.models import (
    Asset,
    DealTerms,
    EthicsApproval,
    HGRFiling,
    Hospital,
    ImportJob,
    INDApplication,
    NHCFiling,
    RegistryRecordVersion,
    RegistryWatch,
    Study,
    StudySite,
    StudyWatch,
)
from assets.models.common import VersionedFact
from assets.models.links import StudyRegistrationLink
from teams import access
from teams.labels import field_label, model_field, value_label

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

    from teams.models import User

    AnyUser = User | AnonymousUser


def assets_visible_to(user: AnyUser) -> QuerySet[Asset]:
    return access.scope(Asset.objects.all(), user=user)


def asset_get_for_user_or_404(*, user: AnyUser, asset_id: int) -> Asset:
    # The one-to-one deal terms and registration plan ride along: the overview and deal tabs show both.
    assets = Asset.objects.select_related("team", "originator", "deal_terms", "registration_plan")
    return access.get_for_user_or_404(assets, user=user, pk=asset_id)


def fact_get_for_user_or_404[F: VersionedFact](*, user: AnyUser, model: type[F], pk: int) -> F:
    """Any team-owned fact by id, or 404 whether it is missing or another team's."""
    if model.team_path is None:
        raise TypeError(f"{model.__name__} is not owned by a team")
    return access.get_for_user_or_404(model._default_manager.all(), user=user, team_field=model.team_path, pk=pk)


# --- the asset list ------------------------------------------------------------------------------------------

# Each asset's active findings by severity, kept per asset by the diligence app (its ``AssetStanding``) and reached
# here through the relation, not an import: an asset without a kept row has no findings.
_STANDING = Asset._meta.get_field("standing").related_model
SEVERITY_COUNTS = [f"standing__{f.name}" for f in _STANDING._meta.fields if f.name.startswith("severity_")]


class SubqueryCount(Subquery):
    """``count(*)`` of a correlated subquery: a few index lookups per listed asset, where COUNT over joins would
    multiply every study by every site and finding of every asset before folding them back."""

    template = "(SELECT count(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()

    def __init__(self, queryset: QuerySet, **extra: Any) -> None:
        super().__init__(queryset.order_by().values("pk"), **extra)


class AssetCounts(TypedDict):
    red_flags: int
    open_findings: int
    study_count: int
    iit_count: int
    site_count: int


def asset_list(*, user: AnyUser) -> QuerySet[WithAnnotations[Asset, AssetCounts]]:
    """The assets the user may see, by code, with the counts the list shows annotated (one query); the list's
    search, filters and sorts are ``assets.filters.AssetFilter``."""
    studies = Study.objects.filter(asset=OuterRef("pk"))
    return (
        assets_visible_to(user)
        .select_related("team", "originator")
        .annotate(
            red_flags=Coalesce(F("standing__severity_high"), 0),
            open_findings=Coalesce(sum((F(name) for name in SEVERITY_COUNTS[1:]), F(SEVERITY_COUNTS[0])), 0),
            study_count=SubqueryCount(studies),
            iit_count=SubqueryCount(studies.filter(sponsor_type__in=Study.INVESTIGATOR_INITIATED)),
            site_count=SubqueryCount(StudySite.objects.filter(study__asset=OuterRef("pk"))),
        )
        .order_by("code")
    )


# --- the asset page, one tab at a time -----------------------------------------------------------------------


def sites_context(*, asset: Asset, study: str | None, page: str | None) -> dict[str, object]:
    """Every study with its first SITES_SHOWN sites (and how many it has), or with ``study`` one study's sites a
    page of SITES_SHOWN at a time. Two queries either way (three when paging: the count)."""
    sites = StudySite.objects.select_related("hospital").order_by("-role", "hospital__name_en", "pk")
    studies = _studies(asset).annotate(site_count=Count("sites"))
    chosen = studies.filter(pk=int(study)).first() if study and study.isdigit() and len(study) < 19 else None
    if chosen is not None:
        shown = Paginator(sites.filter(study=chosen), SITES_SHOWN).get_page(page)
        chosen.shown_sites = shown  # type: ignore[attr-defined]  # read by the template alone
        return {"studies": [chosen], "sites_page": shown}
    listed = list(studies)
    order = [F("role").desc(), F("hospital__name_en").asc(), F("pk").asc()]
    first = sites.filter(study__in=listed).annotate(
        rank=Window(RowNumber(), partition_by=F("study_id"), order_by=order)
    )
    studies_by_id = {each.pk: each for each in listed}
    by_study: dict[int, list[StudySite]] = {}
    for site in first.filter(rank__lte=SITES_SHOWN):
        site.study = studies_by_id[site.study_id]  # known already: no query per site for it
        by_study.setdefault(site.study_id, []).append(site)
    for each in listed:
        each.shown_sites = by_study.get(each.pk, [])  # type: ignore[attr-defined]  # read by the template alone
    return {"studies": listed, "sites_page": None}


def _studies(asset: Asset) -> QuerySet[Study]:
    return asset.studies.all().order_by("start_date", "pk")


@dataclass(frozen=True)
class DatedFiling:
    """A filing or application with the regulatory clocks derived from its dates."""

    fact: VersionedFact
    deadlines: list[deadlines.Deadline]


def _nhc_deadlines(filing: NHCFiling) -> list[deadlines.Deadline]:
    due = deadlines.nhc_filing_deadline(
        academic_review_on=filing.academic_review_on,
        ethics_approved_on=filing.ethics_approved_on,
        filed_on=filing.filed_on,
    )
    return [due] if due else []


def ind_deadlines(ind: INDApplication) -> list[deadlines.Deadline]:
    """Every clock of an IND, for the page, the memo and the findings alike. The NMPA-86 clocks (acceptance in 5
    working days, review in 30 or 60 when extended, first Chinese dose within 12 weeks) bind only an NMPA application
    on the NMPA-86 pathway: a standard IND is not held to them."""
    if ind.authority != INDApplication.Authority.NMPA or ind.pathway != INDApplication.Pathway.THIRTY_DAY:
        return []
    found = [
        deadlines.nmpa_acceptance_deadline(submitted_on=ind.submitted_on, accepted_on=ind.accepted_on),
        deadlines.nmpa_review_deadline(
            accepted_on=ind.accepted_on, cleared_on=ind.cleared_on, extended=ind.review_extended
        ),
        deadlines.nmpa_first_dose_deadline(cleared_on=ind.cleared_on, first_dose_on=ind.first_dose_on),
    ]
    return [d for d in found if d]


SITES_SHOWN = 100  # per study on the sites tab; the rest a page at a time, so the page never grows with the data


def tab_context(
    *, asset: Asset, tab: str, today: dt.date, params: Mapping[str, str] | None = None
) -> dict[str, object]:
    """What one tab of the asset page shows; each branch reads in a fixed number of queries. ``params`` are the
    page's query parameters (the sites tab pages through one study's sites with ``study`` and ``page``)."""
    if tab == "studies":
        studies = list(
            _studies(asset).select_related("funding_company", "evidence").prefetch_related("efficacy_claims")
        )
        return {"studies": studies_with_registration_links(asset=asset, studies=studies)}
    if tab == "sites":
        return sites_context(asset=asset, study=(params or {}).get("study"), page=(params or {}).get("page"))
    if tab == "ethics":
        sites = (
            StudySite.objects.select_related("hospital")
            .prefetch_related(Prefetch("ethics_approvals", queryset=EthicsApproval.objects.order_by("approval_date")))
            .order_by("-role", "hospital__name_en", "pk")
        )
        return {"studies": _studies(asset).prefetch_related(Prefetch("sites", queryset=sites))}
    if tab == "hgr":
        filings = HGRFiling.objects.order_by("submitted_on", "pk")
        return {"studies": _studies(asset).prefetch_related(Prefetch("hgr_filings", queryset=filings))}
    if tab == "filings":
        filed = list(_studies(asset).prefetch_related(Prefetch("nhc_filings", queryset=NHCFiling.objects.all())))
        dated = {s.pk: [DatedFiling(f, _nhc_deadlines(f)) for f in s.nhc_filings.all()] for s in filed}
        return {"studies": filed, "nhc_by_study": dated, "in_scope": asset.in_order818_scope}
    if tab == "ind":
        inds = [DatedFiling(ind, ind_deadlines(ind)) for ind in asset.ind_applications.order_by("submitted_on", "pk")]
        return {"inds": inds}
    if tab == "deal":
        plan = _one_to_one(asset, "registration_plan")
        return {"deal": _deal_terms(asset, "milestones", "royalty_tiers"), "plan": plan}
    if tab == "history":
        return {"entries": asset_history(asset=asset)}
    return overview_context(asset=asset, today=today)


def _one_to_one(asset: Asset, name: str) -> object | None:
    """The asset's deal terms or registration plan, or None (a missing reverse one-to-one raises)."""
    try:
        return getattr(asset, name)
    except ObjectDoesNotExist:
        return None


def _deal_terms(asset: Asset, *related: str) -> DealTerms | None:
    """The asset's deal terms, read with the asset, with ``related`` (milestones, royalty tiers) fetched for them."""
    deal = _one_to_one(asset, "deal_terms")
    if not isinstance(deal, DealTerms):
        return None
    prefetch_related_objects([deal], *related)
    return deal


def overview_context(*, asset: Asset, today: dt.date) -> dict[str, object]:
    studies = list(_studies(asset).annotate(site_total=Count("sites")))
    studies_by_id = {study.pk: study for study in studies}
    nhc = list(NHCFiling.objects.filter(study__asset=asset))
    for filing in nhc:
        # A filing names its study, read already (one written between the two reads is fetched when shown).
        if filing.study_id in studies_by_id:
            filing.study = studies_by_id[filing.study_id]
    inds = list(asset.ind_applications.all())
    clocks = [(f, d) for f in nhc for d in _nhc_deadlines(f)] + [(i, d) for i in inds for d in ind_deadlines(i)]
    deal = _deal_terms(asset, "milestones")
    return {
        "studies": studies,
        "iit_only": bool(studies) and all(s.is_investigator_initiated for s in studies),
        "clocks": sorted(clocks, key=lambda pair: pair[1].due),
        "deal": deal,
        "plan": _one_to_one(asset, "registration_plan"),
    }


# --- history --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: str
    action: str
    what: str
    changes: list[tuple[str, str, str]]  # (the field's label, old, new)


ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _entries(records: list, *, describe: str | None = None) -> list[HistoryEntry]:
    """History records (newest first) as entries with field-level changes against the record before each, each
    field by its label and each value as people read it (``teams.labels``)."""
    deltas = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        delta = []
        if older is not None and record.history_type == "~":
            model = kind_of(record.instance_type).model
            # What the code keeps by itself (version, timestamps, a hospital's matching keys) is no one's change.
            kept = [f.name for f in model._meta.concrete_fields if not f.editable]
            delta = [(model, c) for c in record.diff_against(older, excluded_fields=kept).changes]
        deltas.append(delta)
    related = _related_names([change for delta in deltas for change in delta])
    return [
        HistoryEntry(
            when=record.history_date,
            who=str(record.history_user) if record.history_user else "system",
            action=ACTIONS.get(record.history_type, record.history_type),
            what=describe or str(record.instance._meta.verbose_name),
            changes=[
                (
                    field_label(model, c.field),
                    _show(model, c.field, c.old, related),
                    _show(model, c.field, c.new, related),
                )
                for model, c in delta
            ],
        )
        for record, delta in zip(records, deltas, strict=True)
    ]


def _related_names(changes: list[tuple[type[models.Model], Any]]) -> dict[tuple[type[models.Model], object], str]:
    """What the keys a history records for a reference (a site's hospital) name: one query per model referred to,
    and none when no reference changed."""
    wanted: dict[type[models.Model], set[object]] = {}
    for model, change in changes:
        field = model_field(model, change.field)
        if field is not None and field.is_relation and field.related_model is not None:
            target = field.related_model
            wanted.setdefault(target, set()).update(v for v in (change.old, change.new) if v is not None)
    return {
        (target, pk): str(obj)
        for target, pks in wanted.items()
        for pk, obj in target._default_manager.in_bulk(list(pks)).items()
    }


def _show(model: type[models.Model], name: str, value: object, related: dict) -> str:
    field = model_field(model, name)
    if value is not None and field is not None and field.is_relation and field.related_model is not None:
        return related.get((field.related_model, value), "(deleted)")
    return "" if value is None or value == "" else value_label(model, name, value)


def history_label(record: Any) -> str:
    """A short name for the fact a history record is about, read from the record itself (never a fresh query).

    ``record`` is one of simple-history's generated historical models, which have no types."""
    kind = kind_of(record.instance_type)
    return kind.describe(record) if kind.describe else str(record.instance)


def record_history(*, instance: VersionedFact) -> list[HistoryEntry]:
    records = list(instance.history.select_related("history_user").order_by("-history_date", "-history_id"))
    return _entries(records)


def asset_history(*, asset: Asset, limit: int = 200) -> list[HistoryEntry]:
    """Who changed what and when across the asset and every fact under it, newest first (one query per kind)."""
    kinds_and_paths = [(kinds.ASSET, "id")] + [(kind, f"{kind.model.asset_path}_id") for kind in kinds.KINDS]
    entries: list[HistoryEntry] = []
    for kind, path in kinds_and_paths:
        records = list(
            kind.model.history.filter(**{path: asset.pk})
            .select_related("history_user", *kind.describe_reads)
            .order_by("id", "-history_date", "-history_id")[:limit]
        )
        by_object: dict[int, list] = {}
        for record in records:
            by_object.setdefault(record.id, []).append(record)
        for object_records in by_object.values():
            label = f"{kind.verbose_name} “{history_label(object_records[0])}”"
            entries.extend(_entries(object_records, describe=label))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def hospital_history(*, hospital: Hospital, user: AnyUser) -> list[HistoryEntry]:
    """A shared hospital's changes; an editor's name is shown only to people who share a team with them."""
    records = list(hospital.history.select_related("history_user").order_by("-history_date", "-history_id"))
    colleagues = access.colleagues_among(user, {r.history_user_id for r in records if r.history_user_id})
    entries = _entries(records)
    return [
        e if r.history_user_id in colleagues or not r.history_user_id else _anonymised(e)
        for e, r in zip(entries, records, strict=True)
    ]


def _anonymised(entry: HistoryEntry) -> HistoryEntry:
    # Only curators change a directory entry; a team member may create one, through a site of their team.
    who = "a directory curator" if entry.action == ACTIONS["~"] else "a user of another team"
    return HistoryEntry(entry.when, who, entry.action, entry.what, entry.changes)


# --- hospitals ------------------------------------------------------------------------------------------------


def hospital_directory(*, user: AnyUser) -> QuerySet[Hospital]:
    """The shared directory, with how many of *the user's teams'* sites each hospital has (never other teams'); its
    search is ``assets.filters.HospitalFilter``."""
    my_sites = Q(study_sites__study__team_id__in=list(access.team_roles(user)))
    return Hospital.objects.annotate(my_site_count=Count("study_sites", filter=my_sites)).order_by("name_en", "pk")


def hospital_get_or_404(*, hospital_id: int) -> Hospital:
    hospital = Hospital.objects.filter(pk=hospital_id).first()
    if hospital is None:
        raise Http404("No such hospital.")
    return hospital


def hospital_sites_for_user(*, hospital: Hospital, user: AnyUser) -> QuerySet[StudySite]:
    return access.scope(
        hospital.study_sites.select_related("study", "study__asset"), user=user, team_field="study__team"
    ).order_by("study__asset__code", "pk")


# --- import jobs ---------------------------------------------------------------------------------------------


def import_job_get_for_user_or_404(*, user: AnyUser, job_id: int) -> ImportJob:
    """A job of one of the user's teams, or 404 whether it is missing or another team's."""
    jobs = ImportJob.objects.select_related("team", "asset", "requested_by", "confirmed_by", "cancelled_by")
    return access.get_for_user_or_404(jobs, user=user, pk=job_id)


# --- one trial across registries ---------------------------------------------------------------------------------


def studies_with_registration_links(*, asset: Asset, studies: list[Study]) -> list[Study]:
    """The studies, each with ``registration_links`` (the registrations it is linked to or may be, rejected pairs
    left out), read in one query whatever their number."""
    shown: dict[int, list[StudyRegistrationLink]] = {study.pk: [] for study in studies}
    links = (
        StudyRegistrationLink.objects.filter(models.Q(first__asset=asset) | models.Q(second__asset=asset))
        .exclude(status=StudyRegistrationLink.Status.REJECTED)
        .select_related("first", "second", "decided_by")
        .order_by("status", "-score", "pk")
    )
    for link in links:
        for study_id in {link.first_id, link.second_id} & shown.keys():
            shown[study_id].append(link)
    for study in studies:
        study.registration_links = shown[study.pk]  # type: ignore[attr-defined]
    return studies


def registration_link_get_for_user_or_404(*, user: AnyUser, link_id: int) -> StudyRegistrationLink:
    """A link between two of the user's team's studies, or 404 whether it is missing or another team's."""
    links = StudyRegistrationLink.objects.select_related("first", "second", "decided_by")
    return access.get_for_user_or_404(links, user=user, pk=link_id)


# --- registry record versions and their watch -------------------------------------------------------------------

# The newest versions a study's page lists; older ones stay stored (a record rarely changes more often).
REGISTRY_VERSIONS_SHOWN = 50


def registry_version_get_for_user_or_404(*, user: AnyUser, version_id: int) -> RegistryRecordVersion:
    queryset = RegistryRecordVersion.objects.select_related("study", "team")
    return access.get_for_user_or_404(queryset, user=user, pk=version_id)


def study_registry(*, study: Study) -> dict[str, Any]:
    """A study's record versions (newest first, without their raw text), its watch state and its asset's schedule:
    three queries whatever the number of versions."""
    earlier = RegistryRecordVersion.objects.filter(study=OuterRef("study"), pk__lte=OuterRef("compared_with_id"))
    versions = list(
        RegistryRecordVersion.objects.filter(study=study)
        .select_related("decided_by")
        .defer("raw_record")
        .annotate(
            # Numbered within the study (over all its versions: the window runs before the limit).
            number_in_study=Window(RowNumber(), order_by=F("pk").asc()),
            compared_with_number=Subquery(earlier.values("study").annotate(n=Count("pk")).values("n")[:1]),
        )
        .order_by("-pk")[:REGISTRY_VERSIONS_SHOWN]
    )
    state = StudyWatch.objects.filter(study=study).first()
    watch = RegistryWatch.objects.filter(asset_id=study.asset_id).first() if study.asset_id else None
    return {
        "checking": watch_check_waiting(state),
        "versions": versions,
        "pending": [version for version in versions if version.status == RegistryRecordVersion.Status.PENDING],
        "newest_version_id": versions[0].pk if versions else 0,
        "state": state,
        "watch": watch,
        "schedule": watch.get_schedule_display() if watch else RegistryWatch.Schedule.DAILY.label,
    }


def watch_check_waiting(state: StudyWatch | None) -> bool:
    """Whether a check was asked for and no worker has answered it yet (neither a result nor a failure since)."""
    if state is None or state.enqueued_at is None:
        return False
    answered = [at for at in (state.last_checked_at, state.last_error_at) if at is not None]
    return not any(at >= state.enqueued_at for at in answered)
