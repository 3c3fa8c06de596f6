"""benchmarks/sizes.py: the growth factors it prints from runs at several sizes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("bench_sizes", Path(__file__).resolve().parents[1] / "benchmarks" / "sizes.py")
assert _spec and _spec.loader
sizes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sizes)


def test_growth_factors_per_step_beside_the_sizes_own():
    runs = [{"residents": 50_000, "search_p95_ms": 20.0, "view": {"p95_ms": 40}, "goal_met": True, "database": "x"},
            {"residents": 250_000, "search_p95_ms": 25.0, "view": {"p95_ms": 200}, "goal_met": False},
            {"residents": 1_000_000, "search_p95_ms": 30.0, "view": {"p95_ms": 800}}]
    steps = sizes.growth(runs)["steps"]
    assert [s["size_factor"] for s in steps] == [5.0, 4.0]
    assert steps[0]["factors"] == {"search_p95_ms": 1.25, "view.p95_ms": 5.0}
    assert steps[1]["factors"] == {"search_p95_ms": 1.2, "view.p95_ms": 4.0}


def test_a_figure_that_is_zero_or_missing_at_one_size_has_no_factor():
    steps = sizes.growth([{"size": 10, "a": 0, "b": 1}, {"size": 20, "a": 5, "c": 2}])["steps"]
    assert steps[0]["factors"] == {}


def test_the_benchmarks_json_line_is_found_after_its_progress_output():
    out = 'seeding ███ 100%\n{"not": "this"\n{"benchmark": "registry", "residents": 5}\n'
    assert sizes.last_json_line(out) == {"benchmark": "registry", "residents": 5}
    with pytest.raises(ValueError):
        sizes.last_json_line("no figures\n")


def test_each_size_is_an_environment():
    assert sizes.environment("DATABASE_URL=postgres://h/db?x=1,LINLI_DATA_DIR=/d") == {
        "DATABASE_URL": "postgres://h/db?x=1", "LINLI_DATA_DIR": "/d"}
    with pytest.raises(SystemExit):
        sizes.environment("/just/a/path")
