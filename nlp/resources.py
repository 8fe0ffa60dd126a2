"""Where the project's data lives: lexicons, taxonomies, samples (the repo's top-level data/ folder).

In a checkout (and an editable install) that is the repo's `data/`; in a wheel or a container image it is the
`painmap_data` package the wheel ships (pyproject.toml maps `data/` to it), found by the import system.

    >>> (data_dir() / "lexicon" / "pain_cues.yaml").is_file()
    True
"""

from __future__ import annotations

from functools import lru_cache
from importlib import util
from pathlib import Path

_CHECKOUT_DATA = Path(__file__).resolve().parents[1] / "data"


@lru_cache(maxsize=1)
def data_dir() -> Path:
    if (_CHECKOUT_DATA / "lexicon").is_dir():
        return _CHECKOUT_DATA
    # painmap_data is a data-only (namespace) package: its folder is where the import system finds it.
    spec = util.find_spec("painmap_data")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if (Path(location) / "lexicon").is_dir():
            return Path(location)
    raise FileNotFoundError(
        f"данные painmap не найдены: нет ни {_CHECKOUT_DATA}, ни пакета painmap_data; переустановите пакет"
    )
