"""Links for long lists: reverse a route once, then put each row's id in."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

_MARKER = 2_147_483_647  # an id no row has; its digits are replaced by each row's id


def id_url(name: str) -> Callable[[int], str]:
    """``id_url("diligence:review_item_edit")(42) == reverse("diligence:review_item_edit", args=[42])``, at the cost
    of one reversal for any number of rows. For routes whose only argument is an integer id.

    Django has no public API for reversing with a placeholder. This relies on ``reverse()`` writing an ``<int:...>``
    argument as its plain digits (the int converter's ``to_url`` is ``str``, Django 2.0 to 6.1);
    tests/diligence/test_links.py compares it with ``reverse()`` on every such route, so an upgrade that changes
    this fails there rather than in a page."""
    url = reverse(name, args=[_MARKER])
    parts = url.split(str(_MARKER))
    if len(parts) != 2:
        raise ImproperlyConfigured(f"id_url({name!r}): the id does not appear exactly once in {url!r}")
    head, tail = parts
    return lambda pk: f"{head}{int(pk)}{tail}"
