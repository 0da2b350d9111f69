"""The presets, one per paper, as package data: ``tf_nst/config/presets/NAME.py``, each with a
``get_config()``; ``default`` is ``tf-nst stylize``'s own and ``default_training`` ``tf-nst train``'s.

A ``--config`` value may name one bare (``--config=gatys2016``, ``--config=yu_chang_vgg16:1000``
with its argument), give the ``configs/NAME.py`` path of checkouts from before the presets moved
into the package, or any config file of your own.
"""
from __future__ import annotations

from pathlib import Path

PRESETS_DIR = Path(__file__).resolve().parent


def preset_names() -> list[str]:
    """The names of the presets shipped in the package."""
    return sorted(path.stem for path in PRESETS_DIR.glob("*.py") if not path.stem.startswith("_"))


def preset_path(name: str) -> Path:
    """The file of the preset ``name``."""
    return PRESETS_DIR / f"{name}.py"


def resolve_config_path(spec: str) -> str:
    """A ``--config`` value as a file path, its ``:argument`` kept: a preset's bare name, a
    ``configs/NAME.py`` path that does not exist where a preset of that name does, or as given."""
    path, colon, argument = spec.partition(":")
    candidate = Path(path)
    if candidate.suffix != ".py" and "/" not in path and preset_path(path).is_file():
        path = str(preset_path(path))
    elif not candidate.is_file() and candidate.parent.name == "configs" and preset_path(candidate.stem).is_file():
        path = str(preset_path(candidate.stem))
    return path + colon + argument


def resolve_config_args(argv: list[str]) -> list[str]:
    """Command-line arguments with every ``--config=SPEC`` / ``--config SPEC`` resolved."""
    resolved, after_flag = [], False
    for argument in argv:
        if after_flag:
            argument, after_flag = resolve_config_path(argument), False
        elif argument == "--config":
            after_flag = True
        elif argument.startswith("--config="):
            argument = "--config=" + resolve_config_path(argument[len("--config="):])
        resolved.append(argument)
    return resolved
