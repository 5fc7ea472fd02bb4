"""Shared docstring entries: filled everywhere, lined up with the docstring."""

from __future__ import annotations

import inspect

import pytest

import neurolink.decode as decode
from neurolink.decode._docs import docdict, fill_doc


def _public_docs() -> list[tuple[str, str]]:
    docs = []
    for name in decode.__all__:
        obj = getattr(decode, name)
        docs.append((name, inspect.getdoc(obj) or ""))
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member) and member.__doc__:
                    docs.append((f"{name}.{attr}", inspect.getdoc(member) or ""))
    return docs


@pytest.mark.parametrize(("name", "doc"), _public_docs())
def test_no_unfilled_placeholder(name: str, doc: str) -> None:
    assert "%(" not in doc, name


def test_filled_docstring_holds_entry_text() -> None:
    doc = inspect.getdoc(decode.BayesianDecoder.partial_fit) or ""
    for key in ("X_counts_partial", "y_decoded", "channels_partial", "returns_self"):
        assert docdict[key] in doc, key
    assert docdict["X_counts"] in (inspect.getdoc(decode.WienerFilter.predict) or "")
    assert docdict["X_features"] in (inspect.getdoc(decode.ShrinkageLDA.predict_proba) or "")


def test_fill_doc_indents_entry() -> None:
    def f() -> None:
        """Do it.

        Parameters
        ----------
        %(channels_units)s
        """

    fill_doc(f)
    assert "        channels : sequence of str, optional\n            Labels of the units.\n" in (
        f.__doc__ or ""
    )


def test_fill_doc_rejects_unknown_and_inline() -> None:
    def unknown() -> None:
        """%(no_such_entry)s"""

    def inline() -> None:
        """See %(X_counts)s here."""

    with pytest.raises(KeyError):
        fill_doc(unknown)
    with pytest.raises(ValueError):
        fill_doc(inline)
