"""``linli twofactor list`` and ``linli twofactor reset USERNAME`` (decision 0022).

``list`` names the accounts whose roles need a second factor and whether each has set one up;
``reset`` removes an account's authenticator and backup codes (a lost phone), audited, so that
she sets up a new phone at her next sign-in. The admin site does the same for administrators
who still have theirs; this is for the server's operator (and the administrator who lost hers).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.core import twofactor
from linli.core.actions import do_reset_second_factor
from linli.core.models import RoleAssignment, User


class Command(BaseCommand):
    help = "List who needs a second factor, or reset one after a lost phone. 查看或重置第二重验证。"

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="{list,reset}")
        commands.add_parser("list", help="accounts whose roles need a second factor, and whether they have one")
        reset = commands.add_parser("reset", help="remove an account's authenticator and backup codes")
        reset.add_argument("username")

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "reset":
            self.reset(options["username"])
        else:
            self.list()

    def list(self) -> None:
        holders = set(RoleAssignment.objects.current().values_list("user_id", flat=True))
        users = User.objects.filter(is_active=True).order_by("username")
        for user in users.filter(pk__in=holders) | users.filter(is_superuser=True):
            if not twofactor.needs_second_factor(user):
                continue
            state = "set up / 已设置" if twofactor.totp_device(user) else "not yet / 未设置"
            self.stdout.write(f"{user.username:<24} {state}")

    def reset(self, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}. / 没有名为 {username!r} 的用户。")
        removed = do_reset_second_factor(user, acting_user=None, command_line=True)
        if not removed:
            self.stdout.write(f"{username} had no authenticator. / {username} 未设置身份验证器。")
        else:
            self.stdout.write(f"{username} sets up a new authenticator at the next sign-in. "
                              f"/ {username} 下次登录时须重新设置身份验证器。")
