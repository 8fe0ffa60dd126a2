"""The command line in Russian: its help (panel titles, «обязательно», defaults, the --help option) and its
usage errors (a mistyped option or command, a missing option, a value of the wrong kind).

Typer (and the Click inside it) words these in English. The top-level group re-raises each one as a plain
usage error with the Russian text, on the same context, so Typer still prints it in its error panel with the
command's usage line and where to find the help. Typer ≥ 0.29 carries its own copy of Click, so the classes
are found from the public ``typer.BadParameter`` and told apart by name (the same names in either Click).
"""

from __future__ import annotations

import re
from typing import Any

import typer
import typer.rich_utils
from typer.core import TyperGroup

# Typer reads these when it draws help and errors.
typer.rich_utils.ERRORS_PANEL_TITLE = "Ошибка"
typer.rich_utils.RICH_HELP = "Справка: [blue]{command_path} {help_option}[/]"
typer.rich_utils.OPTIONS_PANEL_TITLE = "Опции"
typer.rich_utils.COMMANDS_PANEL_TITLE = "Команды"
typer.rich_utils.ARGUMENTS_PANEL_TITLE = "Аргументы"
typer.rich_utils.REQUIRED_LONG_STRING = "[обязательно]"
typer.rich_utils.DEFAULT_STRING = "[по умолчанию: {}]"
typer.rich_utils.ENVVAR_STRING = "[переменная окружения: {}]"
typer.rich_utils.DEPRECATED_STRING = "(устарело) "
typer.rich_utils.ABORTED_TEXT = "Прервано."
HELP_OPTION_TEXT = "Показать эту справку и выйти."

UsageError: type[Exception] = next(
    (c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"), typer.BadParameter)

_PATH = r"(?:File|Directory|Path|Файл|Каталог|Путь)"
# Values refused by the parameter types (Typer's own wording first, then Click's), tried in order.
_VALUE_MESSAGES: list[tuple[str, str]] = [
    (r"Input should be a valid integer.*", "нужно целое число"),
    (r"Input should be a valid number.*", "нужно число"),
    (r"Input should be a valid boolean.*", "нужно да или нет (true/false)"),
    (r"Input should be greater than or equal to (?P<n>.+)", "нужно не меньше {n}"),
    (r"Input should be greater than (?P<n>.+)", "нужно больше {n}"),
    (r"Input should be less than or equal to (?P<n>.+)", "нужно не больше {n}"),
    (r"Input should be less than (?P<n>.+)", "нужно меньше {n}"),
    (r"Input should be (?P<c>'.+)", "допустимо: {c}"),
    (r"(?P<v>.+) is not a valid (?:integer|integer range)\.", "{v} — не целое число"),
    (r"(?P<v>.+) is not a valid (?:float|float range)\.", "{v} — не число"),
    (r"(?P<v>.+) is not in the range (?P<r>.+)\.", "{v} вне допустимого диапазона {r}"),
    (r"(?P<v>.+) is not one of (?P<c>.+)\.", "{v} — допустимо: {c}"),
    (_PATH + r" (?P<v>.+) does not exist\.", "{v} не существует"),
    (_PATH + r" (?P<v>.+) is a file\.", "{v} — файл, а нужен каталог"),
    (_PATH + r" (?P<v>.+) is a directory\.", "{v} — каталог, а нужен файл"),
    (_PATH + r" (?P<v>.+) is not readable\.", "{v} нельзя прочитать"),
    (_PATH + r" (?P<v>.+) is not writable\.", "в {v} нельзя записать"),
]
_USAGE_MESSAGES: list[tuple[str, str]] = [
    (r"Option (?P<o>'[^']+') requires an argument\.", "после опции {o} нужно значение"),
    (r"Option (?P<o>'[^']+') requires (?P<n>\d+) arguments\.", "после опции {o} нужно значений: {n}"),
    (r"Option (?P<o>'[^']+') does not take a value\.", "опция {o} не принимает значения"),
    (r"Got unexpected extra arguments? ?(?:\(s\))? \((?P<a>.*)\)", "лишние аргументы: {a}"),
    (r"No such command (?P<c>'[^']*')\. Did you mean (?P<m>.+)\?", "нет команды {c}; может быть, {m}?"),
    (r"No such command (?P<c>'[^']*')\.", "нет команды {c}; список команд: painmap --help"),
]


def _translated(message: str, table: list[tuple[str, str]]) -> str:
    for pattern, russian in table:
        if found := re.fullmatch(pattern, message.strip(), flags=re.DOTALL):
            return russian.format(**found.groupdict())
    return message


def _is(exc: BaseException, name: str) -> bool:
    return any(c.__name__ == name for c in type(exc).__mro__)


def _hint(exc: Any) -> str:
    hint = getattr(exc, "param_hint", None)
    if hint is None and getattr(exc, "param", None) is not None:
        try:
            hint = exc.param.get_error_hint(exc.ctx)  # Click
        except TypeError:
            hint = exc.param.get_error_hint()  # Typer's own copy
    hints = list(hint) if isinstance(hint, list | tuple) else [hint] if hint else []
    return " / ".join(h if str(h).startswith("'") else f"'{h}'" for h in map(str, hints))


def russian(exc: Exception) -> str:
    """The Russian text of a usage error (messages of our own, already Russian, pass through unchanged)."""
    if _is(exc, "NoSuchOption"):
        maybe = sorted(getattr(exc, "possibilities", None) or ())
        return f"нет опции {exc.option_name}" + (f"; может быть, {', '.join(maybe)}?" if maybe else "")
    if _is(exc, "MissingParameter"):
        kind = getattr(exc, "param_type", None) or getattr(getattr(exc, "param", None), "param_type_name", "")
        missing = {"argument": "не указан обязательный аргумент", "option": "не указана обязательная опция"}
        return f"{missing.get(kind, 'не указан обязательный параметр')} {_hint(exc)}".strip()
    if _is(exc, "BadParameter"):
        hint = _hint(exc)
        return f"неверное значение{' ' + hint if hint else ''}: {_translated(exc.message, _VALUE_MESSAGES)}"
    return _translated(exc.message, _USAGE_MESSAGES)


def _in_russian(command_class: type, method: str, change: Any) -> None:
    """Wrap Click's `method` wherever `command_class` inherits it so that `change(result)` is returned: the
    --help option's text and the usage line («Usage: …») are Click's English."""
    owner = next((c for c in command_class.__mro__ if method in c.__dict__), None)
    english = owner.__dict__[method] if owner is not None else None
    if english is None or getattr(english, "russian", False):
        return  # another Click or Typer: its own wording, but the command line still starts

    def wrapped(self: Any, ctx: Any) -> Any:
        return change(english(self, ctx))

    wrapped.russian = True  # type: ignore[attr-defined]
    setattr(owner, method, wrapped)


def _help_option(option: Any) -> Any:
    if option is not None:
        option.help = HELP_OPTION_TEXT
    return option


def _usage(line: Any) -> Any:
    return line.replace("Usage: ", "Использование: ", 1) if isinstance(line, str) else line


_in_russian(TyperGroup, "get_help_option", _help_option)
_in_russian(TyperGroup, "get_usage", _usage)


class RussianErrorsGroup(TyperGroup):
    """The `painmap` group: each usage error raised while parsing it or any command under it, in Russian."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            raise _reworded(exc, None) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            raise _reworded(exc, ctx) from None


def _reworded(exc: Exception, ctx: Any) -> Exception:
    """``ctx``: the group's, for the usage line and the help hint when the error came without its own."""
    if _is(exc, "NoArgsIsHelpError") or getattr(exc, "reworded", False):
        return exc
    plain = UsageError(russian(exc), ctx=getattr(exc, "ctx", None) or ctx)
    plain.reworded = True  # type: ignore[attr-defined]  # said once, however deep the group
    return plain
