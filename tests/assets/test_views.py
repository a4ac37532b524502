"""The facts in the browser: lists, tabs, htmx fragments, inline edits, stale-edit refusal, history, barriers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assets.models import Asset, EthicsApproval, Study
from assets.tabs import OWN_TAB_NAMES
from tests.factories import (
    AssetFactory,
    DealTermsFactory,
    EthicsApprovalFactory,
    HGRFilingFactory,
    MilestoneFactory,
    NHCFilingFactory,
    RegistrationPlanFactory,
    StudyFactory,
    StudySiteFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def queries(client, url: str, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(captured)


# --- the list -------------------------------------------------------------------------------------------------


def test_asset_list_shows_own_teams_assets_only(world, client_as):
    AssetFactory(team=world.phoenix, code="PHX-ONE", name="Phoenix one")
    AssetFactory(team=world.atlas, code="ATL-ONE", name="Atlas one")
    member_page = client_as("member").get(reverse("assets:asset_list")).content.decode()
    outsider_page = client_as("outsider").get(reverse("assets:asset_list")).content.decode()
    assert "PHX-ONE" in member_page and "ATL-ONE" not in member_page
    assert "ATL-ONE" in outsider_page and "PHX-ONE" not in outsider_page


def test_outsider_search_for_code_name_or_nct_id_finds_nothing(world, client_as):
    StudyFactory(asset__team=world.phoenix, asset__code="SECRET-1", asset__name="Secret CAR-T", nct_id="NCT03090659")
    client = client_as("outsider")
    for term in ("SECRET-1", "Secret CAR-T", "NCT03090659"):
        response = client.get(reverse("assets:asset_list"), {"q": term}, **HTMX)
        assert "SECRET-1" not in response.content.decode()
        assert response.context["page"].paginator.count == 0
    assert (
        client_as("member").get(reverse("assets:asset_list"), {"q": "NCT03090659"}).context["page"].paginator.count == 1
    )


def test_filters_and_sorting(world, client_as):
    AssetFactory(team=world.phoenix, code="B-2", modality="antibody", highest_phase_china="phase_2")
    AssetFactory(team=world.phoenix, code="A-1", modality="car_t", highest_phase_china="phase_1")
    StudyFactory(asset=AssetFactory(team=world.phoenix, code="C-3", modality="car_t"), sponsor_type="industry")
    client = client_as("member")

    def codes(**params):
        return [a.code for a in client.get(reverse("assets:asset_list"), params).context["page"].object_list]

    assert codes() == ["A-1", "B-2", "C-3"]
    assert codes(sort="-code") == ["C-3", "B-2", "A-1"]
    assert codes(modality="car_t") == ["A-1", "C-3"]
    assert codes(phase="phase_2") == ["B-2"]
    assert codes(sponsor_type="industry") == ["C-3"]
    assert codes(sort="no-such-sort") == ["A-1", "B-2", "C-3"]


def test_asset_list_htmx_returns_the_results_fragment_only(world, client_as):
    AssetFactory(team=world.phoenix, code="FRAG-1")
    response = client_as("member").get(reverse("assets:asset_list"), {"q": "FRAG"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"')
    assert "<html" not in body and "FRAG-1" in body
    assert "HX-Request" in response["Vary"]


def test_asset_list_paginates(world, client_as):
    AssetFactory.create_batch(30, team=world.phoenix)
    page_two = client_as("member").get(reverse("assets:asset_list"), {"page": 2}).context["page"]
    assert (page_two.number, len(page_two.object_list), page_two.paginator.count) == (2, 5, 30)


def test_asset_list_query_count_is_the_same_for_2_and_50_assets(world, client_as):
    client = client_as("member")
    client.get(reverse("assets:asset_list"))  # the session settles on the first request
    for _ in range(2):
        StudySiteFactory(study__asset__team=world.phoenix)
    few = queries(client, reverse("assets:asset_list"))
    for _ in range(48):
        StudySiteFactory(study__asset__team=world.phoenix)
    # Session, user and roles (with the teams and unread count); the count, the rows.
    assert queries(client, reverse("assets:asset_list")) == few == 5


# --- the asset page -------------------------------------------------------------------------------------------


def populate(asset: Asset, n: int) -> None:
    """n of each kind of child under the asset."""
    for i in range(n):
        study = StudyFactory(asset=asset)
        site = StudySiteFactory(study=study)
        EthicsApprovalFactory(study_site=site)
        HGRFilingFactory(study=study)
        NHCFilingFactory(study=study, filing_number=f"NHC-{asset.pk}-{i}")
    deal = asset.deal_terms if hasattr(asset, "deal_terms") else MilestoneFactory(deal__asset=asset).deal
    MilestoneFactory.create_batch(n, deal=deal)


@pytest.mark.parametrize("tab", sorted(OWN_TAB_NAMES))
def test_every_tab_runs_the_same_queries_for_2_and_50_rows(world, client_as, tab):
    client = client_as("member")
    asset = AssetFactory(team=world.phoenix)
    populate(asset, 2)
    url = f"{reverse('assets:asset_detail', args=[asset.pk])}?tab={tab}"
    few = queries(client, url)
    populate(Asset.objects.get(pk=asset.pk), 48)
    assert queries(client, url) == few


def test_tab_switch_over_htmx_returns_the_panel_only(world, client_as):
    asset = StudyFactory(asset__team=world.phoenix).asset
    assert asset is not None
    response = client_as("member").get(reverse("assets:asset_detail", args=[asset.pk]), {"tab": "studies"}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert 'aria-current="page">Studies</a>' in body
    assert asset.studies.get().nct_id in body


def test_unknown_tab_is_404(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    assert (
        client_as("member").get(reverse("assets:asset_detail", args=[asset.pk]), {"tab": "secrets"}).status_code == 404
    )


def test_chinese_hospital_names_render(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix, hospital__name_zh="西安交通大学第二附属医院")
    body = client_as("member").get(reverse("assets:asset_detail", args=[site.study.asset_id]), {"tab": "sites"})
    assert "西安交通大学第二附属医院" in body.content.decode()


def test_nhc_filing_tab_shows_the_deadline_on_the_make_up_saturday(world, client_as):
    filing = NHCFilingFactory(
        study__asset__team=world.phoenix,
        academic_review_on=dt.date(2026, 9, 25),
        ethics_approved_on=dt.date(2026, 9, 28),
        filed_on=dt.date(2026, 10, 12),
    )
    body = client_as("member").get(reverse("assets:asset_detail", args=[filing.study.asset_id]), {"tab": "filings"})
    text = body.content.decode()
    assert "2026-10-10" in text and "late" in text


def test_ethics_after_first_enrolment_is_marked(world, client_as):
    approval = EthicsApprovalFactory(
        study_site__study__asset__team=world.phoenix,
        study_site__first_enrolled_on=dt.date(2024, 4, 1),
        approval_date=dt.date(2024, 4, 2),
    )
    asset_id = approval.study_site.study.asset_id
    body = client_as("member").get(reverse("assets:asset_detail", args=[asset_id]), {"tab": "ethics"}).content.decode()
    assert "after first enrolment" in body


# --- creating, editing, deleting ------------------------------------------------------------------------------


def test_create_an_asset_and_refuse_a_duplicate_code(world, client_as):
    client = client_as("member")
    data = {
        "team": world.phoenix.pk,
        "code": "NEW-1",
        "name": "New",
        "modality": "car_t",
        "originator_name": "Acme Bio",
        "order818_scope_override": "unknown",
    }
    response = client.post(reverse("assets:asset_create"), data)
    asset = Asset.objects.get(code="NEW-1")
    assert response.status_code == 302 and response["Location"] == asset.get_absolute_url()
    assert asset.originator is not None
    assert asset.originator.name == "Acme Bio" and asset.originator.team == world.phoenix
    assert asset.history.get().history_user == world.member
    again = client.post(reverse("assets:asset_create"), data)
    assert again.status_code == 200
    assert "The team already has an asset with this code." in again.content.decode()
    assert Asset.objects.filter(code="NEW-1").count() == 1


def test_asset_create_cannot_target_another_team(world, client_as):
    data = {
        "team": world.atlas.pk,
        "code": "X-1",
        "name": "X",
        "modality": "car_t",
        "order818_scope_override": "unknown",
    }
    response = client_as("member").post(reverse("assets:asset_create"), data)
    assert response.status_code == 200
    assert not Asset.objects.filter(code="X-1").exists()


def test_partner_sees_no_create_form(world, client_as):
    response = client_as("partner").get(reverse("assets:asset_create"))
    assert "not on a deal team where you can add assets" in response.content.decode()


def test_inline_edit_over_htmx_returns_fragments(world, client_as):
    study = StudyFactory(asset__team=world.phoenix, title="Old title")
    client = client_as("member")
    url = reverse("assets:study_edit", args=[study.pk])
    form = client.get(url, **HTMX).content.decode()
    assert "<html" not in form and 'hx-post="' in form and 'name="version" value="1"' in form

    invalid = client.post(url, {**study_form_data(study), "nct_id": "NCT123"}, **HTMX)
    assert invalid.status_code == 200
    assert "NCT followed by 8 digits" in invalid.content.decode()
    assert Study.objects.get(pk=study.pk).nct_id == study.nct_id

    saved = client.post(url, {**study_form_data(study), "title": "New title"}, **HTMX)
    assert saved.status_code == 200
    assert saved["HX-Retarget"] == "#tab-panel" and saved["HX-Reswap"] == "innerHTML"
    assert "New title" in saved.content.decode()
    assert Study.objects.get(pk=study.pk).version == 2


def test_inline_edit_without_htmx_redirects_to_the_tab(world, client_as):
    study = StudyFactory(asset__team=world.phoenix)
    response = client_as("lead").post(
        reverse("assets:study_edit", args=[study.pk]), {**study_form_data(study), "title": "T"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=studies")


def study_form_data(study: Study) -> dict[str, object]:
    return {
        "version": study.version,
        "nct_id": study.nct_id,
        "title": study.title,
        "phase": study.phase,
        "status": study.status,
        "sponsor_type": study.sponsor_type,
        "start_date": str(study.start_date),
        "start_date_precision": "day",
        "first_patient_dosed_precision": "day",
        "completion_date_precision": "day",
        "countries": "China",
    }


def test_second_save_of_the_same_record_is_refused_with_the_newer_values(world, client_as):
    study = StudyFactory(asset__team=world.phoenix, title="Original title")
    url = reverse("assets:study_edit", args=[study.pk])
    first, second = client_as("member"), client_as("lead")
    first.post(url, {**study_form_data(study), "title": "Member's title"})
    refused = second.post(url, {**study_form_data(study), "title": "Lead's title"}, **HTMX)

    body = refused.content.decode()
    assert refused.status_code == 409
    assert "changed this record while you were editing" in body
    assert "Member&#x27;s title" in body  # the stored value is shown
    assert 'value="Lead&#x27;s title"' in body  # the user's input is kept
    assert 'name="version" value="2"' in body  # a deliberate second save may go through
    assert Study.objects.get(pk=study.pk).title == "Member's title"

    again = second.post(url, {**study_form_data(study), "version": 2, "title": "Lead's title"}, **HTMX)
    assert again.status_code == 200
    assert Study.objects.get(pk=study.pk).title == "Lead's title"


def test_delete_asks_then_deletes_and_refuses_a_stale_delete(world, client_as):
    approval = EthicsApprovalFactory(study_site__study__asset__team=world.phoenix)
    client = client_as("member")
    url = reverse("assets:ethics_delete", args=[approval.pk])
    confirm = client.get(url, **HTMX).content.decode()
    assert "Delete ethics approval" in confirm and 'name="version"' in confirm
    approval.committee = "Renamed"
    approval.version = 2
    approval.save()
    stale = client.post(url, {"version": 1}, **HTMX)
    assert stale.status_code == 409 and EthicsApproval.objects.filter(pk=approval.pk).exists()
    done = client.post(url, {"version": 2}, **HTMX)
    assert done.status_code == 200 and not EthicsApproval.objects.filter(pk=approval.pk).exists()


def test_create_a_site_matches_the_hospital_in_the_directory(world, client_as):
    existing = StudySiteFactory(
        study__asset__team=world.phoenix, hospital__name_en="Ruijin Hospital", hospital__city="Shanghai"
    )
    new_study = StudyFactory(asset=existing.study.asset)
    data = {
        "hospital_name_en": "ruijin hospital",
        "hospital_city": "shanghai",
        "hospital_grade": "unknown",
        "role": "lead",
        "principal_investigator": "Dr Li",
    }
    response = client_as("member").post(reverse("assets:site_create", args=[new_study.pk]), data, **HTMX)
    assert response.status_code == 200
    assert new_study.sites.get().hospital == existing.hospital


def test_singular_facts_are_edited_not_duplicated(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    client = client_as("member")
    data = {
        "direction": "in",
        "counterparty": "Acme",
        "currency": "USD",
        "upfront": "1000000",
        "equity": "0",
        "technical_data_sharing": "yes",
    }
    client.post(reverse("assets:deal_create", args=[asset.pk]), data, **HTMX)
    form = client.get(reverse("assets:deal_create", args=[asset.pk]), **HTMX).content.decode()
    assert 'value="Acme"' in form and 'name="version" value="1"' in form


def test_negative_money_gets_a_clear_error(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    data = {
        "direction": "in",
        "counterparty": "Acme",
        "currency": "USD",
        "upfront": "-5",
        "equity": "0",
        "technical_data_sharing": "yes",
    }
    response = client_as("member").post(reverse("assets:deal_create", args=[asset.pk]), data, **HTMX)
    assert "Amounts cannot be negative." in response.content.decode()


def test_dates_out_of_order_get_an_error_beside_the_later_field(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    data = {"authority": "nmpa", "pathway": "standard", "submitted_on": "2026-03-02", "cleared_on": "2026-03-01"}
    response = client_as("member").post(reverse("assets:ind_create", args=[asset.pk]), data, **HTMX)
    assert "Must be on or after the submitted on (2026-03-02)." in response.content.decode()


def test_partner_reads_but_cannot_write(world, client_as):
    study = StudyFactory(asset__team=world.phoenix)
    client = client_as("partner")
    assert client.get(reverse("assets:asset_detail", args=[study.asset_id])).status_code == 200
    assert client.get(reverse("assets:study_edit", args=[study.pk])).status_code == 404
    assert client.post(reverse("assets:study_edit", args=[study.pk]), study_form_data(study)).status_code == 404


def test_a_study_under_no_asset_has_no_asset_page_to_be_edited_on(world, client_as):
    study = StudyFactory(team=world.phoenix, asset=None)
    assert client_as("member").get(reverse("assets:study_edit", args=[study.pk])).status_code == 404


# --- history --------------------------------------------------------------------------------------------------


def test_history_shows_who_changed_what(world, client_as):
    study = StudyFactory(asset__team=world.phoenix, title="Before")
    client_as("lead").post(reverse("assets:study_edit", args=[study.pk]), {**study_form_data(study), "title": "After"})
    body = client_as("member").get(reverse("assets:study_history", args=[study.pk]), **HTMX).content.decode()
    assert str(world.lead) in body and "Before" in body and "After" in body
    asset_history = client_as("member").get(reverse("assets:asset_detail", args=[study.asset_id]), {"tab": "history"})
    assert "After" in asset_history.content.decode()


def test_outsider_sees_no_history(world, client_as):
    study = StudyFactory(asset__team=world.phoenix)
    client = client_as("outsider")
    assert client.get(reverse("assets:study_history", args=[study.pk])).status_code == 404
    assert client.get(reverse("assets:asset_detail", args=[study.asset_id]), {"tab": "history"}).status_code == 404


# --- the shared hospital directory ----------------------------------------------------------------------------


def test_hospital_directory_counts_only_my_teams_sites(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    StudySiteFactory(study__asset__team=world.atlas, hospital=site.hospital)
    rows = client_as("outsider").get(reverse("assets:hospital_list")).context["page"].object_list
    assert [h.my_site_count for h in rows] == [1]
    detail = client_as("outsider").get(reverse("assets:hospital_detail", args=[site.hospital_id])).content.decode()
    assert site.study.asset is not None and site.study.asset.code not in detail


def test_only_curators_edit_the_shared_directory(world, client_as):
    from django.contrib.auth.models import Permission

    hospital = StudySiteFactory(study__asset__team=world.phoenix).hospital
    url = reverse("assets:hospital_edit", args=[hospital.pk])
    for role in ("member", "lead", "partner", "outsider"):
        assert client_as(role).get(url).status_code == 404
    assert client_as("staff").get(url).status_code == 200
    world.member.user_permissions.add(Permission.objects.get(codename="change_hospital"))  # made a curator
    assert client_as("member").get(url).status_code == 200


def test_the_curators_group_migrate_keeps_grants_curation_and_keeps_what_an_admin_added(world, client_as):
    from django.contrib.auth.models import Group, Permission

    from assets.curators import CURATOR_PERMISSIONS, CURATORS_GROUP, curator_group_ensure

    curators = Group.objects.get(name=CURATORS_GROUP)  # made by migrate
    assert sorted(curators.permissions.values_list("codename", flat=True)) == sorted(CURATOR_PERMISSIONS)
    extra = Permission.objects.get(codename="view_study")
    curators.permissions.add(extra)
    curators.permissions.remove(Permission.objects.get(codename="change_hospital"))
    curator_group_ensure()  # as every migrate does: what curation takes is back, the admin's addition stays
    assert set(curators.permissions.values_list("codename", flat=True)) == {*CURATOR_PERMISSIONS, "view_study"}

    url = reverse("assets:hospital_edit", args=[StudySiteFactory(study__asset__team=world.phoenix).hospital_id])
    assert client_as("member").get(url).status_code == 404
    world.member.groups.add(curators)
    assert client_as("member").get(url).status_code == 200


def test_a_team_creating_a_hospital_cannot_mark_its_grade_verified_for_everyone(world):
    from assets.services import hospital_get_or_create

    facts = {"grade": "grade_a_tertiary", "grade_verified": True, "grade_verified_on": dt.date(2026, 1, 5)}
    made, created = hospital_get_or_create(name_en="New Hospital", city="Wuhan", user=world.member, **facts)
    assert created and made.grade == "grade_a_tertiary" and not made.grade_verified
    curated, _ = hospital_get_or_create(name_en="Curated Hospital", city="Wuhan", user=world.staff, **facts)
    assert curated.grade_verified


def test_hospital_edits_are_audited_and_editors_of_other_teams_stay_anonymous(world, client_as):
    from django.contrib.auth.models import Permission

    world.member.user_permissions.add(Permission.objects.get(codename="change_hospital"))  # a curator
    site = StudySiteFactory(study__asset__team=world.phoenix)
    hospital = site.hospital
    data = {
        "version": hospital.version,
        "name_en": hospital.name_en,
        "name_zh": hospital.name_zh,
        "city": hospital.city,
        "province": "Shaanxi",
        "country": "China",
        "grade": "grade_a_tertiary",
        "grade_verified": "on",
        "grade_verified_on": "2026-11-01",
        "nmpa_record": "unknown",
    }
    assert client_as("member").post(reverse("assets:hospital_edit", args=[hospital.pk]), data).status_code == 302
    own_team_view = client_as("lead").get(reverse("assets:hospital_detail", args=[hospital.pk])).content.decode()
    other_team_view = client_as("outsider").get(reverse("assets:hospital_detail", args=[hospital.pk])).content.decode()
    assert str(world.member) in own_team_view and "Shaanxi" in own_team_view
    assert str(world.member) not in other_team_view and "a directory curator" in other_team_view


def test_red_flag_filter(world, client_as):
    from diligence.services.findings import findings_recompute

    site = StudySiteFactory(study__asset__team=world.phoenix, study__asset__code="FLAG-1")
    flagged = site.study.asset
    assert flagged is not None
    EthicsApprovalFactory(study_site=site, approval_date=dt.date(2024, 4, 2))  # after its first enrolment: high
    findings_recompute(asset_id=flagged.pk)
    AssetFactory(team=world.phoenix, code="CLEAN-1")
    client = client_as("member")

    def codes(**params):
        return [a.code for a in client.get(reverse("assets:asset_list"), params).context["page"].object_list]

    assert codes(flags="high") == ["FLAG-1"]
    assert codes(flags="none") == ["CLEAN-1"]
    assert codes(sort="flags")[0] == "FLAG-1"


@pytest.mark.parametrize("kind", ["deal", "plan"])
def test_deleting_the_deal_terms_or_plan_shows_the_tab_without_it(world, client_as, kind):
    asset = AssetFactory(team=world.phoenix, code="PHX-9")
    fact = DealTermsFactory(asset=asset) if kind == "deal" else RegistrationPlanFactory(asset=asset)
    response = client_as("member").post(
        reverse(f"assets:{kind}_delete", args=[fact.pk]), {"version": fact.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert type(fact).objects.filter(pk=fact.pk).count() == 0
    assert reverse(f"assets:{kind}_edit", args=[fact.pk]) not in response.content.decode()
