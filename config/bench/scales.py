"""How big the benchmark's world is: the issue's deal-firm scale, and a tiny one that runs the same code in seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    teams: int
    assets: int
    studies: int
    hospitals: int
    sites: int
    ethics: int
    hgr: int
    reviews: int
    items_per_review: int
    page_runs: int  # timed requests per page, after warm-up; the median is reported
    memo_runs: int  # memos timed request -> ready through the worker
    memo_rss_after: int  # memos rendered before the worker's memory is read
    import_sites: int
    load_users: int
    load_seconds: int

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


FULL = Scale(
    name="full",
    teams=20,
    assets=2_000,
    studies=8_000,
    hospitals=2_000,
    sites=30_000,
    ethics=20_000,
    hgr=5_000,
    reviews=400,
    items_per_review=300,
    page_runs=20,
    memo_runs=20,
    memo_rss_after=50,
    import_sites=1_148,
    load_users=20,
    load_seconds=30,
)

SMALL = Scale(
    name="small",
    teams=2,
    assets=6,
    studies=12,
    hospitals=10,
    sites=30,
    ethics=20,
    hgr=6,
    reviews=2,
    items_per_review=30,
    page_runs=3,
    memo_runs=2,
    memo_rss_after=3,
    import_sites=40,
    load_users=4,
    load_seconds=3,
)

SCALES = {scale.name: scale for scale in (FULL, SMALL)}
