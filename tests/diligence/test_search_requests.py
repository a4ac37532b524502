"""The search finds what was asked of the counterparty and what the thread says, for the team whose request it is."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from diligence.models import RequestMessage, SearchEntry
from diligence.search.index import search_index, search_index_rebuild
from diligence.search.query import search_entries

pytestmark = pytest.mark.django_db
SEARCH = reverse("diligence:search")


def found(team_ids: list[int], query: str) -> dict[str, list[str]]:
    return {
        group.kind: [hit.title for hit in group.hits] for group in search_entries(query=query, team_ids=team_ids).groups
    }


@pytest.fixture
def asked(world):
    facts = world.facts  # a request on PHX-1's first item ("Send the answer.pdf please"), answered "Attached."
    RequestMessage.objects.create(
        request=facts.counterparty_request,
        kind=RequestMessage.Kind.QUESTION,
        author=world.counterparty,
        body="Does the Ruijin tech-transfer office countersign the assignment?",
    )
    search_index_rebuild()
    return facts.counterparty_request


def test_members_find_a_request_by_what_was_asked_and_by_its_thread(world, asked):
    title = f"R-{asked.number} · {asked.text}"
    assert found([world.phoenix.pk], "answer.pdf please")["request"] == [title]
    assert found([world.phoenix.pk], "Ruijin countersign")["request"] == [title]


def test_another_team_finds_nothing_of_it(world, asked):
    assert found([world.atlas.pk], "answer.pdf please") == {}
    assert found([world.atlas.pk], "Ruijin countersign") == {}


def test_the_search_page_lists_requests_and_links_to_them(world, asked, client_as):
    body = client_as("member").get(SEARCH, {"q": "Ruijin countersign"}).content.decode()
    assert "Requests to the counterparty" in body
    assert reverse("diligence:request_detail", args=[asked.pk]) in body
    outsider = client_as("outsider").get(SEARCH, {"q": "Ruijin countersign"}).content.decode()
    assert reverse("diligence:request_detail", args=[asked.pk]) not in outsider


def test_a_new_message_marks_its_request_and_the_index_follows(world, asked):
    message = RequestMessage.objects.create(
        request=asked, kind=RequestMessage.Kind.REPLY, author=world.member, body="Yes: the Zhongshan office signs too."
    )
    marks = transaction.get_connection().__dict__.get("_search_index_marks", set())
    assert ("request", asked.pk) in marks  # sent to the worker when the transaction commits
    assert found([world.phoenix.pk], "Zhongshan office") == {}
    search_index([("request", message.request_id)])
    assert found([world.phoenix.pk], "Zhongshan office")["request"] == [f"R-{asked.number} · {asked.text}"]
    assert SearchEntry.objects.filter(kind="request", object_id=asked.pk).count() == 1
