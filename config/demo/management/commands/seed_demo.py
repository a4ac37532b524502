"""``python manage.py seed_demo``: demo teams and logins (password ``demo``). Safe to run again."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from assets.directory.loading import DEFAULT_FILE, directory_file_load, directory_file_read
from config.demo.facts import seed_demo_facts
from config.demo.requests import CONTACT_USERNAME, seed_demo_requests
from config.demo.reviews import seed_demo_reviews
from diligence.search.index import search_index_rebuild
from teams.models import DealTeam, Membership, User
from teams.services import membership_set, team_create

DEMO_PASSWORD = "demo"

TEAMS = [
    ("phoenix", "Phoenix", "Illustrative deal team in-licensing China-origin cell therapies."),
    ("atlas", "Atlas", "Illustrative second deal team, behind its own information barrier."),
]

# username, full name, team slug, role
PEOPLE = [
    ("member", "Mei Member", "phoenix", Membership.Role.MEMBER),
    ("lead", "Lei Lead", "phoenix", Membership.Role.LEAD),
    ("partner", "Pat Partner", "phoenix", Membership.Role.PARTNER),
    ("outsider", "Otto Outsider", "atlas", Membership.Role.MEMBER),
]

# Staff manage people, teams and checklist templates, never deal data: they get these models only.
ADMIN_MODELS = {
    "teams": ["user", "dealteam", "membership", "historicalmembership"],
    "diligence": ["checklisttemplate", "templateversion", "templatequestion", "templateitem", "housepolicy"],
}


class Command(BaseCommand):
    help = "Create the demo teams and users (password 'demo'). Idempotent."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        teams = {slug: self._team(slug, name, description) for slug, name, description in TEAMS}
        for username, full_name, team_slug, role in PEOPLE:
            user = self._user(username, full_name)
            membership_set(team=teams[team_slug], user=user, role=role, actor=None)
        admin = self._user("admin", "Ada Admin", is_staff=True)
        admin.groups.add(self._administrators_group())
        self.stdout.write(
            self.style.SUCCESS("Demo data ready: teams phoenix and atlas; logins below, password 'demo'.")
        )
        for username, _full_name, team_slug, role in PEOPLE:
            self.stdout.write(f"  {username:<9} {role.label.lower()} of {team_slug}")
        self.stdout.write("  admin     staff (users, teams, templates; no deal data)")
        for code in seed_demo_facts(phoenix=teams["phoenix"], atlas=teams["atlas"]):
            self.stdout.write(f"  asset {code} created (illustrative demo facts)")
        for code in seed_demo_reviews(team=teams["phoenix"]):
            self.stdout.write(f"  checklist started for {code} (illustrative progress)")
        # After the demo facts, so the demo's own (illustrative) grades stand; the directory adds names and aliases.
        directory = directory_file_load(data=directory_file_read(DEFAULT_FILE), user=None)
        self.stdout.write(
            f"  hospital directory: {directory.created} hospitals added, {directory.aliases_added} aliases"
        )
        licensor = self._user(CONTACT_USERNAME, "Lin Licensor", is_counterparty=True)
        if seed_demo_requests(team=teams["phoenix"], contact_user=licensor):
            self.stdout.write("  requests on CT053 to the counterparty contact 'licensor' (illustrative)")
        self.stdout.write(f"  {CONTACT_USERNAME:<9} counterparty contact: sees only phoenix's requests on CT053")
        # Written here rather than left to a worker, so the search box finds the demo at once.
        self.stdout.write(f"  search index: {search_index_rebuild():,} entries")

    def _team(self, slug: str, name: str, description: str) -> DealTeam:
        return DealTeam.objects.filter(slug=slug).first() or team_create(name=name, slug=slug, description=description)

    def _user(self, username: str, full_name: str, *, is_staff: bool = False, is_counterparty: bool = False) -> User:
        first, last = full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": is_staff,
                "is_counterparty": is_counterparty,
            },
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _administrators_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name="Administrators")
        for app_label, models in ADMIN_MODELS.items():
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models)
            )
        return group
