"""The helpers through which a request reaches the work: outsiders get 404, partners get 404 on writes (and all but
partners on a memo review), and the access log is written only when the request got through."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from diligence.access import evidence_access, finding_access, memo_access, review_access, review_item_access
from diligence.services.memos import memo_request
from teams.models import AccessLogEntry

pytestmark = pytest.mark.django_db

PATH = "/reviews/1/?status=done"


def request_as(world, role: str):
    request = RequestFactory().get(PATH)
    request.user = world.user(role) or AnonymousUser()
    return request


def reach(world, kind: str):
    """Each helper with its object of phoenix: (call(request, **flags), the object, whether it takes ``edit``)."""
    x = world.facts
    return {
        "review": (lambda r, **kw: review_access(r, x.review.pk, **kw), x.review, True),
        "review_item": (lambda r, **kw: review_item_access(r, x.review_item.pk, **kw), x.review_item, True),
        "evidence": (lambda r, **kw: evidence_access(r, x.evidence_file.pk, **kw), x.evidence_file, False),
        "finding": (lambda r, **kw: finding_access(r, x.finding.pk, **kw), x.finding, True),
        "memo": (lambda r, **kw: memo_access(r, x.memo.pk, **kw), x.memo, True),
    }[kind]


KINDS = ["review", "review_item", "evidence", "finding", "memo"]
LOGGED = ["review", "review_item", "evidence", "memo"]  # findings are shown on the asset's tab, logged as the asset


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["outsider", "staff", "anonymous"])
def test_outsiders_get_404_and_nothing_is_logged(world, kind, role):
    call, _obj, _edits = reach(world, kind)
    flags = {"log": "view"} if kind in LOGGED else {}
    with pytest.raises(Http404):
        call(request_as(world, role), **flags)
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_the_team_reads_and_members_write_but_a_partner_gets_404_on_a_write(world, kind):
    call, obj, edits = reach(world, kind)
    for role in ("member", "lead", "partner"):
        assert call(request_as(world, role)).pk == obj.pk
    if not edits:
        return
    flags = {"log": "view"} if kind in LOGGED else {}
    with pytest.raises(Http404):
        call(request_as(world, "partner"), edit=True, **flags)
    assert not AccessLogEntry.objects.exists()
    for role in ("member", "lead"):
        assert call(request_as(world, role), edit=True).pk == obj.pk


@pytest.mark.parametrize("kind", LOGGED)
def test_a_reach_is_logged_with_the_team_the_object_belongs_to(world, kind):
    call, obj, _edits = reach(world, kind)
    call(request_as(world, "partner"), log="download")
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.team, entry.action) == (world.partner, world.phoenix, "download")
    assert (entry.object_kind, entry.object_id, entry.path) == (obj._meta.model_name, obj.pk, PATH)


def test_only_a_partner_reviews_a_memo(world):
    memo = world.facts.memo
    assert memo_access(request_as(world, "partner"), memo.pk, review=True) == memo
    for role in ("member", "lead", "outsider"):
        with pytest.raises(Http404):
            memo_access(request_as(world, role), memo.pk, review=True, log="view")
    assert not AccessLogEntry.objects.exists()


def test_a_memo_not_yet_rendered_cannot_be_read_and_its_attempt_is_not_logged(world):
    queued = memo_request(asset=world.facts.asset, user=world.member)
    assert memo_access(request_as(world, "member"), queued.pk) == queued  # its progress can be watched
    with pytest.raises(Http404):
        memo_access(request_as(world, "member"), queued.pk, rendered=True, log="download")
    assert not AccessLogEntry.objects.exists()
    memo_access(request_as(world, "member"), world.facts.memo.pk, rendered=True, log="view", log_kind="memo text")
    assert AccessLogEntry.objects.get().object_kind == "memo text"
