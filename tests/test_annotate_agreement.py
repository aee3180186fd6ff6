"""Agreement figures against values worked out by hand."""

from __future__ import annotations

import pytest

from annotate.agreement import agreement_report, cohen_kappa, krippendorff_alpha
from claimkit.labels import LABELS

# Two annotators on 7 sentences, a third on one (O=opinion, S=speculative, A=attributed, C=confirmed).
TABLE = {
    "t0": {"ann1": "opinion", "ann2": "opinion"},
    "t1": {"ann1": "speculative", "ann2": "speculative"},
    "t2": {"ann1": "attributed", "ann2": "attributed"},
    "t3": {"ann1": "confirmed", "ann2": "speculative"},
    "t4": {"ann1": "confirmed", "ann2": "confirmed"},
    "t5": {"ann1": "attributed", "ann2": "confirmed", "admin": "attributed"},
    "t7": {"ann1": "opinion", "ann2": "attributed"},
}
# kappa(ann1, ann2): po = 4/7; marginals ann1 O2 S1 A2 C2, ann2 O1 S2 A2 C2;
# pe = (2*1 + 1*2 + 2*2 + 2*2) / 49 = 12/49; kappa = (28/49 - 12/49) / (37/49) = 16/37.
KAPPA = 16 / 37
# alpha (nominal): 15 pairable values; coincidences off the diagonal: C-S 2, A-C 2, O-A 2 -> Do = 6/15;
# value totals O3 S3 A5 C4 -> De = (225 - 59) / (15 * 14) = 166/210; alpha = 1 - Do/De = 41/83.
ALPHA = 41 / 83


def test_cohen_kappa_by_hand():
    a = [TABLE[t]["ann1"] for t in TABLE]
    b = [TABLE[t]["ann2"] for t in TABLE]
    assert cohen_kappa(a, b, LABELS) == pytest.approx(KAPPA, abs=1e-6)


def test_krippendorff_alpha_by_hand():
    assert krippendorff_alpha(TABLE, LABELS) == pytest.approx(ALPHA, abs=1e-6)


def test_report_pairs_per_label_and_confusion():
    report = agreement_report(TABLE, LABELS)
    pairs = {tuple(p["annotators"]): p for p in report["pairs"]}
    assert pairs[("ann1", "ann2")]["n_items"] == 7
    assert pairs[("ann1", "ann2")]["observed_agreement"] == pytest.approx(4 / 7, abs=1e-6)
    assert pairs[("admin", "ann1")]["cohen_kappa"] is None  # one shared item: undefined
    # opinion: t0 gives 2 agreeing of 2 possible, t7 gives 0 of 1 -> 2/3
    assert report["per_label_agreement"]["opinion"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["per_label_agreement"]["speculative"] == pytest.approx(2 / 3, abs=1e-6)
    assert report["confusion"]["confirmed"]["speculative"] == 1  # t3 only
    assert report["confusion"]["attributed"]["confirmed"] == 2  # t5: ann1-ann2 and ann2-admin
    assert report["confusion"]["opinion"]["opinion"] == 2  # t0, both directions


def test_undefined_cases():
    assert cohen_kappa(["opinion"], ["opinion"], LABELS) is None
    assert cohen_kappa(["opinion"] * 3, ["opinion"] * 3, LABELS) is None
    assert krippendorff_alpha({"t0": {"a": "opinion"}}, LABELS) is None
    assert krippendorff_alpha({"t0": {"a": "opinion", "b": "opinion"}}, LABELS) is None
