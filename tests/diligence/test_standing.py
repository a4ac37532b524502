"""Each asset's kept standing follows every write of its findings and checklist items (and every test checks it
after its writes: ``standings_match_their_rows`` in the conftest). These tests name the paths one by one."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diligence.models import AssetStanding, Finding, ReviewItem
from diligence.models.checklists import Criticality
from diligence.models.standing import Counts
from diligence.selectors import dashboard as selectors
from diligence.selectors.dashboard import team_dashboard
from diligence.selectors.reviews import progress_by_question
from diligence.services.checklists import review_item_update, review_start
from diligence.services.findings import finding_set_status
from diligence.services.standing import standings_counted, standings_deferred, standings_rebuild, standings_refresh
from tests.factories import AssetFactory, DealTeamFactory, FindingFactory, UserFactory

pytestmark = pytest.mark.django_db


def kept(asset) -> Counts:
    return AssetStanding.objects.get(asset=asset).counts


def finding(asset, *, n: int = 0) -> Finding:
    """A high breach, open, raised by the n-th rule."""
    return FindingFactory(asset=asset, rule_id=f"rule-{n}")


def test_an_asset_without_a_review_or_findings_has_no_row_and_is_not_established(world):
    asset = AssetFactory(team=world.phoenix)
    assert not AssetStanding.objects.filter(asset=asset).exists()
    [shown] = team_dashboard(team=world.phoenix, today=timezone.localdate()).assets
    assert (shown.pk, shown.light) == (asset.pk, "not_established")  # no review is one thing missing, never green


def test_starting_a_review_keeps_its_items_per_question_and_its_critical_items_unfinished(world):
    asset = AssetFactory(team=world.phoenix)
    review = review_start(asset=asset, user=None)
    standing = kept(asset)
    live = review.items.filter(archived_at__isnull=True)
    assert standing["reviewed"] is True
    assert sum(total for total, _finished, _blocked in standing["progress"].values()) == live.count()
    critical = live.filter(template_item__criticality=Criticality.CRITICAL).count()
    assert standing["critical_unfinished"] == critical > 0


def test_finishing_a_critical_item_counts_down_and_an_edit_of_notes_alone_writes_no_standing(world):
    asset = AssetFactory(team=world.phoenix)
    review = review_start(asset=asset, user=None)
    item = review.items.filter(template_item__criticality=Criticality.CRITICAL).order_by("pk")[0]
    before = kept(asset)["critical_unfinished"]

    item = review_item_update(item=item, user=world.lead, changes={"status": "done"}, expected_version=item.version)
    assert kept(asset)["critical_unfinished"] == before - 1
    assert kept(asset)["progress"][item.question][1] == 1  # finished

    with CaptureQueriesContext(connection) as queries:
        review_item_update(item=item, user=world.lead, changes={"notes": "checked"}, expected_version=item.version)
    assert not [q for q in queries if "diligence_assetstanding" in q["sql"]]
    assert kept(asset)["critical_unfinished"] == before - 1


def test_a_finding_mitigated_moves_from_red_to_amber_and_a_deleted_one_leaves_the_counts(world):
    asset = AssetFactory(team=world.phoenix)
    raised = finding(asset)
    assert (kept(asset)["red"], kept(asset)["amber"], kept(asset)["severity_high"]) == (1, 0, 1)
    finding_set_status(finding=raised, user=world.lead, status=Finding.Status.MITIGATED, note="Remediated")
    assert (kept(asset)["red"], kept(asset)["amber"], kept(asset)["severity_high"]) == (0, 1, 1)
    raised.delete()
    assert (kept(asset)["amber"], kept(asset)["severity_high"]) == (0, 0)


def test_deleting_a_review_leaves_the_asset_unreviewed_and_deleting_the_asset_leaves_nothing_behind(world):
    asset = AssetFactory(team=world.phoenix)
    finding(asset)
    review = review_start(asset=asset, user=None)
    review.delete()
    assert kept(asset)["reviewed"] is False and kept(asset)["progress"] == {}
    review_start(asset=asset, user=None)
    asset.delete()
    assert not AssetStanding.objects.filter(asset_id=asset.pk).exists()
    connection.check_constraints()  # no standing row written mid-delete for the asset that went


def test_refreshes_in_a_deferred_block_are_counted_once_at_its_end_and_not_at_all_after_an_error(world):
    asset = AssetFactory(team=world.phoenix)
    with CaptureQueriesContext(connection) as inside, standings_deferred():
        finding(asset, n=1)
        finding(asset, n=2)
        with standings_deferred():  # nested: counted by the outer block
            finding(asset, n=3)
        assert not AssetStanding.objects.filter(asset=asset).exists()
    assert kept(asset)["severity_high"] == 3
    assert len(standing_writes(inside)) == 2  # once: the row inserted, then its counts (finding by finding: four)

    with CaptureQueriesContext(connection) as failed, pytest.raises(RuntimeError), standings_deferred():
        finding(asset, n=4)
        raise RuntimeError
    assert not standing_writes(failed)  # nothing counted for a block that failed...
    with pytest.raises(TransactionManagementError):  # ... and its writes cannot be committed either
        finding(asset, n=5)


def standing_writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and "assetstanding" in q["sql"]]


def test_a_rebuild_repairs_a_row_that_drifted_and_counts_every_asset(world):
    asset = AssetFactory(team=world.phoenix)
    review_start(asset=asset, user=None)
    finding(asset)
    AssetStanding.objects.filter(asset=asset).update(red=0, critical_unfinished=0)
    standings_refresh({asset.pk})
    assert kept(asset) == standings_counted([asset.pk])[asset.pk]
    AssetStanding.objects.all().delete()
    assert standings_rebuild() == 1
    assert kept(asset)["red"] == 1


def test_overdue_counts_per_question_hold_beyond_the_lists_limit(world, monkeypatch):
    monkeypatch.setattr(selectors, "LIST_LIMIT", 1)
    today = dt.date(2026, 6, 1)
    counter = itertools.count(1)
    for _ in range(2):
        review = review_start(asset=AssetFactory(team=world.phoenix), user=None)
        for item in review.items.order_by("pk")[:12]:
            item.due_on = today - dt.timedelta(days=next(counter) % 5)  # some due today: not overdue
            item.status = ReviewItem.Status.BLOCKED if item.pk % 3 == 0 else item.status
            item.save()

    board = team_dashboard(team=world.phoenix, today=today)

    assert len(board.overdue) == 1
    assert board.progress == progress_by_question(ReviewItem.objects.filter(review__team=world.phoenix), today=today)
    assert sum(p.overdue for p in board.progress) > 3  # more than the list shows, in more than one question
    assert len([p for p in board.progress if p.overdue]) > 1


def test_the_standings_command_reports_a_drifted_asset_with_check_and_repairs_it_without(world):
    asset = AssetFactory(team=world.phoenix, code="DRIFT-1")
    finding(asset)
    out = io.StringIO()
    call_command("standings", "--check", stdout=out)
    assert "All 1 assets' standings match their rows." in out.getvalue()

    AssetStanding.objects.filter(asset=asset).update(red=0)  # as a hand-made SQL fix would leave it
    with pytest.raises(CommandError, match="1 of 1 assets differ from their rows: DRIFT-1"):
        call_command("standings", "--check", stdout=io.StringIO())
    assert kept(asset)["red"] == 0  # a check writes nothing

    call_command("standings", stdout=out)
    assert "Standings counted again: 1 assets." in out.getvalue()
    assert kept(asset)["red"] == 1


def _second_edit_waits(deadline: float) -> bool:
    """Whether another connection is waiting on a lock: PostgreSQL says so; SQLite cannot, so it is given the time."""
    if connection.vendor != "postgresql":
        time.sleep(0.3)
        return True
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_two_people_finishing_items_of_one_asset_at_once_are_both_counted():
    """The second edit waits at the asset's standing row until the first commits, then counts both: counted before
    the wait, it would store the counts without the first edit (and a critical item done would show as open).
    SQLite lets one writer at a time: there the second edit is refused (the database is locked) rather than counted
    from a stale read, and what was written is counted all the same."""
    asset = AssetFactory(team=DealTeamFactory())
    user = UserFactory()
    first, second = ReviewItem.objects.filter(
        review=review_start(asset=asset, user=None), template_item__criticality=Criticality.CRITICAL
    ).order_by("pk")[:2]
    before = kept(asset)["critical_unfinished"]
    first_written, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def edit(item: ReviewItem, *, hold: bool) -> None:
        try:
            with transaction.atomic():
                review_item_update(item=item, user=user, changes={"status": "done"}, expected_version=item.version)
                if hold:  # the first edit stays uncommitted until the second is waiting on it
                    first_written.set()
                    release.wait(10)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    one = threading.Thread(target=edit, args=(first,), kwargs={"hold": True})
    two = threading.Thread(target=edit, args=(second,), kwargs={"hold": False})
    one.start()
    assert first_written.wait(10)
    two.start()
    waited = _second_edit_waits(time.monotonic() + 10)
    release.set()
    one.join(10)
    two.join(10)

    done = ReviewItem.objects.filter(pk__in=[first.pk, second.pk], status="done").count()
    if connection.vendor == "postgresql":
        assert not errors and waited and done == 2  # the second edit waited for the first, then went through
    else:  # refused while the first held the database, or (had it started later) after it: never a stale count
        assert {str(error) for error in errors} <= {"database is locked"} and done == 2 - len(errors)
    assert kept(asset)["critical_unfinished"] == before - done
    assert kept(asset) == standings_counted([asset.pk])[asset.pk]


@pytest.mark.django_db(transaction=True)
def test_the_standings_command_and_the_end_of_a_migration_count_outside_any_transaction():
    """As an operator runs them: no request's or test's transaction around (the refresh opens its own)."""
    asset = AssetFactory(team=DealTeamFactory())
    finding(asset)
    AssetStanding.objects.all().delete()  # as an install upgraded from before standings were kept
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert kept(asset)["severity_high"] == 1

    AssetStanding.objects.filter(asset=asset).update(severity_high=0)
    call_command("standings", stdout=io.StringIO())
    assert kept(asset)["severity_high"] == 1
