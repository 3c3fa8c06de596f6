"""`linli open311_client NAME --scope CODE`: let a program (a city app, a hotline system) file
requests in an area through Open311. Prints its api_key once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from linli.core import audit
from linli.core.api_auth import create_token
from linli.core.models import Role, RoleAssignment, User
from linli.places.models import Place


class Command(BaseCommand):
    help = "Create an Open311 client that may file requests in an area, and print its api_key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="a short name for the program, e.g. city-app")
        parser.add_argument("--scope", required=True, help="the code of the street or community it files in")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        place = Place.objects.filter(code=options["scope"]).first()
        if place is None:
            raise CommandError(f"No place has the code {options['scope']!r}.")
        username = f"open311-{options['name']}"[:150]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"{username} exists already; choose another name.")
        user = User.objects.create(username=username, password=make_password(None),
                                   display_name=f"Open311: {options['name']}")
        RoleAssignment.objects.create(user=user, role=Role.objects.get(code="open311_client"), place=place)
        key = create_token(user, "open311")
        audit.record("tickets.open311_client", obj=user, path=place.path, detail={"name": options["name"]})
        self.stdout.write(f"api_key for {username} (shown once): {key}")
