"""The ``mathgym`` command group: every error is one line on stderr, never a traceback.

Typer's standalone mode draws usage errors as a boxed panel and lets any other exception escape as a
traceback. :class:`MathgymGroup` runs the commands in non-standalone mode and turns

* a usage error (unknown option, a number out of range, a missing argument) into
  ``error: -n must be >= 1, got -5 (see `mathgym eval --help`)``, exit status 2;
* any other exception into ``error: <type>: <first line>`` plus a hint to rerun with ``MATHGYM_DEBUG=1``
  (which shows the traceback), exit status 1.

Commands report expected failures themselves with :func:`mathgym.cli.options.fail` (exit status 2).
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer >= 0.22 raises the exceptions of its vendored copy of click
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover  (older typer: click itself)
    from click import exceptions as click_exc  # type: ignore[no-redef]

#: ``MATHGYM_DEBUG=1`` (or ``mathgym -v``) shows the traceback of an unexpected error
DEBUG_ENV = "MATHGYM_DEBUG"

#: pydantic's constraint names (how typer checks ``min=``/``max=``) as the words of the message
_BOUNDS = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
_RANGE_RE = re.compile(r"^(?P<value>.*?) is not in the range (?P<range>.+?)\.?$")


def _range_message(exc: BaseException) -> str | None:
    """``must be >= 1, got -5`` for a value outside an option's ``min``/``max``, else ``None``."""
    cause = exc.__cause__
    errors = getattr(cause, "errors", None)
    if callable(errors):  # typer validates min/max with pydantic: the error carries the value and bound
        for error in errors():
            bounds = [f"{_BOUNDS[k]} {v}" for k, v in (error.get("ctx") or {}).items() if k in _BOUNDS]
            if bounds:
                return f"must be {' and '.join(bounds)}, got {error.get('input')}"
    match = _RANGE_RE.match(str(getattr(exc, "message", "")))  # click's IntRange wording
    if match:
        return f"must be in {match['range']}, got {match['value']}"
    return None


def _option_name(param: Any) -> str:
    if param is None:
        return "a value"
    names = [o for o in getattr(param, "opts", []) if o.startswith("--")] or list(getattr(param, "opts", []))
    return names[0] if names else (param.human_readable_name or str(param.name))


def format_usage_error(exc: Any) -> str:
    """One line for a ``UsageError``, with the command whose ``--help`` explains the options."""
    if isinstance(exc, click_exc.BadParameter) and not isinstance(exc, click_exc.MissingParameter):
        bound = _range_message(exc)
        message = (
            f"{_option_name(exc.param)} {bound}"
            if bound
            else f"invalid value for {_option_name(exc.param)}: {exc.message}"
        )
    else:
        message = exc.format_message()
    message = " ".join(message.split())  # click wraps long messages; one line reads better in logs
    command = exc.ctx.command_path if exc.ctx is not None else "mathgym"
    return f"error: {message} (see `{command} --help`)"


def format_exception(exc: BaseException) -> str:
    """One line for an unexpected exception: its type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"error: {type(exc).__name__}: {text[0] if text else 'no message'}"


def debugging() -> bool:
    """Whether tracebacks are wanted (``MATHGYM_DEBUG`` set to anything but 0/empty)."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0")


class MathgymGroup(TyperGroup):
    """A Typer group whose ``main`` reports every failure in one line (see the module docstring)."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            result = super().main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            )
            # in non-standalone mode click returns the exit status of ctx.exit()/typer.Exit, else None
            code = result if isinstance(result, int) else 0
        except click_exc.NoArgsIsHelpError as exc:  # `mathgym` alone: the help text, not an error
            typer.echo(exc.ctx.get_help() if exc.ctx is not None else exc.format_message())
            code = 0
        except click_exc.UsageError as exc:
            typer.echo(format_usage_error(exc), err=True)
            code = 2
        except click_exc.ClickException as exc:
            typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
            code = exc.exit_code
        except typer.Abort:
            typer.echo("aborted", err=True)
            code = 130
        except typer.Exit as exc:
            code = exc.exit_code
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            code = 130
        except Exception as exc:  # noqa: BLE001  (the one place that turns any failure into one line)
            if debugging():
                traceback.print_exc()
            typer.echo(format_exception(exc) + f" (rerun with {DEBUG_ENV}=1 for the traceback)", err=True)
            code = 1
        if standalone_mode:
            sys.stdout.flush()
            sys.exit(code)
        return code
