"""Long lists of a dossier (milestones, royalty tiers...) are written in bulk, keeping what one-by-one writes did:
each object validated by its model, updated in place by its match with a new version and one history entry, left
alone when unchanged, and nothing written when one of them is refused."""

from __future__ import annotations

import copy
import json

import pytest

from assets.dossier import DossierError, dossier_import
from assets.dossier.example import EXAMPLE_PATH
from assets.models import Milestone

pytestmark = pytest.mark.django_db

COUNT = 300


def dossier_with_milestones(count: int) -> dict:
    document = json.loads(EXAMPLE_PATH.read_text(encoding="utf-8"))
    first = document["deal_terms"]["milestones"][0]
    document["deal_terms"]["milestones"] = [
        dict(first, event=f"Milestone {index}", amount=f"{1000 + index}.00") for index in range(count)
    ]
    return document


def milestones() -> dict[str, tuple[int, int, int]]:
    """event -> (id, version, history entries)."""
    return {m.event: (m.pk, m.version, m.history.count()) for m in Milestone.objects.all()}


def test_a_long_list_is_created_with_history_then_updated_in_place_only_where_it_changed(world):
    document = dossier_with_milestones(COUNT)
    result = dossier_import(team=world.phoenix, document=document, user=world.member)
    created = milestones()
    assert result.counts["milestones"] == COUNT and len(created) == COUNT
    assert {(version, entries) for _pk, version, entries in created.values()} == {(1, 1)}
    assert Milestone.history.filter(history_type="+", history_user=world.member).count() == COUNT

    changed = copy.deepcopy(document)
    changed["deal_terms"]["milestones"][7]["amount"] = "9999.00"
    dossier_import(team=world.phoenix, document=changed, user=world.lead)

    after = milestones()
    assert {event: pk for event, (pk, _v, _h) in after.items()} == {
        event: pk for event, (pk, _v, _h) in created.items()
    }
    assert after["Milestone 7"][1:] == (2, 2)
    assert Milestone.objects.get(event="Milestone 7").amount == 9999
    assert Milestone.history.filter(history_type="~").get().history_user == world.lead
    assert all(after[event][1:] == (1, 1) for event in after if event != "Milestone 7")


def test_one_refused_object_in_a_long_list_writes_nothing_and_is_named_by_its_place(world):
    dossier_import(team=world.phoenix, document=dossier_with_milestones(COUNT), user=None)
    before = milestones()
    changed = dossier_with_milestones(COUNT)
    changed["deal_terms"]["milestones"][0]["amount"] = "1.00"
    changed["deal_terms"]["milestones"][250]["event"] = ""

    with pytest.raises(DossierError) as refused:
        dossier_import(team=world.phoenix, document=changed, user=None)

    assert [problem.path for problem in refused.value.problems] == ["$.deal_terms.milestones[250].event"]
    assert milestones() == before
