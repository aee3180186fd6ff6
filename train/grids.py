"""The parameter grids `claimkit train --grid` searches (plain data: cheap to import for --help)."""

from __future__ import annotations

from typing import Any, Literal

# The grid searched by default. The optional feature sets are fixed to what grouped CV on the
# training split chose (character n-grams, cue-lexicon and speech-structure features all on);
# every run measures each of them the other way round too (the ablation in the model card).
DEFAULT_GRID: dict[str, list[Any]] = {
    "C": [1.0, 3.0, 10.0],
    "word_ngram_range": [(1, 1), (1, 2)],
    "min_df": [1, 2],
    "sublinear_tf": [True, False],
    "chars": [True],
    "cues": [True],
    "structure": [True],
}
# Everything DEFAULT_GRID is chosen from, feature sets on and off: for the ablation.
FULL_GRID: dict[str, list[Any]] = {
    "C": [0.3, 1.0, 3.0, 10.0],
    "word_ngram_range": [(1, 1), (1, 2)],
    "min_df": [1, 2],
    "sublinear_tf": [True, False],
    "chars": [False, True],
    "cues": [False, True],
    "structure": [False, True],
}
# Two candidates, for tests and tiny datasets.
QUICK_GRID: dict[str, list[Any]] = {"C": [1.0, 10.0], "word_ngram_range": [(1, 2)], "cues": [True]}
Grid = Literal["default", "full", "quick"]
GRIDS: dict[str, dict[str, list[Any]]] = {
    "default": DEFAULT_GRID,
    "full": FULL_GRID,
    "quick": QUICK_GRID,
}
