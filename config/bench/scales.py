"""How big the benchmark's world is: the issue's deal-firm scale, and a tiny one that runs the same code in seconds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


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
    saturation_seconds: int  # per concurrency step of the saturation run
    saturation_max_connections: int  # the last step, should p95 never pass its limit before
    growth: int = 0  # >1: the page set measured again on a portfolio this many times as large (the `large` column)

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
    saturation_seconds=10,
    saturation_max_connections=64,
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
    saturation_seconds=1,
    saturation_max_connections=4,
    growth=10,  # so the large column's code runs in the test suite too, on tiny sizes
)

# The full run, then the page set again on ten times the firm: ten times the teams, each the size of the full
# portfolio's (20,000 assets, 1.2 million review items), written in bulk into the same scratch database.
LARGE = replace(FULL, name="large", growth=10)

SCALES = {scale.name: scale for scale in (FULL, SMALL, LARGE)}


def grown(scale: Scale) -> Scale:
    """``scale``'s portfolio ``growth`` times over: more teams of the same size (a team's pages show that team), the
    shared hospital directory as it was."""
    n = scale.growth
    return replace(
        scale,
        name=f"{scale.name} x{n}",
        teams=scale.teams * n,
        assets=scale.assets * n,
        studies=scale.studies * n,
        sites=scale.sites * n,
        ethics=scale.ethics * n,
        hgr=scale.hgr * n,
        reviews=scale.reviews * n,
        growth=0,
    )
