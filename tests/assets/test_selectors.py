from __future__ import annotations

import pytest
from django.http import Http404

from assets.models import Hospital, StudySite
from assets.selectors import fact_get_for_user_or_404
from tests.factories import HospitalFactory, StudySiteFactory

pytestmark = pytest.mark.django_db


def test_a_fact_is_found_through_the_team_it_hangs_under(world):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    assert fact_get_for_user_or_404(user=world.member, model=StudySite, pk=site.pk) == site
    with pytest.raises(Http404):
        fact_get_for_user_or_404(user=world.outsider, model=StudySite, pk=site.pk)


def test_a_model_no_team_owns_is_refused_as_a_programming_error(world):
    hospital = HospitalFactory()
    with pytest.raises(TypeError, match="Hospital is not owned by a team"):
        fact_get_for_user_or_404(user=world.member, model=Hospital, pk=hospital.pk)
