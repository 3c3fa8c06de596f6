"""``linli hotline_sample [FILE]``: a 12345 hotline export about the demo street's houses, to try
the hotline import with (/requests/hotline/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.places.models import Level, Place
from linli.tickets.hotline_sample import csv_export, sample, xlsx_export


class Command(BaseCommand):
    help = "Write a sample 12345 hotline export (.xlsx or .csv) about the houses of a street."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="12345-hotline-sample.xlsx")
        parser.add_argument("--orders", type=int, default=40)
        parser.add_argument("--street", default="", help="the street's place code (default: the first street)")

    def handle(self, *args: Any, **options: Any) -> None:
        streets = Place.objects.filter(level=Level.STREET).order_by("code")
        street = streets.filter(code=options["street"]).first() if options["street"] else streets.first()
        if street is None:
            raise CommandError("No such street: build the demo first (linli demo).")
        if not 1 <= options["orders"] <= 5000:
            raise CommandError("--orders: from 1 to 5000.")
        path = Path(options["file"])
        rows = sample(street, options["orders"])
        path.write_bytes(csv_export(rows, encoding="gbk") if path.suffix.lower() == ".csv" else xlsx_export(rows))
        self.stdout.write(f"{path}: {len(rows)} orders about {street.name}")
