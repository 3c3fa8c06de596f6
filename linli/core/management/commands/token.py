"""``linli token create USERNAME [--name NAME] [--days N]`` and ``linli token revoke PREFIX``.

The new token is printed alone on stdout (so scripts can capture it) and never again:
only its digest is stored. It expires after ``LINLI_API_TOKEN_DAYS`` (or ``--days``); its owner
sees it, and may revoke it, on her account page (/account/), like the tokens she makes there.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from linli.core.api_auth import MAX_TOKEN_DAYS, PREFIX_LENGTH, create_token, revoke_tokens
from linli.core.models import User


class Command(BaseCommand):
    help = "Create or revoke API bearer tokens. 创建或吊销 API 令牌。"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,revoke}")
        create = commands.add_parser("create", help="create a token for a user and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for, e.g. the program using it")
        create.add_argument("--days", type=int, default=None,
                            help=f"how many days it works (default LINLI_API_TOKEN_DAYS, at most {MAX_TOKEN_DAYS})")
        revoke = commands.add_parser("revoke", help="revoke the tokens starting with PREFIX")
        revoke.add_argument("prefix", help=f"the first {PREFIX_LENGTH} characters of the token")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "create":
            self.create(options["username"], options["name"], options["days"])
        else:
            self.revoke(options["prefix"])

    def create(self, username: str, name: str, days: int | None) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. / 没有名为 {username!r} 的用户。")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive. / 用户 {username!r} 已停用。")
        days = settings.LINLI_API_TOKEN_DAYS if days is None else days
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise CommandError(f"--days must lie between 1 and {MAX_TOKEN_DAYS}. / --days 须在 1 到 {MAX_TOKEN_DAYS} 之间。")
        token = create_token(user, name, days=days)
        until = timezone.localtime(timezone.now() + datetime.timedelta(days=days)).strftime("%Y-%m-%d")
        self.stdout.write(token)
        self.stderr.write(
            f"Token {token[:PREFIX_LENGTH]}… for {username}, valid until {until}: store it now, it is not shown again. "
            f"令牌有效期至 {until}，只显示这一次，请立即妥善保存。"
        )

    def revoke(self, prefix: str) -> None:
        count = revoke_tokens(prefix)
        if count == 0:
            raise CommandError(f"No active token starts with {prefix!r}. / 没有以 {prefix!r} 开头的有效令牌。")
        self.stdout.write(f"Revoked {count} token(s). 已吊销 {count} 个令牌。")
