"""The group whose members curate the shared hospital directory, kept in step with its permissions after every
migrate, so an admin grants curation by adding a person to one group."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps

CURATORS_GROUP = "Directory curators"
# What curating the directory takes: reading, adding and editing hospitals (never deleting: sites stand on them).
CURATOR_PERMISSIONS = ("view_hospital", "add_hospital", "change_hospital")


def curator_group_ensure(*, apps: Any = global_apps, **_signal: Any) -> None:
    """Create the curators group if missing and give it ``CURATOR_PERMISSIONS`` (a ``post_migrate`` receiver; also
    callable directly). Permissions an admin added to the group are kept."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = permission_model.objects.filter(content_type__app_label="assets", codename__in=CURATOR_PERMISSIONS)
    if permissions.count() < len(CURATOR_PERMISSIONS):
        return  # the permissions are created by the auth app's own post_migrate, which runs before this one next time
    group, _created = group_model.objects.get_or_create(name=CURATORS_GROUP)
    group.permissions.add(*permissions)
