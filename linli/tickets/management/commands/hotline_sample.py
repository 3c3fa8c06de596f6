"""``linli hotline_sample [FILE]``: a 12345 hotline export about the demo street's houses, to try
the hotline import with (/requests/hotline/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from linli.places.models import Level, Place
from linli.tickets.hotline_sample import csv_export, sample, xlsx_export


class Command(BaseCommand):
    help = "Write a sample 12345 hotline export (.xlsx, or .csv in GBK) about the houses of a street or community."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="12345-hotline-sample.xlsx")
        parser.add_argument("--orders", type=int, default=40)
        parser.add_argument("--area", default="", help="the place code of a street or a community (default: the "
                                                       "first community, demo-community's)")

    def handle(self, *args: Any, **options: Any) -> None:
        areas = Place.objects.filter(level__in=[Level.STREET, Level.COMMUNITY])
        area = (areas.filter(code=options["area"]).first() if options["area"]
                else areas.filter(level=Level.COMMUNITY).order_by("code").first())
        if area is None:
            raise CommandError("No such street or community: build the demo first (linli demo).")
        if not 1 <= options["orders"] <= 5000:
            raise CommandError("--orders: from 1 to 5000.")
        path = Path(options["file"])
        rows = sample(area, options["orders"])
        path.write_bytes(csv_export(rows, encoding="gbk") if path.suffix.lower() == ".csv" else xlsx_export(rows))
        self.stdout.write(f"{path}: {len(rows)} orders about {area.name}")
