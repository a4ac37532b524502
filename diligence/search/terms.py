"""Text to index words, the same on PostgreSQL and SQLite.

Chinese is written without spaces, and neither database's text search segments it. Each run of Chinese (or Japanese
or Korean) characters is indexed as its overlapping pairs of characters, as Lucene's CJK analyzer does: "中山大学" is
"中山 山大 大学", so a search for "中山" or "中山大学" (all its pairs) finds it without a dictionary. Other text is
split into words at anything that is not a letter or digit ("Xi'an" is "xi an", "LCAR-B38M" is "lcar b38m"), after
Unicode NFKC (full-width forms become ASCII) and case folding.
"""

from __future__ import annotations

import re
import unicodedata

# Han (with extensions A and the compatibility block), kana and hangul: scripts written without word breaks.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
# The index keeps this much of one record's text; a longer evidence file is searched on its first part.
MAX_TERMS_CHARS = 200_000


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """Words and CJK runs, normalised, in order."""
    return _TOKEN.findall(normalise(text))


def is_cjk(token: str) -> bool:
    return bool(_IS_CJK.match(token))


def pairs(run: str) -> list[str]:
    """A CJK run as its overlapping character pairs; a single character stays itself."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(*texts: str) -> str:
    """The words to index for ``texts``, space-separated, each CJK run written as its pairs."""
    words: list[str] = []
    for text in texts:
        for token in tokens(text):
            words.extend(pairs(token) if is_cjk(token) else [token])
    return " ".join(words)[:MAX_TERMS_CHARS]


def query_words(query: str) -> list[tuple[str, bool]]:
    """What a search asks for, as ``(word, prefix)`` pairs that must all match.

    A Latin word matches as a prefix ("approv" finds "approvals"); a CJK run must contain every pair of it; one CJK
    character alone matches the pairs that start with it.
    """
    wanted: list[tuple[str, bool]] = []
    for token in tokens(query)[:12]:  # a pasted paragraph is not a search; twelve words are plenty
        if is_cjk(token):
            wanted.extend((pair, len(token) == 1) for pair in pairs(token))
        else:
            wanted.append((token, True))
    return list(dict.fromkeys(wanted))


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where the query's words occur in ``text``, as sorted, non-overlapping (start, end) spans of ``text`` itself.

    Matching is on the normalised text, mapped back character by character (folding may change lengths: "ß" is "ss").
    """
    folded: list[str] = []
    origin: list[int] = []  # for each folded character, the index of the character of ``text`` it came from
    for index, char in enumerate(text):
        for folded_char in normalise(char):
            folded.append(folded_char)
            origin.append(index)
    haystack = "".join(folded)
    spans: list[tuple[int, int]] = []
    for token in dict.fromkeys(tokens(query)):
        for match in re.finditer(re.escape(token), haystack):
            spans.append((origin[match.start()], origin[match.end() - 1] + 1))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
