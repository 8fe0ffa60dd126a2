"""The `painmap` command line. Each area registers its commands from service/commands/ (imports stay lazy
inside the commands so that `painmap --help` starts fast)."""

from __future__ import annotations

import typer

from service.cli_errors import RussianErrorsGroup
from service.commands import data_cmds, models_cmds, pains_cmds, report_cmds, serve_cmds

app = typer.Typer(
    name="painmap",
    cls=RussianErrorsGroup,
    help="painmap: классификация обращений, карта болей и квартальные отчёты.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)



@app.callback()
def main() -> None:
    """painmap: классификация обращений, карта болей и квартальные отчёты."""


@app.command()
def version() -> None:
    """Печатает версию painmap и препроцессора."""
    from nlp import Preprocessor

    typer.echo(f"painmap 0.1.0, preprocessor {Preprocessor.version}")


for module in (models_cmds, pains_cmds, serve_cmds, report_cmds, data_cmds):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
