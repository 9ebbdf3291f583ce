"""LinkedIn's "little text format" for `commentary` (PLATFORMS.md §5.2).

Reserved characters are escaped with a backslash; a #hashtag becomes LinkedIn's hashtag template
so it stays a hashtag. The 3,000-character limit applies to the escaped text, so the composer and
validation count that.
"""

import re

RESERVED = re.compile(r"([|{}@\[\]()<>#\\*_~])")
HASHTAG = re.compile(r"(?<![\w&\\])#(\w+)")


def little_text(text: str) -> str:
    """`text` as LinkedIn's commentary: reserved characters escaped, hashtags as templates."""
    parts: list[str] = []
    last = 0
    for match in HASHTAG.finditer(text):
        parts.append(_escape(text[last : match.start()]))
        parts.append("{hashtag|\\#|" + _escape(match.group(1)) + "}")
        last = match.end()
    parts.append(_escape(text[last:]))
    return "".join(parts)


def _escape(text: str) -> str:
    return RESERVED.sub(r"\\\1", text)
