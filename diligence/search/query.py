"""Finding index entries for a user: their teams' records and the shared hospital directory, nothing else.

One SQL query per search, written for each database's text index (see the search migration): the matches ranked
(PostgreSQL's ``ts_rank``, SQLite's ``bm25``), the best few of each kind with the number of matches of each kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from diligence.models import SearchEntry
from diligence.search.terms import highlight_spans, query_words

Kind = SearchEntry.Kind
KIND_ORDER = [kind.value for kind in Kind]
KIND_LABELS = dict(Kind.choices)
SNIPPET_CHARS = 180
TABLE = SearchEntry._meta.db_table


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    where: str
    path: str
    snippet: SafeString


@dataclass(frozen=True)
class SearchGroup:
    kind: str
    label: str
    total: int
    hits: list[SearchHit]


@dataclass(frozen=True)
class SearchResults:
    query: str
    groups: list[SearchGroup]

    @property
    def total(self) -> int:
        return sum(group.total for group in self.groups)

    @property
    def asked(self) -> bool:
        """Whether the query held anything to search for (punctuation alone does not)."""
        return bool(query_words(self.query))


def _postgresql(
    words: list[tuple[str, bool]], team_ids: list[int], kind: str | None, per_kind: int
) -> tuple[str, list]:
    tsquery = " & ".join(f"'{word}'" + (":*" if prefix else "") for word, prefix in words)
    kind_clause = "AND e.kind = %s" if kind else ""
    # Only the table name, clauses and placeholders are formatted in; every value is a parameter.
    sql = f"""
        WITH matches AS (
            SELECT e.id, e.kind, e.title, e."where", e.path, e.body, ts_rank(e.terms_vector, q.query) AS rank
            FROM {TABLE} e, to_tsquery('simple'::regconfig, %s) AS q(query)
            WHERE e.terms_vector @@ q.query AND (e.team_id = ANY(%s) OR e.team_id IS NULL) {kind_clause}
        ), ranked AS (
            SELECT m.*, row_number() OVER (PARTITION BY m.kind ORDER BY m.rank DESC, m.id DESC) AS n,
                   count(*) OVER (PARTITION BY m.kind) AS total
            FROM matches m
        )
        SELECT kind, title, "where", path, body, total FROM ranked WHERE n <= %s ORDER BY kind, n
    """  # noqa: S608
    return sql, [tsquery, team_ids, *([kind] if kind else []), per_kind]


def _sqlite(words: list[tuple[str, bool]], team_ids: list[int], kind: str | None, per_kind: int) -> tuple[str, list]:
    match = " AND ".join(f'"{word}"' + ("*" if prefix else "") for word, prefix in words)
    teams = f"e.team_id IN ({', '.join(['%s'] * len(team_ids))}) OR " if team_ids else ""
    kind_clause = "AND e.kind = %s" if kind else ""
    # Only the table name, clauses and placeholders are formatted in; every value is a parameter.
    sql = f"""
        WITH matches AS (
            SELECT e.id, e.kind, e.title, e."where", e.path, e.body, bm25(search_entry_fts) AS rank
            FROM search_entry_fts JOIN {TABLE} e ON e.id = search_entry_fts.rowid
            WHERE search_entry_fts MATCH %s AND ({teams}e.team_id IS NULL) {kind_clause}
        ), ranked AS (
            SELECT m.*, row_number() OVER (PARTITION BY m.kind ORDER BY m.rank ASC, m.id DESC) AS n,
                   count(*) OVER (PARTITION BY m.kind) AS total
            FROM matches m
        )
        SELECT kind, title, "where", path, body, total FROM ranked WHERE n <= %s ORDER BY kind, n
    """  # noqa: S608
    return sql, [match, *team_ids, *([kind] if kind else []), per_kind]


def search_sql(*, query: str, team_ids: list[int], kind: str | None = None, per_kind: int = 5) -> tuple[str, list]:
    """The one SQL query (and its parameters) that finds ``query`` on this database; ``query`` must hold words."""
    build = _postgresql if connection.vendor == "postgresql" else _sqlite
    return build(query_words(query), sorted(team_ids), kind, per_kind)


def search_entries(*, query: str, team_ids: list[int], kind: str | None = None, per_kind: int = 5) -> SearchResults:
    """The entries matching ``query`` among those of ``team_ids`` and the shared directory, grouped by kind."""
    if not query_words(query):
        return SearchResults(query=query, groups=[])
    sql, params = search_sql(query=query, team_ids=team_ids, kind=kind, per_kind=per_kind)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    hits: dict[str, list[SearchHit]] = {}
    totals: dict[str, int] = {}
    for row_kind, title, where, path, body, total in rows:
        hits.setdefault(row_kind, []).append(
            SearchHit(kind=row_kind, title=title, where=where, path=path, snippet=snippet(body, query))
        )
        totals[row_kind] = total
    groups = [
        SearchGroup(kind=k, label=str(KIND_LABELS[k]), total=totals[k], hits=hits[k]) for k in KIND_ORDER if k in hits
    ]
    return SearchResults(query=query, groups=groups)


def snippet(body: str, query: str) -> SafeString:
    """The part of ``body`` around the first match, escaped, with the query's words marked."""
    spans = highlight_spans(body, query)
    start = max(0, spans[0][0] - SNIPPET_CHARS // 3) if spans else 0
    end = min(len(body), start + SNIPPET_CHARS)
    parts = ["…" if start else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_end <= start or span_start >= end:
            continue
        span_start, span_end = max(span_start, start), min(span_end, end)
        parts += [escape(body[cursor:span_start]), "<mark>", escape(body[span_start:span_end]), "</mark>"]
        cursor = span_end
    parts += [escape(body[cursor:end]), "…" if end < len(body) else ""]
    return mark_safe("".join(parts))  # noqa: S308 - every piece of the body is escaped; the marks are ours
