"""What is taken out of a chat message before it is stored (no Django here: tested alone).

Speakers become pseudonyms: a keyed HMAC-SHA-256 of the community and the name (or the QQ
account), so the same person is the same pseudonym in every group and every upload of the
community, while nobody without the key can tell who it is or test a guess. Mobile and
landline numbers and ID numbers written in a message are masked, and so are the names after an @ as the registry masks them
(``138****5678``, ``310101********1234``); full-width digits are folded first, so ``１３８…``
is found too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata

INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e"
                                   "\u2066\u2067\u2068\u2069\u200e\u200f"))
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9])((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])(0\d{2,3})[- ]?(\d{3,4})(\d{4})(?![0-9])")
DIGIT = re.compile(r"\d")
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # control characters but the line break
SPACES = re.compile(r"[ \t\u3000]+")
# "@张三 " or "@张三\u2005" (WeChat's mention ends with a four-per-em space): a resident's name
MENTION = re.compile(r"@[^\s@,，:：]{1,20}(?:[\s\u2005]|$)")


def clean(text: str) -> str:
    """Folded (NFKC), without invisible characters and control characters, spaces collapsed."""
    text = CONTROL.sub(" ", unicodedata.normalize("NFKC", text).translate(INVISIBLE))
    return SPACES.sub(" ", text).strip()


def mask(text: str) -> str:
    """``text`` with the names it mentions (@张三) and ID numbers, mobile and landline numbers
    masked."""
    if "@" in text:
        text = MENTION.sub("@* ", text)
    if not DIGIT.search(text):
        return text
    text = ID_NUMBER.sub(lambda m: m[1] + "*" * 8 + m[3][-4:], text)
    text = MOBILE.sub(lambda m: m[1][-3:] + "****" + m[3], text)
    return LANDLINE.sub(lambda m: m[1] + "-" + "*" * len(m[2]) + m[3], text)


def pseudonym(key: bytes, community: str, speaker: str) -> str:
    """The speaker's stable pseudonym in the community (居民-XXXXXXXX)."""
    name = unicodedata.normalize("NFKC", speaker).strip().casefold()
    digest = hmac.new(key, f"{community}\x1f{name}".encode(), hashlib.sha256).digest()
    return "居民-" + base64.b32encode(digest[:5]).decode("ascii")
