"""The tabs of the asset page. Tabs served by other apps (findings, the checklist) register here at start-up,
so the asset page links to them without ``assets`` importing those apps."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Tab:
    name: str
    label: str
    url_name: str | None = None  # None: a section of the asset page itself (?tab=name)

    def href(self, asset_id: int) -> str:
        if self.url_name:
            return reverse(self.url_name, args=[asset_id])
        return f"{reverse('assets:asset_detail', args=[asset_id])}?tab={self.name}"


OWN_TABS = [
    Tab("overview", "Overview"),
    Tab("studies", "Studies"),
    Tab("sites", "Sites"),
    Tab("ethics", "Ethics"),
    Tab("hgr", "HGR"),
    Tab("filings", "NHC filings"),
    Tab("ind", "IND"),
    Tab("deal", "Deal terms"),
    Tab("history", "History"),
]
OWN_TAB_NAMES = frozenset(tab.name for tab in OWN_TABS)
_registered: list[tuple[Tab, str]] = []


def register_tab(tab: Tab, *, after: str) -> None:
    """Add another app's tab after the named one (idempotent: a second registration of the name is ignored)."""
    if all(existing.name != tab.name for existing, _after in _registered):
        _registered.append((tab, after))


def asset_tabs(asset_id: int) -> list[tuple[str, str, str]]:
    """(name, label, href) of every tab, in order."""
    tabs = list(OWN_TABS)
    for tab, after in _registered:
        position = next((i for i, t in enumerate(tabs) if t.name == after), len(tabs) - 1)
        tabs.insert(position + 1, tab)
    return [(tab.name, tab.label, tab.href(asset_id)) for tab in tabs]
