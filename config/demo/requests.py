"""Demo requests for ``seed_demo``: phoenix's counterparty contact ``licensor`` with open and answered requests on
CT053 (illustrative)."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from assets.models import Asset
from diligence.models import RequestList
from diligence.services.checklists import review_start
from diligence.services.requests import request_answer, request_question_ask, requests_raise
from teams.models import CounterpartyContact, DealTeam, User

CONTACT_USERNAME = "licensor"
ASSET_CODE = "CT053"
# A one-page PDF of no content: the demo answer's attachment (illustrative, not a real approval).
DEMO_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# item key, what is asked, priority, due in days from today
DEMO_REQUESTS = [
    ("ethics-every-site", "Ethics approval letters for every site of the CT053 IIT, with their dates.", "high", 7),
    ("hgr-intl-cooperation", "The HGR international cooperation filing covering the CT053 data.", "high", 2),
    ("assignment-institution", "The hospital's assignment of the IIT data and results to the licensor.", "normal", 14),
    ("consent-cross-border", "The informed consent form (Chinese and English) as signed by patients.", "normal", -1),
]  # fmt: skip


@transaction.atomic
def seed_demo_requests(*, team: DealTeam, contact_user: User, today: dt.date | None = None) -> bool:
    """Give ``contact_user`` (made a counterparty contact of the team if not yet) a request list on CT053 with open,
    answered and asked-back requests, unless it has one. Returns whether it was created."""
    today = today or timezone.localdate()
    asset = Asset.objects.filter(team=team, code=ASSET_CODE).first()
    lead = User.objects.filter(username="lead").first()
    if asset is None:
        return False
    contact = CounterpartyContact.objects.filter(user=contact_user).first() or CounterpartyContact.objects.create(
        user=contact_user, team=team, organisation="CARsgen Therapeutics (illustrative)", invited_by=lead
    )
    if RequestList.objects.filter(asset=asset, contact=contact).exists():
        return False
    request_list = RequestList.objects.create(team=team, asset=asset, contact=contact, created_by=lead)
    items = {item.key: item for item in review_start(asset=asset, user=lead).items.filter(archived_at__isnull=True)}
    raised = []
    for key, text, priority, due_in in DEMO_REQUESTS:
        [request] = requests_raise(
            request_list=request_list,
            items=[items[key]],
            actor=lead,
            text=text,
            priority=priority,
            due_on=today + dt.timedelta(days=due_in),
        )
        raised.append(request)
    request_answer(
        request=raised[0],
        user=contact_user,
        body="Approval letters of the three sites attached (illustrative).",
        uploads=[SimpleUploadedFile("CT053-ethics-approvals.pdf", DEMO_PDF)],
        document_date=dt.date(2019, 3, 12),
    )
    request_question_ask(request=raised[2], user=contact_user, body="Do you need the English translation as well?")
    return True
