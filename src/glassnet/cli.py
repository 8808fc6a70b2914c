"""The command line: ``glassnet tour``, ``glassnet --version``.

The CLI does the talking; the library stays silent. Errors are one clear line and a non-zero exit code.
"""

from __future__ import annotations

import sys

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="glassnet")
def cli() -> None:
    """glassnet: neural networks you can see through."""


@cli.command()
@click.option("--quick", is_flag=True, help="Fewer epochs: a short run for a first look.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(min=0), help="Random seed.")
def tour(quick: bool, seed: int) -> None:
    """Walk from the perceptron's limit to MLPs that solve it, printing what each network learned."""
    from .tour import run_tour

    run_tour(quick=quick, seed=seed, echo=click.echo)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``glassnet`` console script."""
    try:
        cli.main(args=argv, prog_name="glassnet", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (ValueError, TypeError, RuntimeError, OSError) as exc:
        click.echo(f"Error: {exc}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
