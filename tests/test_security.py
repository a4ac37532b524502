"""Hardening: the Content-Security-Policy and inline-free pages, login lock-out, sessions, per-user rate limits, and a
plain 503 when the database is gone. Real database, CSRF-enforcing clients, the demo data for realistic pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, TypedDict

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from assets.models import Asset
from assets.tabs import OWN_TAB_NAMES
from config.client_ip import client_ip
from config.middleware import SessionActivityMiddleware
from config.ratelimits import RateLimitMiddleware, describe_rate
from diligence.models import Memo, Review
from teams.models import User
from tests.conftest import CsrfClient, client_for
from tests.factories import TEST_PASSWORD, AssetFactory, UserFactory
from tests.test_settings import setting
from tests.urlwalk import PARAMS, PUBLIC_ROUTES, iter_routes

HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'self'",
}


# --- what a page may not contain -------------------------------------------------------------------------------


class InlineFinder(HTMLParser):
    """Everything a strict CSP (no 'unsafe-inline', no 'unsafe-eval') would block or htmx would have to eval."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _value in attrs}
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.problems.append("<script> without src")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            elif name.startswith("on"):
                self.problems.append(f"{name}= handler on <{tag}>")
            elif name.startswith(("hx-on", "data-hx-on")) or name in {"hx-vars", "data-hx-vars"}:
                self.problems.append(f"{name}= (htmx would eval it) on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL in {name}= on <{tag}>")
            elif name in {"hx-vals", "hx-headers"} and (value or "").lstrip().startswith(("js:", "javascript:")):
                self.problems.append(f"{name}= evaluated as JavaScript on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script body: {data.strip()[:60]!r}")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.problems


def policy_of(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in (p.strip() for p in header.split(";"))}


def assert_strict_and_inline_free(response, what: str) -> None:
    assert policy_of(response) == STRICT_POLICY, what
    if response.get("Content-Type", "").startswith("text/html"):
        assert inline_problems(response.content.decode()) == [], what


def test_the_inline_finder_finds_what_csp_blocks():
    """The page checks below are only as good as this finder: it must see each kind of inline code."""
    page = (
        '<div style="color:red"></div><style>p{}</style><script>alert(1)</script><a onclick="x()">a</a>'
        '<a href="javascript:x()">b</a><button hx-on:click="x()">c</button><script src="/static/ok.js"></script>'
    )
    assert len(inline_problems(page)) == 7  # the inline <script> counts twice: no src, and a body
    assert inline_problems('<p class="style">style="not an attribute" onclick=</p>') == []


# --- CSP on the demo's pages ------------------------------------------------------------------------------------


class Demo(TypedDict):
    asset: Asset
    memo: Memo
    review: Review
    lead: User


@pytest.fixture
def demo(db: None) -> Demo:
    """The demo data as `make run` seeds it, plus one ready memo (rendered here, without a worker)."""
    from diligence.services.memos import memo_render, memo_request

    call_command("seed_demo", stdout=io.StringIO())
    asset = Asset.objects.filter(team__slug="phoenix").order_by("pk")[0]
    memo = memo_request(asset=asset, user=None)
    memo_render(memo_id=memo.pk)
    return {
        "asset": asset,
        "memo": Memo.objects.get(pk=memo.pk),
        "review": Review.objects.filter(team__slug="phoenix").order_by("pk")[0],
        "lead": User.objects.get(username="lead"),
    }


def demo_pages(demo: Demo) -> list[str]:
    asset, memo, review = demo["asset"], demo["memo"], demo["review"]
    return [
        reverse("diligence:team_home", args=["phoenix"]),
        reverse("assets:asset_list"),
        *(f"{reverse('assets:asset_detail', args=[asset.pk])}?tab={tab}" for tab in sorted(OWN_TAB_NAMES)),
        reverse("diligence:asset_findings", args=[asset.pk]),
        reverse("diligence:asset_checklist", args=[asset.pk]),
        reverse("diligence:asset_memos", args=[asset.pk]),
        reverse("diligence:review_detail", args=[review.pk]),
        reverse("diligence:memo_detail", args=[memo.pk]),
        reverse("diligence:memo_read", args=[memo.pk]),
        reverse("diligence:memo_diff", args=[memo.pk]),
        reverse("assets:hospital_list"),
        reverse("diligence:notification_list"),
        reverse("assets:dossier_upload"),
        reverse("teams:access_log", args=["phoenix"]),
        reverse("password_change"),
    ]


def test_demo_pages_send_the_strict_policy_and_nothing_inline(demo):
    client = client_for(demo["lead"])
    for url in demo_pages(demo):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_and_inline_free(response, url)
        fragment = client.get(url, **HTMX)  # the partial htmx swaps in, where the view serves one
        assert_strict_and_inline_free(fragment, f"{url} (htmx)")


def test_login_page_sends_the_strict_policy(db):
    response = CsrfClient().get(reverse("login"))
    assert response.status_code == 200
    assert_strict_and_inline_free(response, "login")


def test_every_page_of_every_route_is_inline_free(world):
    """Every GET route in the resolver, as the team's lead, filled like the URL walk fills it: a new page is checked
    the day it is routed."""
    client = client_for(world.lead)
    checked = 0
    for route in iter_routes():
        if route.name in PUBLIC_ROUTES or not route.name or any(p not in PARAMS for p in route.params):
            continue
        url = reverse(route.name, kwargs={p: PARAMS[p].build(world) for p in route.params})
        response = client.get(url)
        if response.status_code == 200:
            assert_strict_and_inline_free(response, route.name)
            checked += 1
    assert checked > 20


def test_every_page_for_a_signed_in_user_is_private_and_not_stored(world):
    """Every GET route, as the team's lead, full page and htmx fragment: deal data never lands in a shared cache or
    on the browser's disk."""
    client = client_for(world.lead)
    checked = []
    for route in iter_routes():
        if route.name in PUBLIC_ROUTES or not route.name or any(p not in PARAMS for p in route.params):
            continue
        url = reverse(route.name, kwargs={p: PARAMS[p].build(world) for p in route.params})
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            if response.status_code < 400:
                assert response["Cache-Control"] == "private, no-store", f"{route.name} {headers}"
                checked.append(route.name)
    assert {"diligence:home", "assets:asset_detail", "diligence:review_detail", "diligence:memo_download"} <= {*checked}


def test_htmx_is_configured_for_the_policy(demo):
    html = client_for(demo["lead"]).get(reverse("assets:asset_list")).content.decode()
    meta = html.split('<meta name="htmx-config" content=\'', 1)[1].split("'>", 1)[0]
    config = json.loads(meta)
    assert config["includeIndicatorStyles"] is False  # htmx would inject a <style> the policy blocks
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    # Form errors (400), stale-edit refusals (409) and rate limits (429) are fragments to show, not failures.
    assert {"code": "(400|409|429)", "swap": True, "error": False} in config["responseHandling"]
    assert config["historyCacheSize"] == 0  # no snapshots of confidential pages left in local storage


def test_admin_pages_run_under_the_same_policy_with_no_inline_script(world):
    """The admin gets no exception to the policy: its scripts (nested-admin's too) all load from files."""
    from diligence.services.checklists import default_template_ensure, template_new_draft

    draft = template_new_draft(template=default_template_ensure().template, user=None)
    world.staff.is_superuser = True
    world.staff.save()
    client = client_for(world.staff)
    for url in (
        "/admin/",
        "/admin/diligence/templateversion/",
        f"/admin/diligence/templateversion/{draft.pk}/change/",  # nested, orderable inlines (django-nested-admin)
        "/admin/teams/dealteam/",
        "/admin/teams/user/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy_of(response) == STRICT_POLICY, url
        # Allowed here only: cosmetic style= (blocked, harmless) and nested-admin's inert href="javascript://"
        # placeholders, whose click handlers (loaded from files) cancel the navigation the policy would block.
        scripts = [p for p in inline_problems(response.content.decode()) if "style" not in p and "javascript:" not in p]
        assert scripts == [], url


# --- login lock-out (django-axes) ------------------------------------------------------------------------------


def log_in(client: CsrfClient, username: str, password: str, **extra: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def test_repeated_failures_lock_the_login_out_even_for_the_right_password(world):
    client = CsrfClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, "member", "wrong")
        assert response.status_code == 200 and "form-error" in response.content.decode()
    locked = log_in(client, "member", "wrong")
    assert locked.status_code == 429
    assert "Login temporarily locked" in locked.content.decode()
    assert_strict_and_inline_free(locked, "lock-out page")

    refused = log_in(client, "member", TEST_PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("assets:asset_list")).status_code == 302  # still sent to log in


def test_lock_out_is_per_username_and_address(world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(CsrfClient(), "member", "wrong", REMOTE_ADDR="203.0.113.9")
    # The owner, from their own address, is not locked out by someone guessing elsewhere.
    response = log_in(CsrfClient(), "member", TEST_PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 302


def test_behind_a_trusted_proxy_the_lock_out_follows_the_forwarded_client_address(world, settings):
    settings.DILIGENCE_TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The guesser puts the owner's address first; the proxy appends the address it really saw.
    spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(CsrfClient(), "member", "wrong", **spoofed)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    assert log_in(CsrfClient(), "member", TEST_PASSWORD, **spoofed).status_code == 429
    owner = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    assert log_in(CsrfClient(), "member", TEST_PASSWORD, **owner).status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.2"),  # no proxy of ours: the header is the client's word, ignored
        (1, "", "10.0.0.2"),  # a header shorter than the proxies we have: the socket's address
        (1, "198.51.100.7, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.7, 203.0.113.9, 10.0.0.9", "203.0.113.9"),
        (1, "203.0.113.9:51234", "203.0.113.9"),  # some proxies add the port
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "2001:db8::7", "2001:db8::7"),
        (1, "unknown", "10.0.0.2"),  # not an address: the socket's
    ],
)
def test_the_client_address_is_counted_from_the_right_past_our_own_proxies(settings, rf, proxies, forwarded, expected):
    settings.DILIGENCE_TRUSTED_PROXIES = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == expected


def test_a_forwarded_address_with_a_port_still_logs_in_and_counts_failures(world, settings):
    settings.DILIGENCE_TRUSTED_PROXIES = 1
    forwarded = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.9:51234"}
    assert log_in(CsrfClient(), "member", "wrong", **forwarded).status_code == 200
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"
    assert log_in(CsrfClient(), "member", TEST_PASSWORD, **forwarded).status_code == 302


def test_trusted_proxies_follow_the_environment():
    assert setting("DILIGENCE_TRUSTED_PROXIES") == "0"
    assert setting("DILIGENCE_TRUSTED_PROXIES", DILIGENCE_TRUSTED_PROXIES="1") == "1"
    assert setting("AXES_CLIENT_IP_CALLABLE") == "config.client_ip.client_ip"


def test_login_works_again_after_the_cool_off(world):
    client = CsrfClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "member", "wrong")
    assert log_in(client, "member", TEST_PASSWORD).status_code == 429
    long_ago = timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=long_ago)
    assert log_in(client, "member", TEST_PASSWORD).status_code == 302
    assert client.get(reverse("assets:asset_list")).status_code == 200


def test_a_successful_login_clears_earlier_failures(world):
    client = CsrfClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "member", "wrong")
    assert log_in(client, "member", TEST_PASSWORD).status_code == 302
    assert log_in(CsrfClient(), "member", "wrong").status_code == 200  # a fresh count: one failure, no lock-out


# --- sessions --------------------------------------------------------------------------------------------------


def test_sessions_expire_after_inactivity_and_activity_extends_them(world):
    client = CsrfClient()
    client.force_login(world.member)
    response = client.get(reverse("assets:asset_list"))
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    key = client.cookies["sessionid"].value
    first_expiry = Session.objects.get(session_key=key).expire_date

    # Within the resolution a page view writes nothing: the same expiry, no new cookie.
    response = client.get(reverse("assets:asset_list"))
    assert "sessionid" not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == first_expiry

    # Once the last push is older than the resolution, the next request pushes the expiry forward again.
    session = client.session
    session[SessionActivityMiddleware.KEY] -= settings.SESSION_ACTIVITY_RESOLUTION + 1
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=first_expiry - dt.timedelta(hours=1))
    response = client.get(reverse("assets:asset_list"))
    assert response.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE
    assert Session.objects.get(session_key=key).expire_date >= first_expiry


def test_activity_is_recorded_at_least_four_times_per_session_age(world, settings):
    settings.SESSION_COOKIE_AGE = 400  # shorter than the resolution's default: recorded every 100 s instead
    client = CsrfClient()
    client.force_login(world.member)
    client.get(reverse("assets:asset_list"))
    session = client.session
    session[SessionActivityMiddleware.KEY] -= 101
    session.save()
    assert client.get(reverse("assets:asset_list")).cookies["sessionid"]["max-age"] == 400


def test_an_expired_session_is_logged_out(world):
    client = client_for(world.member)
    client.get(reverse("assets:asset_list"))
    Session.objects.filter(session_key=client.cookies["sessionid"].value).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(reverse("assets:asset_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_session_age_and_cache_follow_the_environment():
    assert setting("SESSION_COOKIE_AGE", DJANGO_SESSION_COOKIE_AGE="3600") == "3600"
    assert setting("CACHES['default']['BACKEND']") == "django.core.cache.backends.filebased.FileBasedCache"
    redis = "django.core.cache.backends.redis.RedisCache"
    assert setting("CACHES['default']['BACKEND']", REDIS_URL="redis://cache.example:6379/0") == redis
    assert setting("CACHES['default']['LOCATION']", CELERY_BROKER_URL="redis://b.example:6379/1") == (
        "redis://b.example:6379/1"
    )


# --- per-user rate limits --------------------------------------------------------------------------------------


@pytest.fixture
def small_rates(settings) -> None:
    """Two per hour, counted under keys of this test alone (user ids repeat between tests)."""
    settings.DILIGENCE_RATE_LIMITS = {"memo_create": "2/h", "import": "2/h"}
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"t-{uuid.uuid4().hex}"}}


def test_memo_requests_beyond_the_rate_get_429_and_no_memo(world, small_rates):
    asset = AssetFactory(team=world.phoenix)
    url = reverse("diligence:memo_create", args=[asset.pk])
    client = client_for(world.member)
    before = Memo.objects.filter(asset=asset).count()
    assert [client.post(url).status_code for _ in range(2)] == [302, 302]

    refused = client.post(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    body = refused.content.decode()
    assert "reached the limit for memo requests (2 per hour)" in body and "<html" in body
    assert Memo.objects.filter(asset=asset).count() == before + 2

    fragment = client.post(url, **HTMX)
    assert fragment.status_code == 429
    assert "reached the limit" in fragment.content.decode() and "<html" not in fragment.content.decode()
    # Per user: a colleague still has their own allowance.
    assert client_for(world.lead).post(url).status_code == 302


def test_imports_beyond_the_rate_get_429_and_pages_are_not_counted(world, small_rates):
    client = client_for(world.member)
    url = reverse("assets:dossier_upload")
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    assert [client.post(url, {}).status_code for _ in range(2)] == [200, 200]  # form errors, but counted
    refused = client.post(url, {})
    assert refused.status_code == 429
    assert "reached the limit for imports" in refused.content.decode()


def test_registry_imports_share_the_import_allowance(world, small_rates):
    client = client_for(world.member)
    client.post(reverse("assets:dossier_upload"), {})
    assert client.post(reverse("assets:registry_import"), {}).status_code != 429
    refused = client.post(reverse("assets:registry_fetch"), {})
    assert refused.status_code == 429
    assert "reached the limit for imports" in refused.content.decode()


def test_every_rate_limited_view_is_a_routed_url_name_with_a_rate(settings):
    """A misspelt name would switch its limit off without a word; an unknown group is refused at start-up."""
    routed = {route.name for route in iter_routes()}
    assert set(settings.DILIGENCE_RATE_LIMITED_VIEWS) <= routed
    settings.DILIGENCE_RATE_LIMITED_VIEWS = {"assets:dossier_upload": "no-such-group"}
    with pytest.raises(ImproperlyConfigured, match="no-such-group"):
        RateLimitMiddleware(lambda request: HttpResponse())


def test_rates_are_said_as_people_say_them():
    assert describe_rate("20/h") == "20 per hour"
    assert describe_rate("5/10m") == "5 per 10 minutes"
    assert describe_rate("100/d") == "100 per day"


# --- the database goes away -----------------------------------------------------------------------------------


@contextmanager
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """Point the default connection where no database answers, on SQLite (a file in a missing folder) or PostgreSQL
    (a loopback port nothing listens on), then put it back."""
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    connection.close()
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_unreachable_database_gives_a_plain_503_and_health_says_so(tmp_path, caplog):
    user = UserFactory(username="someone")
    client = client_for(user)
    with unreachable_database(tmp_path), caplog.at_level(logging.ERROR, logger="config.middleware"):
        page = client.get(reverse("assets:asset_list"))
        health = client.get(reverse("health"))
    assert page.status_code == 503
    body = page.content.decode()
    assert "Temporarily unavailable" in body and "Traceback" not in body
    assert page["Retry-After"] and page["Cache-Control"] == "no-store"
    assert_strict_and_inline_free(page, "503 page")
    assert any("database unavailable" in record.getMessage() for record in caplog.records)

    assert health.status_code == 503
    assert health.json()["database"]["ok"] is False
    assert health.json()["status"] == "down"

    assert client.get(reverse("assets:asset_list")).status_code == 200  # back once the database is
