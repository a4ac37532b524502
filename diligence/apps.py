from django.apps import AppConfig


class DiligenceConfig(AppConfig):
    name = "diligence"
    verbose_name = "Diligence"

    def ready(self) -> None:
        from assets.tabs import Tab, register_tab
        from diligence import receivers  # noqa: F401 - connects the findings recompute to fact changes
        from diligence.search import receivers as search_receivers  # noqa: F401 - marks the search index
        from diligence.selectors.memos import UNREAD, unread_per_team
        from teams.access import MEMBERSHIP_FIGURES

        MEMBERSHIP_FIGURES[UNREAD] = unread_per_team  # the navigation's count, read with the user's roles

        register_tab(Tab("findings", "Findings & verdict", "diligence:asset_findings"), after="overview")
        register_tab(Tab("checklist", "Checklist", "diligence:asset_checklist"), after="findings")
        register_tab(Tab("memos", "Memos", "diligence:asset_memos"), after="checklist")
        register_tab(Tab("requests", "Requests", "diligence:asset_requests"), after="memos")
