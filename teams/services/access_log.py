"""Recording the access log: one row per view, download or export of a team's records."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db.models import Model
from django.http import HttpRequest

from teams.models import AccessLogEntry

if TYPE_CHECKING:
    from teams.http import AuthenticatedHttpRequest
    from teams.models import User

Action = AccessLogEntry.Action

_LABEL_MAX = AccessLogEntry._meta.get_field("object_label").max_length
_PATH_MAX = AccessLogEntry._meta.get_field("path").max_length


def access_log_record(
    *, request_or_user: AuthenticatedHttpRequest | User, team_id: int, action: str, obj: Model, kind: str | None = None
) -> AccessLogEntry:
    """Append who reached ``obj`` of team ``team_id``, how, and (given a request) by which URL.

    Called by views after the access check passed, so only what someone actually saw is logged. The object is
    kept as kind, id and label rather than a foreign key, so the entry survives the object's deletion. ``kind``
    overrides the model name where the same object is reached as something else (an asset's dossier)."""
    if isinstance(request_or_user, HttpRequest):
        user, path = request_or_user.user, request_or_user.get_full_path()
    else:
        user, path = request_or_user, ""
    return AccessLogEntry.objects.create(
        team_id=team_id,
        user=user,
        action=Action(action),
        # A model's name is unset only while its class is being built, never on an instance.
        object_kind=kind or cast(str, obj._meta.model_name),
        object_id=obj.pk,
        object_label=str(obj)[:_LABEL_MAX],
        path=path[:_PATH_MAX],
    )
