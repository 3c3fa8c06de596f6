"""``linli token create USERNAME [--name NAME]`` and ``linli token revoke PREFIX``.

The new token is printed alone on stdout (so scripts can capture it) and never again:
only its digest is stored.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core.api_auth import PREFIX_LENGTH, create_token, revoke_tokens
from linli.core.models import User


class Command(BaseCommand):
    help = "Create or revoke API bearer tokens. 创建或吊销 API 令牌。"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,revoke}")
        create = commands.add_parser("create", help="create a token for a user and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for, e.g. the program using it")
        revoke = commands.add_parser("revoke", help="revoke the tokens starting with PREFIX")
        revoke.add_argument("prefix", help=f"the first {PREFIX_LENGTH} characters of the token")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "create":
            self.create(options["username"], options["name"])
        else:
            self.revoke(options["prefix"])

    def create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. / 没有名为 {username!r} 的用户。")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive. / 用户 {username!r} 已停用。")
        token = create_token(user, name)
        self.stdout.write(token)
        self.stderr.write(
            f"Token {token[:PREFIX_LENGTH]}… for {username}: store it now, it is not shown again. "
            f"令牌只显示这一次，请立即妥善保存。"
        )

    def revoke(self, prefix: str) -> None:
        count = revoke_tokens(prefix)
        if count == 0:
            raise CommandError(f"No active token starts with {prefix!r}. / 没有以 {prefix!r} 开头的有效令牌。")
        self.stdout.write(f"Revoked {count} token(s). 已吊销 {count} 个令牌。")
