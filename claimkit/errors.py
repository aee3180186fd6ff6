"""The one exception family of claimkit.

Every error a user can cause or fix is a ``ClaimkitError``; the CLI prints its
message on one line and exits non-zero, without a traceback::

    ClaimkitError
    ├── InputError          a file, column, field or value given by the user is wrong
    │   └── DataError       a dataset is empty, has one class, unknown labels, ...
    ├── StudioError         Label Studio: unreachable, bad token, missing project, ...
    └── ModelError          a model folder: missing manifest, hash mismatch, ...

Messages name the file/field/value and say what to do.
"""

from __future__ import annotations

from typing import get_args


class ClaimkitError(Exception):
    """Base class: an error the user can act on."""


class InputError(ClaimkitError):
    """A path, file, column or value given by the user is wrong."""


class DataError(InputError):
    """A dataset cannot be used as asked (empty, one class, unknown labels, ...)."""


class StudioError(ClaimkitError):
    """Label Studio could not be reached or refused what was asked."""


class ModelError(ClaimkitError):
    """A model folder cannot be trusted or used (missing manifest, hash mismatch, ...)."""


def check_choice(value: object, allowed: object, option: str) -> None:
    """Refuse ``value`` unless it is one of the ``Literal`` type ``allowed`` (the one check per option)."""
    choices = get_args(allowed)
    if value not in choices:
        raise InputError(f"{option} {value!r}: use one of {', '.join(map(str, choices))}")
