"""Mistakes in the command line itself (an option mistyped or missing, a value of the wrong kind, a command
that does not exist) are said in Russian with what to do, exit code 2, and no traceback."""

from __future__ import annotations

import pytest
import typer.main
from typer.testing import CliRunner

from service.cli import app


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["train", "--dta", "x.csv"], "нет опции --dta; может быть, --data?"),
        (["train", "--data", "x.csv"], "не указана обязательная опция '--text-col'"),
        (["train", "--data", "x.csv", "--text-col", "t", "--head", "a=b", "--model-dir", "r",
          "--min-examples", "три"], "неверное значение '--min-examples': нужно целое число"),
        (["train", "--data", "x.csv", "--text-col", "t", "--head", "a=b", "--model-dir", "r",
          "--min-examples", "0"], "неверное значение '--min-examples': нужно не меньше 1"),
        (["train", "--data"], "после опции '--data' нужно значение"),
        (["trian"], "нет команды 'trian'; может быть, 'train'"),
        (["models", "promote"], "не указан обязательный аргумент"),
        (["version", "лишнее"], "лишние аргументы: лишнее"),
        (["pains", "x.csv", "--text-col", "t", "--out", "o.xlsx", "--unit", "abc"],
         "неверное значение '--unit': допустимо auto, fragment или text"),
    ],
)
def test_usage_errors_are_said_in_russian(args, said):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    flat = " ".join(result.output.replace("│", " ").split())
    assert said in flat, result.output
    assert "Ошибка" in result.output and "Справка: painmap" in flat and "Использование: painmap" in flat
    assert "Traceback" not in result.output
    for english in ("No such", "Missing", "Invalid value", "Got unexpected", "requires an argument"):
        assert english not in result.output


def _commands(command, path):
    """Every command path under a Click command, the command itself first."""
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, [*path, name])


@pytest.mark.parametrize("path", list(_commands(typer.main.get_command(app), [])),
                         ids=lambda p: " ".join(p) or "painmap")
def test_help_is_russian(path):
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.replace("│", " ").split())
    assert "Показать эту справку и выйти." in flat
    assert "Использование: " + " ".join(["painmap", *path]) in flat
    for english in ("Show this message", "[required]", "[default:", "completion", "[env var", "Usage:"):
        assert english not in flat, (path, english)
