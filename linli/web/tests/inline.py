"""What the Content-Security-Policy would block in a page: inline scripts, inline event
handlers, ``javascript:`` links, inline styles (decision 0014). Used by the access matrix on
every page it renders, and by test_csp."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

# <script> elements with these types are data, not code: the policy does not run them.
DATA_TYPES = {"application/json", "application/ld+json"}


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        line = self.getpos()[0]
        if tag == "script" and not values.get("src") and values.get("type", "").lower() not in DATA_TYPES:
            self.problems.append(f"line {line}: an inline <script>")
        if tag == "style":
            self.problems.append(f"line {line}: a <style> element")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"line {line}: an inline handler {name}= on <{tag}>")
            elif name == "style":
                self.problems.append(f"line {line}: an inline style on <{tag}>")
            elif name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: a javascript: URL in {name}= on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.problems


def csp_problems(response: Any) -> list[str]:
    """For an HTML response: a strict Content-Security-Policy header, and nothing inline that
    it would block. Other responses (JSON, files, redirects) have nothing to say."""
    content_type = response.get("Content-Type", "")
    if response.status_code != 200 or not content_type.startswith("text/html") or getattr(response, "streaming", False):
        return []
    problems = []
    policy = response.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    if directives.get("script-src") != ["'self'"]:
        problems.append(f"Content-Security-Policy script-src is {directives.get('script-src')}, not 'self' alone")
    if "'unsafe-inline'" in directives.get("style-src", ["'unsafe-inline'"]):
        problems.append(f"Content-Security-Policy style-src is {directives.get('style-src')}")
    return problems + inline_code(response.content.decode("utf-8", "replace"))
