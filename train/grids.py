"""The parameter grids `claimkit train --grid` searches (plain data: cheap to import for --help)."""

from __future__ import annotations

from typing import Any, Literal

# The grid searched by default. min_df and sublinear_tf are fixed to what an earlier, wider
# search on the training split chose (FULL_GRID searches them), and so are the feature sets:
# character n-grams, cue-lexicon, speech-structure and context (sentence before) features on,
# the inside/outside-quote views and the next-sentence features off. Every run measures each
# feature set the other way round too (the ablation in the model card). The model's other
# choices (class weights, cue weight, the lexicon's sources and thresholds) were measured the
# same way by benchmarks/bench_choices.py.
DEFAULT_GRID: dict[str, list[Any]] = {
    "C": [3.0, 10.0, 30.0],
    "word_ngram_range": [(1, 1), (1, 2)],
    "min_df": [1],
    "sublinear_tf": [True],
    "chars": [True],
    "cues": [True],
    "structure": [True],
    "quote_views": [False],
    "context": [True],
    "context_after": [False],
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
    "quote_views": [False, True],
    "context": [False, True],
    "context_after": [False, True],
}
# Two candidates, for tests and tiny datasets.
QUICK_GRID: dict[str, list[Any]] = {"C": [1.0, 10.0], "word_ngram_range": [(1, 2)], "cues": [True]}
Grid = Literal["default", "full", "quick"]
GRIDS: dict[str, dict[str, list[Any]]] = {
    "default": DEFAULT_GRID,
    "full": FULL_GRID,
    "quick": QUICK_GRID,
}
