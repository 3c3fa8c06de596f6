from __future__ import annotations

import json
import time
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.push import publish


class Command(BaseCommand):
    help = ("Send a live event to the open pages of everyone who may do ACTION at PATH: to check that "
            "live events reach the staff screens (decision 0026).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("topic", help="e.g. live.test")
        parser.add_argument("--path", required=True, help="the place path the event is filed under")
        parser.add_argument("--action", required=True, help="a registered action, e.g. tickets.view")
        parser.add_argument("--payload", default='{"notify": true, "title": "Test / 测试"}', help="JSON object")
        parser.add_argument("--count", type=int, default=1, help="send this many, one after another")

    def handle(self, *args: Any, topic: str, path: str, action: str, payload: str, count: int = 1,
               **options: Any) -> None:
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise CommandError(f"--payload is not JSON: {exc} / 内容不是有效的 JSON") from exc
        if not isinstance(data, dict):
            raise CommandError("--payload must be a JSON object / 内容须为 JSON 对象")
        for n in range(max(1, count)):
            try:
                publish(topic, {**data, "n": n, "sent": time.time()}, path=path, action=action)
            except (ImproperlyConfigured, ValueError, TypeError) as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"published {max(1, count)} / 已发送")
