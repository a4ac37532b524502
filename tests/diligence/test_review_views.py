"""The review page and the findings tab in the browser: fragments, stale edits, files, exports, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from diligence.models import EvidenceDownload, Finding, Review, ReviewItem, TemplateItem
from diligence.services.checklists import default_template_ensure, review_start, template_new_draft, template_publish
from diligence.services.findings import findings_recompute
from diligence.services.standing import standings_rebuild
from tests.conftest import MINIMAL_PDF
from tests.factories import AssetFactory, StudySiteFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def review(world):
    return review_start(asset=AssetFactory(team=world.phoenix, code="REV-1"), user=world.member)


def item_data(item: ReviewItem, **changes) -> dict[str, object]:
    prefix = f"item-{item.pk}-"
    data = {
        "version": item.version,
        "status": item.status,
        "na_reason": item.na_reason,
        "assignee": "",
        "due_on": "",
        "notes": item.notes,
        **changes,
    }
    return {prefix + key: value for key, value in data.items()}


def test_start_a_review_from_the_asset_checklist_tab(world, client_as):
    asset = AssetFactory(team=world.phoenix)
    tab = client_as("member").get(reverse("diligence:asset_checklist", args=[asset.pk])).content.decode()
    assert "Start the diligence checklist" in tab
    response = client_as("member").post(reverse("diligence:review_create", args=[asset.pk]))
    review = Review.objects.get(asset=asset)
    assert response["Location"] == review.get_absolute_url()
    assert client_as("partner").post(reverse("diligence:review_create", args=[asset.pk])).status_code == 404


def test_review_page_groups_items_by_question(world, client_as, review):
    body = client_as("partner").get(review.get_absolute_url()).content.decode()
    assert "Ethics approval on file for every site, dated before first enrolment" in body
    assert "<h2>Data integrity</h2>" in body and "<h2>Registration plan</h2>" in body
    assert body.count('class="panel question-group"') == 5
    assert 'form="bulk-form"' not in body  # partners read; they do not edit


def test_review_page_names_the_rules_an_item_relates_to_by_their_labels_not_their_ids(world, client_as, review):
    body = client_as("partner").get(review.get_absolute_url()).content.decode()
    assert "CFR-312.120: IIT data meant to support a US filing without the GCP conditions the FDA requires" in body
    assert ">cfr312-foreign-data<" not in body and ">efficacy-claim-hygiene<" not in body


def test_filters_return_the_items_fragment(world, client_as, review):
    item = review.items.get(key="ethics-every-site")
    item.status = "blocked"
    item.save()
    response = client_as("member").get(review.get_absolute_url(), {"blocked": "1"}, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="items">') and "<html" not in body
    assert response.context["item_count"] == 1 and "HX-Request" in response["Vary"]


def test_inline_item_edit_returns_the_row(world, client_as, review):
    item = review.items.get(key="consent-cross-border")
    client = client_as("member")
    form = client.get(reverse("diligence:review_item_edit", args=[item.pk]), **HTMX).content.decode()
    assert form.lstrip().startswith(f'<tr id="item-{item.pk}" class="editing">')
    data = item_data(item, status="in_progress", assignee=world.lead.pk, notes="Asked the PI")
    response = client.post(reverse("diligence:review_item_edit", args=[item.pk]), data, **HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="item-{item.pk}" class="status-in_progress">')
    item.refresh_from_db()
    assert (item.status, item.assignee, item.version) == ("in_progress", world.lead, 2)


def test_not_applicable_without_reason_is_a_field_error(world, client_as, review):
    item = review.items.all()[0]
    response = client_as("member").post(
        reverse("diligence:review_item_edit", args=[item.pk]), item_data(item, status="not_applicable"), **HTMX
    )
    assert "Say why the item does not apply." in response.content.decode()
    assert ReviewItem.objects.get(pk=item.pk).status == "not_started"


def test_two_reviewers_editing_the_same_item(world, client_as, review):
    item = review.items.all()[0]
    stale_form = item_data(item, status="done", notes="Lead's note")
    client_as("member").post(
        reverse("diligence:review_item_edit", args=[item.pk]),
        item_data(item, status="blocked", notes="Member's note"),
        **HTMX,
    )
    refused = client_as("lead").post(reverse("diligence:review_item_edit", args=[item.pk]), stale_form, **HTMX)
    body = refused.content.decode()
    assert refused.status_code == 409
    assert "changed this item while you were editing" in body and "Member&#x27;s note" in body
    assert "Lead&#x27;s note" in body  # the second reviewer's input is kept
    assert ReviewItem.objects.get(pk=item.pk).notes == "Member's note"


def test_assignee_choices_are_the_team_only(world, client_as, review):
    item = review.items.all()[0]
    response = client_as("member").post(
        reverse("diligence:review_item_edit", args=[item.pk]), item_data(item, assignee=world.outsider.pk), **HTMX
    )
    assert "Select a valid choice" in response.content.decode()


def test_bulk_assign(world, client_as, review):
    ids = list(review.items.values_list("pk", flat=True)[:4])
    response = client_as("lead").post(
        reverse("diligence:review_bulk_edit", args=[review.pk]),
        {"items": ids, "assignee": world.member.pk, "due_on": "2026-12-15"},
    )
    assert response.status_code == 302
    assert review.items.filter(assignee=world.member, due_on="2026-12-15").count() == 4


def test_comment_and_evidence_upload_and_download(world, client_as, review):
    item = review.items.all()[0]
    client = client_as("member")
    detail = client.post(reverse("diligence:item_comment_create", args=[item.pk]), {"body": "Letter requested"}, **HTMX)
    assert "Letter requested" in detail.content.decode()
    upload = SimpleUploadedFile("ethics-letter.pdf", MINIMAL_PDF, content_type="application/pdf")
    detail = client.post(reverse("diligence:evidence_create", args=[item.pk]), {"file": upload}, **HTMX)
    assert "ethics-letter.pdf" in detail.content.decode()
    evidence = item.evidence.get()
    download = client_as("partner").get(reverse("diligence:evidence_download", args=[evidence.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="ethics-letter.pdf"'
    assert b"".join(download.streaming_content) == MINIMAL_PDF
    assert EvidenceDownload.objects.get().user == world.partner
    assert client_as("outsider").get(reverse("diligence:evidence_download", args=[evidence.pk])).status_code == 404


def test_an_upload_of_the_wrong_type_is_refused_beside_the_field(world, client_as, review):
    item = review.items.all()[0]
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    response = client_as("member").post(reverse("diligence:evidence_create", args=[item.pk]), {"file": fake}, **HTMX)
    assert response.status_code == 400 and "not an accepted file type" in response.content.decode()
    assert item.evidence.count() == 0


def test_evidence_files_are_not_reachable_by_path(world, client_as, review, settings):
    item = review.items.all()[0]
    upload = SimpleUploadedFile("letter.pdf", MINIMAL_PDF)
    client_as("member").post(reverse("diligence:evidence_create", args=[item.pk]), {"file": upload}, **HTMX)
    stored = item.evidence.get().file.name
    for url in (f"/media/{stored}", f"/static/{stored}", f"/{stored}"):
        assert client_as("member").get(url).status_code == 404


def test_exports(world, client_as, review):
    item = review.items.get(key="ethics-every-site")
    item.notes = '=HYPERLINK("http://evil")'
    item.save()
    StudySiteFactory(study__asset=review.asset)
    findings_recompute(asset_id=review.asset_id)
    response = client_as("partner").get(reverse("diligence:review_export_csv", args=[review.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response["Content-Disposition"].endswith('-checklist-v1.csv"')
    assert sum(1 for row in rows if row[:1] == ["item"]) == review.items.count()
    assert any(row[:1] == ["finding"] and "ethics-coverage" in row for row in rows)
    assert any("'=HYPERLINK" in cell for row in rows for cell in row)  # never a live formula
    xlsx = client_as("partner").get(reverse("diligence:review_export_xlsx", args=[review.pk]))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Checklist", "Findings"]
    assert book["Checklist"].max_row == review.items.count() + 1


def test_review_page_query_count_is_the_same_for_10_and_300_items(world, client_as):
    # The default template is ensured, not assumed: a transactional test earlier in this process may have emptied it.
    draft = template_new_draft(template=default_template_ensure().template, user=None)
    question = draft.questions.all()[0]
    TemplateItem.objects.filter(version=draft).exclude(
        pk__in=list(draft.items.values_list("pk", flat=True)[:10])
    ).delete()
    small = review_start(asset=AssetFactory(team=world.phoenix), user=None)
    client = client_as("member")

    def queries(review):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(review.get_absolute_url()).status_code == 200
        return len(captured)

    for i in range(300 - TemplateItem.objects.filter(version=draft).count()):
        TemplateItem.objects.create(question=question, key=f"extra-{i}", text=f"Extra check {i}", order=100 + i)
    template_publish(version=draft, user=None)
    big_template_review = review_start(asset=AssetFactory(team=world.phoenix), user=None)
    assert small.items.count() != big_template_review.items.count() == 300
    ten = review_start(asset=AssetFactory(team=world.phoenix), user=None)
    ReviewItem.objects.filter(review=ten).exclude(pk__in=list(ten.items.values_list("pk", flat=True)[:10])).delete()
    # Every row shows all it can (assignee, due date, notes, a reason for "not applicable"), so a column the page
    # left unread would cost a query per row.
    filled = ReviewItem.objects.filter(review__in=[ten, big_template_review])
    filled.update(
        assignee=world.member, due_on=timezone.localdate(), notes="Checked against the source.",
        status=ReviewItem.Status.NOT_APPLICABLE, na_reason="Not this asset's modality.",
    )  # fmt: skip
    standings_rebuild(asset_ids=[ten.asset_id, big_template_review.asset_id])
    page = client.get(big_template_review.get_absolute_url()).content.decode()
    assert page.count(str(world.member)) >= 300 and page.count("Not this asset&#x27;s modality.") == 300
    # Session, user and roles; the review, the access log entry, the items (the progress counted from them), the
    # team's members, the template's latest version: the same for 10 items as for 300.
    assert queries(ten) == queries(big_template_review) == 8


def test_upgrade_offer_and_upgrade_in_the_browser(world, client_as, review):
    draft = template_new_draft(template=review.template, user=world.staff)
    TemplateItem.objects.create(
        question=draft.questions.get(key="ownership"),
        key="licensor-standing",
        text="The licensor may grant the licence",
        order=50,
    )
    template_publish(version=draft, user=world.staff)
    page = client_as("member").get(review.get_absolute_url()).content.decode()
    assert "Version 2 of China IIT diligence is published." in page
    offer = client_as("partner").get(reverse("diligence:review_upgrade", args=[review.pk])).content.decode()
    assert "The licensor may grant the licence" in offer and "Upgrade this checklist" not in offer
    assert "licensor-standing" not in offer  # the item by its text, not its key
    assert client_as("partner").post(reverse("diligence:review_upgrade", args=[review.pk])).status_code == 404
    client_as("lead").post(reverse("diligence:review_upgrade", args=[review.pk]))
    review.refresh_from_db()
    assert review.template_version.number == 2


# --- findings tab ------------------------------------------------------------------------------------------------


def test_findings_tab_shows_the_verdict_and_each_finding_with_its_citation(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    assert site.study.asset_id is not None
    findings_recompute(asset_id=site.study.asset_id)
    response = client_as("partner").get(reverse("diligence:asset_findings", args=[site.study.asset_id]))
    body = response.content.decode()
    assert "Does this data travel?" in body and "No" in body
    assert "CFR-312.120" in body and "No ethics approval on file" in body
    assert 'aria-current="page">Findings &amp; verdict</a>' in body


def test_acknowledge_a_finding_over_htmx(world, client_as):
    site = StudySiteFactory(study__asset__team=world.phoenix)
    assert site.study.asset_id is not None
    findings_recompute(asset_id=site.study.asset_id)
    finding = Finding.objects.get(rule_id="ethics-coverage")
    url = reverse("diligence:finding_status_edit", args=[finding.pk])
    refused = client_as("member").post(url, {"status": "acknowledged", "note": ""}, **HTMX)
    assert "Say why you acknowledge it." in refused.content.decode()
    client_as("member").post(url, {"status": "acknowledged", "note": "Requested from the site"}, **HTMX)
    finding.refresh_from_db()
    assert (finding.status, finding.note, finding.status_changed_by) == (
        "acknowledged",
        "Requested from the site",
        world.member,
    )
    assert client_as("partner").post(url, {"status": "open"}).status_code == 404


def test_item_rows_carry_their_checklist_details_and_escape_what_people_wrote(world, client_as):
    review = world.facts.review
    item = review.items.order_by("order", "pk")[0]
    ReviewItem.objects.filter(pk=item.pk).update(
        status="not_applicable", na_reason="<b>n/a</b>", notes="<script>x</script>" + "y" * 200, assignee=world.lead
    )
    standings_rebuild()  # the update sends no signal
    world.lead.first_name, world.lead.last_name = "Lei", "<Lead>"
    world.lead.save()
    body = client_as("member").get(review.get_absolute_url()).content.decode()
    template_item = item.template_item
    assert f'<span id="item-{item.pk}-text">{template_item.text}</span>' in body
    assert (
        f'<span class="badge crit-{template_item.criticality}">{template_item.get_criticality_display()}</span>' in body
    )
    assert body.count('class="meta"') == review.items.count()
    assert '<div class="small muted">&lt;b&gt;n/a&lt;/b&gt;</div>' in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body and "<script>x" not in body
    assert "y" * 200 not in body and "y" * 100 + "…" in body  # notes cut at 120 characters
    assert "<td>Lei &lt;Lead&gt;</td>" in body


@pytest.mark.parametrize(
    ("days", "status", "overdue"),
    [(-1, "in_progress", True), (0, "in_progress", False), (-1, "done", False), (-1, "not_applicable", False)],
)
def test_an_item_is_marked_overdue_from_the_day_after_it_was_due_until_it_is_finished(
    world, client_as, review, days, status, overdue
):
    item = review.items.order_by("order", "pk")[0]
    due = timezone.localdate() + dt.timedelta(days=days)
    ReviewItem.objects.filter(pk=item.pk).update(due_on=due, status=status, na_reason="n/a")
    standings_rebuild()  # the update sends no signal
    row = client_as("member").get(reverse("diligence:review_item_row", args=[item.pk])).content.decode()
    expected = f'<td class="nowrap">{due.isoformat()}' + (' <span class="badge red">overdue</span>' if overdue else "")
    assert expected + "</td>" in row


def test_a_row_swapped_in_over_htmx_is_the_row_of_the_page(world, client_as, review):
    item = review.items.order_by("order", "pk")[0]
    for role, editable in (("member", True), ("partner", False)):
        client = client_as(role)
        page = client.get(review.get_absolute_url()).content.decode()
        row = client.get(reverse("diligence:review_item_row", args=[item.pk])).content.decode().strip()
        assert row.startswith(f'<tr id="item-{item.pk}"') and row in page
        assert (f'id="item-{item.pk}-edit">Edit</a>' in row) is editable
        assert ('form="bulk-form"' in row) is editable
