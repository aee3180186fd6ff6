"""claimkit's models: the prediction library and the shipped default model.

    >>> from models import load
    >>> tagger = load()                      # the default model shipped in the package
    >>> article = tagger.tag("North Korea could reportedly deploy troops.")
    >>> [(s.label, [c.text for c in s.cues]) for s in article.sentences]

Importing this package is cheap: numpy/scikit-learn (~1.5 s, `python -X importtime`) load on
first use, which is why the imports below sit inside functions. ``load`` checks the artifact
against its manifest's sha256 and reads ``model.skops`` with an explicit list of allowed types:
loading a model runs no code from the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.cues import Cue
    from models.tagger import ArticleTags, SentencePrediction, Summary, Tagger

__all__ = ["ArticleTags", "Cue", "SentencePrediction", "Summary", "Tagger", "load"]


def load(path: str | Path | None = None, *, trust_pickle: bool = False, **options: Any) -> Tagger:
    """Verify and load a model folder (default: the model shipped in ``models/default/``).

    Raises ``claimkit.errors.ModelError`` when the manifest is missing, the artifact's sha256
    does not match it, or the file holds a type outside the allowed list; warns
    (``ModelVersionWarning``) when scikit-learn differs from training. An old pickle
    (``model.joblib``) loads only with ``trust_pickle=True``. ``options`` go to :class:`Tagger`
    (``max_cues``, default 3; ``batch_size``; ``confirmed_cues=True`` shows cues on confirmed
    sentences too).
    """
    from models.artifact import load_model
    from models.tagger import from_loaded

    return from_loaded(load_model(path, trust_pickle=trust_pickle), **options)


def __getattr__(name: str) -> Any:
    # PEP 562: the result types live in modules that import numpy; load them on first access.
    if name == "Cue":
        from models.cues import Cue

        return Cue
    if name in {"ArticleTags", "SentencePrediction", "Summary", "Tagger"}:
        from models import tagger

        return getattr(tagger, name)
    raise AttributeError(f"module 'models' has no attribute {name!r}")
