"""X text: twitter-text weighted counting (`twitter-text-parser`: URLs 23, CJK and emoji 2),
the limit a profile's Premium switch sets, and a post's thread parts (with the optional
auto-split at sentence ends, numbered 1/n)."""

import re

from twitter_text import parse_tweet

from channels.providers.base import Content

SHORT_LIMIT = 280  # §6.3: weighted characters
LONG_LIMIT = 25_000  # X Premium
SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+")
NUMBERING_ROOM = 8  # " 12/34" and a margin


def weighted_length(text: str) -> int:
    return parse_tweet(text or "").weightedLength


def weighted_limit(options: dict) -> int:
    return LONG_LIMIT if options.get("long_posts") is True else SHORT_LIMIT


def thread_parts(content: Content, options: dict) -> list[str]:
    """The caption, then each thread part: the posts in the order they go out. With
    auto_split, a text over the limit becomes several parts, and all are numbered 1/n."""
    extra = options.get("thread") or []
    parts = [str(p).strip() for p in extra if str(p).strip()] if isinstance(extra, list) else []
    parts = [content.caption, *parts]
    limit = weighted_limit(options)
    if options.get("auto_split") is not True or all(weighted_length(p) <= limit for p in parts):
        return parts
    # Room for the " 12/34" numbering on every part.
    split = [piece for part in parts for piece in _split(part, limit - NUMBERING_ROOM)]
    return [f"{piece} {n}/{len(split)}" for n, piece in enumerate(split, start=1)]


def _split(text: str, budget: int) -> list[str]:
    """Pieces within `budget` (weighted), cut after sentence ends where possible, else between
    words, else anywhere."""
    if weighted_length(text) <= budget:
        return [text]
    units = [u for u in SENTENCE_END.split(text) if u]
    pieces: list[str] = []
    current = ""
    for unit in units:
        for small in _fit(unit, budget):
            joined = f"{current} {small}".strip()
            if current and weighted_length(joined) > budget:
                pieces.append(current)
                current = small
            else:
                current = joined
    if current:
        pieces.append(current)
    return pieces


def _fit(unit: str, budget: int) -> list[str]:
    """A sentence too long for one part, cut between words (a word too long, anywhere)."""
    if weighted_length(unit) <= budget:
        return [unit]
    out: list[str] = []
    current = ""
    for word in unit.split():
        while weighted_length(word) > budget:  # one huge word: cut it
            cut = budget
            while weighted_length(word[:cut]) > budget:
                cut -= 1
            if current:
                out.append(current)
                current = ""
            out.append(word[:cut])
            word = word[cut:]
        joined = f"{current} {word}".strip()
        if current and weighted_length(joined) > budget:
            out.append(current)
            current = word
        else:
            current = joined
    if current:
        out.append(current)
    return out
