"""BrainFlow board names and ids: lookup with a helpful error."""

from __future__ import annotations

import difflib

from brainflow.board_shim import BoardIds

from neurolink.errors import BoardNotFoundError

__all__ = ["board_name", "board_names", "resolve_board"]


def _short(name: str) -> str:
    """``CYTON_DAISY_BOARD`` → ``cyton_daisy``."""
    n = name.lower()
    return n[: -len("_board")] if n.endswith("_board") else n


def board_names() -> dict[str, int]:
    """Map of short lower-case board names (``"synthetic"``, ``"cyton_daisy"``) to BrainFlow ids."""
    return {_short(b.name): int(b.value) for b in BoardIds}


def board_name(board_id: int) -> str:
    """Short name of a BrainFlow board id (``-1`` → ``"synthetic"``)."""
    for b in BoardIds:
        if int(b.value) == int(board_id):
            return _short(b.name)
    raise BoardNotFoundError(f"unknown BrainFlow board id {board_id}")


def resolve_board(board: str | int) -> int:
    """Resolve a board given by short name, enum name or numeric id to its BrainFlow id.

    Parameters
    ----------
    board : str or int
        ``"synthetic"``, ``"SYNTHETIC_BOARD"``, ``"cyton-daisy"``, ``-1``, ``"2"`` …

    Returns
    -------
    int
        The BrainFlow board id.

    Raises
    ------
    BoardNotFoundError
        With a "did you mean" suggestion when the name is close to a known one.
    """
    names = board_names()
    if isinstance(board, bool):
        raise BoardNotFoundError(f"unknown board {board!r}")
    if isinstance(board, int) or (isinstance(board, str) and board.strip().lstrip("-").isdigit()):
        bid = int(board)
        if bid in names.values():
            return bid
        raise BoardNotFoundError(f"unknown BrainFlow board id {bid}")
    key = _short(str(board).strip().replace("-", "_"))
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "; `neurolink devices` lists the boards"
    raise BoardNotFoundError(f"unknown board {board!r}{hint}")
