"""The memo progress partial's one question beyond the row: has the render's worker stopped, and when is the retry."""

from __future__ import annotations

import datetime as dt

from django import template

from diligence.models import Memo
from diligence.workers import memo_retry_at as retry_at

register = template.Library()


@register.simple_tag
def memo_retry_at(memo: Memo) -> dt.datetime | None:
    return retry_at(memo)
