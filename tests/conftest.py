"""Shared fixtures: the demo-shaped world of two teams and five kinds of user, and CSRF-enforcing clients."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis.configuration import set_hypothesis_home_dir

from config.middleware import SessionActivityMiddleware
from teams.models import DealTeam, Membership, User
from tests.factories import CounterpartyContactFactory, DealTeamFactory, MembershipFactory, UserFactory

# Hypothesis keeps its example database and its cache of the code's constants with the test run's other files (var/,
# ignored by git), not in a .hypothesis folder beside the code.
set_hypothesis_home_dir(settings.VAR_DIR / "hypothesis")

if TYPE_CHECKING:
    from assets.models import (
        Asset,
        DealTerms,
        EfficacyClaim,
        EthicsApproval,
        EvidenceQuality,
        HGRFiling,
        ImportJob,
        INDApplication,
        Milestone,
        NHCFiling,
        RegistrationPlan,
        RoyaltyTier,
        Study,
        StudySite,
    )
    from diligence.models import (
        AnswerFile,
        CounterpartyRequest,
        Evidence,
        Finding,
        Memo,
        RequestList,
        Review,
        ReviewItem,
    )
    from teams.models import CounterpartyContact


class CsrfClient(Client):
    """A test client that enforces CSRF like a browser session and sends the token the way our pages do."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **defaults)

    def _csrf_token(self) -> str:
        # What a browser holds after its first page: a CSRF cookie, echoed in the header our htmx setup sends.
        if "csrftoken" not in self.cookies:
            self.cookies["csrftoken"] = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        return self.cookies["csrftoken"].value

    def post(self, *args: Any, **extra: Any) -> Any:
        extra.setdefault("HTTP_X_CSRFTOKEN", self._csrf_token())
        return super().post(*args, **extra)

    def generic(self, method: str, *args: Any, **extra: Any) -> Any:
        if method not in {"GET", "HEAD", "OPTIONS", "TRACE", "POST"}:
            extra.setdefault("HTTP_X_CSRFTOKEN", self._csrf_token())
        return super().generic(method, *args, **extra)


@dataclass
class World:
    """Team phoenix with a member, a lead and a partner; team atlas with an outsider; a staff admin on no team; and
    two counterparty contacts: phoenix's (who gets requests on phoenix's asset) and one of atlas (a counterparty of
    another asset, who must reach nothing of phoenix)."""

    phoenix: DealTeam
    atlas: DealTeam
    member: User
    lead: User
    partner: User
    outsider: User
    staff: User
    counterparty: User
    counterparty_elsewhere: User

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)

    @cached_property
    def facts(self) -> PhoenixFacts:
        """One asset of phoenix with one of every kind of fact under it, made on first use."""
        return PhoenixFacts.build(self.phoenix, contact=self.counterparty.counterparty_contact)


MINIMAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class PhoenixFacts:
    asset: Asset
    study: Study
    claim: EfficacyClaim
    evidence: EvidenceQuality
    site: StudySite
    ethics: EthicsApproval
    hgr: HGRFiling
    nhc: NHCFiling
    ind: INDApplication
    deal: DealTerms
    milestone: Milestone
    royalty: RoyaltyTier
    plan: RegistrationPlan
    review: Review
    review_item: ReviewItem
    evidence_file: Evidence
    finding: Finding
    memo: Memo
    request_list: RequestList
    counterparty_request: CounterpartyRequest
    answer_file: AnswerFile
    import_job: ImportJob

    @classmethod
    def build(
        cls,
        team: DealTeam,
        *,
        contact: CounterpartyContact,
        evidence_name: str = "letter.pdf",
        answer_name: str = "answer.pdf",
        **values: dict,
    ) -> PhoenixFacts:
        """One asset of ``team`` with one of every fact, and a request to ``contact`` about its first checklist item,
        answered with a file; ``values`` gives a fact's own field values by its name here (``asset={"code":
        "ATL-7"}``), for a second team whose data must be told apart."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from assets.models import ImportJob
        from diligence.models import Finding, RequestList
        from diligence.services.checklists import evidence_add, review_start
        from diligence.services.findings import findings_recompute
        from diligence.services.memos import memo_render, memo_request
        from diligence.services.requests import request_answer, requests_raise
        from tests import factories as f

        def given(fact: str, /, **defaults: object) -> dict:
            return defaults | values.get(fact, {})

        asset = f.AssetFactory(team=team, **given("asset", code="PHX-1", name="Phoenix CAR-T"))
        study = f.StudyFactory(asset=asset, **given("study", nct_id="NCT03090659"))
        site = f.StudySiteFactory(study=study, **given("site"))
        deal = f.DealTermsFactory(asset=asset, **given("deal"))
        review = review_start(asset=asset, user=None)
        review_item = review.items.order_by("pk")[0]
        evidence_file = evidence_add(item=review_item, user=None, upload=SimpleUploadedFile(evidence_name, MINIMAL_PDF))
        findings_recompute(asset_id=asset.pk)
        memo = memo_request(asset=asset, user=None)
        memo_render(memo_id=memo.pk)
        memo.refresh_from_db()
        request_list = RequestList.objects.create(team=team, asset=asset, contact=contact)
        [counterparty_request] = requests_raise(
            request_list=request_list, items=[review_item], actor=None, text=f"Send the {answer_name} please"
        )
        answer = request_answer(
            request=counterparty_request,
            user=contact.user,
            body="Attached.",
            uploads=[SimpleUploadedFile(answer_name, MINIMAL_PDF)],
        )
        counterparty_request.refresh_from_db()
        return cls(
            asset=asset,
            study=study,
            claim=f.EfficacyClaimFactory(study=study, **given("claim")),
            evidence=f.EvidenceQualityFactory(study=study, **given("evidence")),
            site=site,
            ethics=f.EthicsApprovalFactory(study_site=site, **given("ethics")),
            hgr=f.HGRFilingFactory(study=study, **given("hgr")),
            nhc=f.NHCFilingFactory(study=study, **given("nhc")),
            ind=f.INDApplicationFactory(asset=asset, **given("ind")),
            deal=deal,
            milestone=f.MilestoneFactory(deal=deal, **given("milestone")),
            royalty=f.RoyaltyTierFactory(deal=deal, **given("royalty")),
            plan=f.RegistrationPlanFactory(asset=asset, **given("plan")),
            review=review,
            review_item=review_item,
            evidence_file=evidence_file,
            finding=Finding.objects.filter(asset=asset).order_by("pk")[0],
            memo=memo,
            request_list=request_list,
            counterparty_request=counterparty_request,
            answer_file=answer.files.get(),
            import_job=ImportJob.objects.create(
                team=team,
                kind=ImportJob.Kind.REGISTRY,
                status=ImportJob.Status.DONE,
                files_total=1,
                files_done=1,
                results=[{"name": f"{asset.code}-registry.json", "ok": True, "summary": "no studies", "studies": []}],
            ),
        )


@pytest.fixture
def world(db: None) -> World:
    phoenix = DealTeamFactory(name="Phoenix", slug="phoenix")
    atlas = DealTeamFactory(name="Atlas", slug="atlas")
    return World(
        phoenix=phoenix,
        atlas=atlas,
        member=MembershipFactory(team=phoenix, user=UserFactory(username="member")).user,
        lead=MembershipFactory(team=phoenix, user=UserFactory(username="lead"), role=Membership.Role.LEAD).user,
        partner=MembershipFactory(
            team=phoenix, user=UserFactory(username="partner"), role=Membership.Role.PARTNER
        ).user,
        outsider=MembershipFactory(team=atlas, user=UserFactory(username="outsider")).user,
        staff=UserFactory(username="admin", is_staff=True),
        counterparty=CounterpartyContactFactory(team=phoenix, user__username="licensor").user,
        counterparty_elsewhere=CounterpartyContactFactory(team=atlas, user__username="atlas-licensor").user,
    )


def client_for(user: User | None) -> CsrfClient:
    """A client logged in as ``user``, its session's activity already recorded (as after a first page view), so
    query counts see a settled session."""
    client = CsrfClient()
    if user is not None:
        client.force_login(user)
        session = client.session
        session[SessionActivityMiddleware.KEY] = int(time.time())
        session.save()
    return client


@pytest.fixture
def client_as(world: World):
    """``client_as("member")`` gives a logged-in, CSRF-enforcing client for that role of the world."""
    return lambda role: client_for(world.user(role))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """How many generated inputs the property tests tried (tests/hostile.py), and the slowest import among them; and
    the axe-core violations per page the browser tests saw (tests/e2e)."""
    from tests.e2e.support import AXE_SUMMARY, AxeLog
    from tests.hostile import SLOWEST, TRIED

    if TRIED:
        terminalreporter.section("hostile input")
        for what, count in sorted(TRIED.items()):
            slowest = f", slowest {SLOWEST[what]:.2f} s" if what in SLOWEST else ""
            terminalreporter.write_line(f"{what}: {count} generated inputs{slowest}")
        terminalreporter.write_line(f"in all: {sum(TRIED.values())} generated inputs")
    if AxeLog.written:
        terminalreporter.write_sep("-", "axe-core: violations per page (serious or critical / any impact)")
        for page_name, counts in AxeLog.written["pages"].items():
            terminalreporter.write_line(f"{page_name:<40} {counts['serious_or_critical']:>3} / {counts['violations']}")
        terminalreporter.write_line(f"written to {AXE_SUMMARY}")


# Under pytest-xdist each test process hands its figures to the controller, which adds them up for the summary above
# (and writes the one axe-core summary file of the run).


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is None:
        return  # the controller, or a run in one process
    from tests.e2e.support import AxeLog
    from tests.hostile import SLOWEST, TRIED

    workeroutput["hostile"] = {"tried": dict(TRIED), "slowest": dict(SLOWEST)}
    workeroutput["axe_pages"] = AxeLog.written["pages"] if AxeLog.written else {}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    from tests.e2e.support import AxeLog
    from tests.hostile import SLOWEST, TRIED

    handed = getattr(node, "workeroutput", {})
    figures = handed.get("hostile", {})
    TRIED.update(figures.get("tried", {}))
    for what, seconds in figures.get("slowest", {}).items():
        SLOWEST[what] = max(SLOWEST.get(what, 0.0), seconds)
    if handed.get("axe_pages"):
        merged = AxeLog()
        merged.pages = {**(AxeLog.written or {}).get("pages", {}), **handed["axe_pages"]}
        merged.write()


def _database_fixture(request: pytest.FixtureRequest) -> str | None:
    """The database fixture a test uses, if any: ``transactional_db`` for one that commits, else ``db``."""
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in names or "live_server" in names or (marker and marker.kwargs.get("transaction")):
        return "transactional_db"
    if "db" in names or marker is not None:
        return "db"
    return None


@pytest.fixture(autouse=True)
def standings_match_their_rows(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test that used the database, each asset's kept standing equals a fresh count of its rows: a
    write path that forgets to refresh it fails whichever test takes that path, rather than leaving the dashboard to
    show counts the rows do not hold. (A test that writes with a queryset ``update()``, which sends no signal,
    counts again itself, as the services do after their bulk writes.)"""
    database = _database_fixture(request)
    if database is not None:
        request.getfixturevalue(database)  # set up first, so it is torn down after this check
    yield
    if database is None:
        return
    from django.db import connection

    from diligence.services.standing import standings_differing

    if connection.needs_rollback:
        return  # the test ended inside a failed transaction: nothing can be read
    wrong = standings_differing()
    assert not wrong, f"kept standing differs from the rows (asset: (kept, counted)): {wrong}"
