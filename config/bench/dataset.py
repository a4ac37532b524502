"""The synthetic portfolio, written in bulk: teams, assets, studies, hospitals, sites, ethics approvals, HGR
filings, reviews of a few hundred items each, and the findings the rules raise on them."""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from assets.models import Asset, EthicsApproval, HGRFiling, Hospital, Study, StudySite
from assets.models.assets import AssetModality
from assets.models.common import Phase
from assets.models.filings import HGRFilingKind, HGRFilingStatus
from assets.models.hospitals import normalise_name
from assets.models.studies import StudySponsorType, StudyStatus
from config.bench.scales import Scale
from diligence.models import (
    ChecklistTemplate,
    QuestionKey,
    Review,
    ReviewItem,
    TemplateItem,
    TemplateQuestion,
    TemplateVersion,
)
from diligence.search.index import search_index_rebuild
from diligence.services.findings import findings_recompute
from diligence.services.standing import standings_rebuild
from teams.models import DealTeam, Membership, User

BATCH = 2_000
UNUSABLE = "!"  # an unusable password hash: bench users reach pages through sessions made for them
CITIES = ["Beijing", "Shanghai", "Guangzhou", "Chengdu", "Wuhan", "Hangzhou", "Nanjing", "Xi'an", "Tianjin", "Suzhou"]
MODALITIES = [AssetModality.CAR_T, AssetModality.ANTIBODY, AssetModality.ADC, AssetModality.SMALL_MOLECULE]
PHASES = [Phase.PHASE_1, Phase.PHASE_1_2, Phase.PHASE_2, Phase.PHASE_3]
SPONSOR_TYPES = [
    StudySponsorType.IIT,
    StudySponsorType.IIT,
    StudySponsorType.IIT_COMPANY_FUNDED,
    StudySponsorType.INDUSTRY,
]
ITEM_STATUSES = [s for s, _label in ReviewItem.Status.choices]
NCT_BASE = {"small": 80_000_000, "large": 70_000_000}  # registry ids apart from the full portfolio's (90,000,000 on)


@dataclass
class TeamSubjects:
    """What the page measurements request for one team: its lead, its largest asset, a review and an item."""

    team: DealTeam
    user: User
    asset: Asset
    review: Review
    item: ReviewItem


@dataclass
class World:
    scale: Scale
    teams: list[TeamSubjects] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def first(self) -> TeamSubjects:
        return self.teams[0]


def _share(total: int, parts: int, index: int) -> int:
    """``total`` split into ``parts`` as evenly as whole numbers allow; the first parts take the remainder."""
    return total // parts + (1 if index < total % parts else 0)


def bench_template(items: int) -> TemplateVersion:
    """A published checklist of ``items`` items spread over the five questions (the default has 28)."""
    template, _ = ChecklistTemplate.objects.get_or_create(
        slug=f"bench-{items}", defaults={"name": f"Benchmark checklist ({items} items)"}
    )
    existing = template.versions.filter(status=TemplateVersion.Status.PUBLISHED).first()
    if existing is not None:
        return existing
    version = TemplateVersion.objects.create(template=template, number=1)
    questions = TemplateQuestion.objects.bulk_create(
        TemplateQuestion(version=version, key=key, title=label, order=order)
        for order, (key, label) in enumerate(QuestionKey.choices, start=1)
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            question=questions[n % len(questions)],
            version=version,
            key=f"item-{n:04d}",
            text=f"Checklist item {n}: confirm the record behind this point is on file and consistent.",
            guidance="Compare the source document with the registry entry.",
            evidence_required=n % 4 == 0,
            order=n,
        )
        for n in range(items)
    )
    TemplateVersion.objects.filter(pk=version.pk).update(
        status=TemplateVersion.Status.PUBLISHED, published_at=timezone.now()
    )
    version.refresh_from_db()
    return version


def _hospitals(scale: Scale, prefix: str) -> list[Hospital]:
    hospitals = []
    for n in range(scale.hospitals):
        name, city = f"{prefix.title()} Hospital No. {n}", CITIES[n % len(CITIES)]
        # bulk_create skips save(), which derives the matching keys.
        keys = {"name_key": normalise_name(name), "city_key": normalise_name(city)}
        hospitals.append(Hospital(name_en=name, city=city, province=city, **keys))
    return Hospital.objects.bulk_create(hospitals, batch_size=BATCH)


def search_index() -> float:
    """Index every record for the search, as ``manage.py search_index`` does; seconds taken."""
    started = time.perf_counter()
    search_index_rebuild()
    return time.perf_counter() - started


def analyze() -> None:
    """Give the planner its statistics of the rows just written, and vacuum them, as a database in use has both
    from autovacuum: left to it, the vacuum that a million inserted rows call for runs at an unknown moment during
    the measurements, on the same two cores (SQLite has no autovacuum; its planner reads ``ANALYZE`` alone)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


@transaction.atomic
def build(scale: Scale, *, prefix: str, seed: int = 7) -> World:
    """Write the world of ``scale`` with team slugs ``<prefix>-00`` ... in bulk; findings by the real rules."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    world = World(scale=scale)
    started = timezone.now()
    version = bench_template(scale.items_per_review)
    template_items = list(version.items.select_related("question").order_by("question__order", "order"))
    hospitals = _hospitals(scale, prefix)
    today = timezone.localdate()

    teams = DealTeam.objects.bulk_create(
        DealTeam(name=f"{prefix.title()} team {t:02d}", slug=f"{prefix}-{t:02d}") for t in range(scale.teams)
    )
    users = User.objects.bulk_create(
        User(username=f"{prefix}-lead-{t:02d}", email=f"{prefix}-lead-{t:02d}@example.com", password=UNUSABLE)
        for t in range(scale.teams)
    )
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role=Membership.Role.LEAD) for team, user in zip(teams, users, strict=True)
    )

    assets: list[Asset] = []
    for t, team in enumerate(teams):
        for a in range(_share(scale.assets, scale.teams, t)):
            assets.append(
                Asset(
                    team=team,
                    code=f"{prefix.upper()}-{t:02d}-{a:04d}",
                    name=f"Asset {a} of team {t}",
                    modality=MODALITIES[a % len(MODALITIES)],
                    target=rng.choice(["BCMA", "CD19", "HER2", "PD-1", "CLDN18.2"]),
                    highest_phase_china=PHASES[a % len(PHASES)],
                )
            )
    assets = Asset.objects.bulk_create(assets, batch_size=BATCH)

    studies = []
    starts: list[dt.date] = []  # each study's start date, which the model's field would give as optional
    for n in range(scale.studies):
        asset = assets[n % len(assets)]
        start = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(2_500))
        starts.append(start)
        studies.append(
            Study(
                team_id=asset.team_id,
                asset=asset,
                nct_id=f"NCT{NCT_BASE.get(prefix, 90_000_000) + n:08d}",
                title=f"A study of {asset.name} in relapsed disease, cohort {n}",
                phase=PHASES[n % len(PHASES)],
                status=StudyStatus.COMPLETED if n % 3 else StudyStatus.RECRUITING,
                sponsor_type=SPONSOR_TYPES[n % len(SPONSOR_TYPES)],
                sponsor_name=f"Hospital {n % 97}",
                start_date=start,
                first_patient_dosed_on=start + dt.timedelta(days=30),
                countries=["China"],
            )
        )
    studies = Study.objects.bulk_create(studies, batch_size=BATCH)

    sites = []
    activations: list[dt.date] = []  # each site's activation date, likewise
    for n in range(scale.sites):
        study_index = n % len(studies)
        offset = n // len(studies)  # a different hospital for each of a study's sites
        hospital = hospitals[(study_index * 7 + offset) % len(hospitals)]
        sites.append(
            StudySite(
                study=studies[study_index],
                hospital=hospital,
                role=StudySite.Role.LEAD if offset == 0 else StudySite.Role.PARTICIPATING,
                principal_investigator=f"Dr. Investigator {n % 311}",
                enrollment=rng.randrange(1, 40),
                activation_date=starts[study_index],
            )
        )
        activations.append(starts[study_index])
    sites = StudySite.objects.bulk_create(sites, batch_size=BATCH)

    EthicsApproval.objects.bulk_create(
        (
            EthicsApproval(
                study_site=sites[n % len(sites)],
                committee=f"Ethics committee of {sites[n % len(sites)].hospital.name_en}",
                reference_number=f"EC-{n:06d}",
                approval_date=activations[n % len(sites)] - dt.timedelta(days=rng.randrange(1, 90)),
            )
            for n in range(scale.ethics)
        ),
        batch_size=BATCH,
    )
    HGRFiling.objects.bulk_create(
        (
            HGRFiling(
                study=studies[n % len(studies)],
                kind=HGRFilingKind.INTL_COOPERATION_APPROVAL if n % 2 else HGRFilingKind.COLLECTION_APPROVAL,
                reference_number=f"HGR-{n:06d}",
                status=HGRFilingStatus.APPROVED if n % 5 else HGRFilingStatus.SUBMITTED,
                submitted_on=starts[n % len(studies)] - dt.timedelta(days=120),
            )
            for n in range(scale.hgr)
        ),
        batch_size=BATCH,
    )
    world.seconds["facts"] = (timezone.now() - started).total_seconds()

    # Reviews on each team's first assets, items in every state, some assigned and some due.
    started = timezone.now()
    reviews: list[Review] = []
    assets_of: dict[int, list[Asset]] = {}
    for asset in assets:
        assets_of.setdefault(asset.team_id, []).append(asset)
    for t, team in enumerate(teams):
        team_assets = assets_of[team.pk]
        for r in range(_share(scale.reviews, scale.teams, t)):
            reviews.append(
                Review(
                    team=team,
                    asset=team_assets[r % len(team_assets)],
                    template=version.template,
                    template_version=version,
                    created_by=users[t],
                )
            )
    reviews = Review.objects.bulk_create(reviews, batch_size=BATCH)
    user_of_team = {team.pk: user for team, user in zip(teams, users, strict=True)}
    item_count = 0
    # Written a few reviews at a time: the large portfolio's 1.2 million items never all stand in memory at once.
    for first in range(0, len(reviews), max(1, BATCH // len(template_items))):
        batch = []
        for review in reviews[first : first + max(1, BATCH // len(template_items))]:
            for n, template_item in enumerate(template_items):
                status = ITEM_STATUSES[rng.randrange(len(ITEM_STATUSES))]
                batch.append(
                    ReviewItem(
                        review=review,
                        template_item=template_item,
                        key=template_item.key,
                        question=template_item.question.key,
                        order=template_item.question.order * 1000 + template_item.order,
                        status=status,
                        na_reason="Not part of this programme." if status == ReviewItem.Status.NOT_APPLICABLE else "",
                        assignee=user_of_team[review.team_id] if n % 3 == 0 else None,
                        due_on=today + dt.timedelta(days=rng.randrange(-20, 40)) if n % 2 == 0 else None,
                    )
                )
        ReviewItem.objects.bulk_create(batch, batch_size=BATCH)
        item_count += len(batch)
    world.seconds["reviews"] = (timezone.now() - started).total_seconds()

    # Written in bulk, the reviews and items sent no signal: their standing is counted here, and each asset's
    # findings recompute below keeps its findings' part.
    started = timezone.now()
    standings_rebuild(asset_ids=[asset.pk for asset in assets])
    world.seconds["standings"] = (timezone.now() - started).total_seconds()

    started = timezone.now()
    for asset in assets:
        findings_recompute(asset_id=asset.pk)
    world.seconds["findings"] = (timezone.now() - started).total_seconds()

    world.rows = {
        "teams": len(teams),
        "assets": len(assets),
        "studies": len(studies),
        "hospitals": len(hospitals),
        "sites": len(sites),
        "ethics": scale.ethics,
        "hgr": scale.hgr,
        "reviews": len(reviews),
        "review_items": item_count,
    }
    reviews_of: dict[int, list[Review]] = {}
    for review in reviews:
        reviews_of.setdefault(review.team_id, []).append(review)
    for t, team in enumerate(teams):
        review = reviews_of[team.pk][0]
        world.teams.append(
            TeamSubjects(
                team=team,
                user=users[t],
                asset=review.asset,
                review=review,
                item=review.items.order_by("order", "pk")[0],
            )
        )
    return world
