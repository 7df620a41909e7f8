"""An arrival-ordered line of unique keys with O(log n) position, removal from anywhere and
k-th lookup (a Fenwick tree over arrival slots), so queue status never walks the queue.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

__all__ = ["Line"]


class Line(Sequence[str]):
    """Keys in arrival order; each key at most once.

    ``append``, ``remove``, ``position``, ``index``, ``popleft`` and ``line[i]`` cost O(log n);
    ``key in line`` and ``len(line)`` cost O(1). Slots of removed keys are never reused, so
    the arrival order of the keys still present is kept exactly.

    Usage: ``line = Line(["a", "b"]); line.remove("a"); line.position("b") == 1``
    """

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self._tree: list[int] = [0]  # 1-based Fenwick tree of live flags per slot
        self._keys: list[str | None] = []  # slot -> key (None once removed)
        self._slot: dict[str, int] = {}
        self._head = 0  # no live slot below this one
        for key in keys:
            self.append(key)

    # --- Fenwick primitives -----------------------------------------------------------------

    def _prefix(self, i: int) -> int:
        """Live keys in slots ``0 .. i-1``."""
        total = 0
        tree = self._tree
        while i > 0:
            total += tree[i]
            i &= i - 1
        return total

    def _add(self, slot: int, delta: int) -> None:
        i = slot + 1
        tree = self._tree
        size = len(tree)
        while i < size:
            tree[i] += delta
            i += i & -i

    # --- changes ----------------------------------------------------------------------------

    def append(self, key: str) -> None:
        """Put ``key`` at the end; ValueError if it is already in line."""
        if key in self._slot:
            raise ValueError(f"{key!r} is already in line")
        slot = len(self._keys)
        i = slot + 1
        # The new node covers slots (i - lowbit(i), i]; all but the new one are already counted.
        self._tree.append(1 + self._prefix(i - 1) - self._prefix(i - (i & -i)))
        self._keys.append(key)
        self._slot[key] = slot

    def remove(self, key: str) -> None:
        """Take ``key`` out wherever it stands; KeyError if it is not in line."""
        slot = self._slot.pop(key)
        self._keys[slot] = None
        self._add(slot, -1)

    def popleft(self) -> str:
        """Take out and return the key at the front; IndexError when empty."""
        if not self._slot:
            raise IndexError("pop from an empty line")
        keys = self._keys
        while keys[self._head] is None:
            self._head += 1
        key = keys[self._head]
        assert key is not None
        self.remove(key)
        return key

    def clear(self) -> None:
        """Empty the line."""
        self._tree, self._keys, self._slot, self._head = [0], [], {}, 0

    # --- queries ----------------------------------------------------------------------------

    def position(self, key: str) -> int:
        """1-based position of ``key`` (1 = front); KeyError if it is not in line."""
        return self._prefix(self._slot[key] + 1)

    def index(self, key: object, start: int = 0, stop: int | None = None) -> int:
        """0-based index of ``key``, as ``list.index`` (ValueError when absent)."""
        if not isinstance(key, str) or key not in self._slot:
            raise ValueError(f"{key!r} is not in line")
        found = self.position(key) - 1
        end = len(self) if stop is None else stop
        if not start <= found < end:
            raise ValueError(f"{key!r} is not in line[{start}:{stop}]")
        return found

    def count(self, key: object) -> int:
        return 1 if key in self else 0

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._slot

    def __len__(self) -> int:
        return len(self._slot)

    def __bool__(self) -> bool:
        return bool(self._slot)

    def __iter__(self) -> Iterator[str]:
        for key in self._keys[self._head:]:
            if key is not None:
                yield key

    def _kth(self, k: int) -> str:
        """The key at 0-based index ``k`` (Fenwick descent)."""
        tree = self._tree
        pos, rest = 0, k + 1
        step = 1 << (len(tree) - 1).bit_length()
        while step:
            nxt = pos + step
            if nxt < len(tree) and tree[nxt] < rest:
                pos, rest = nxt, rest - tree[nxt]
            step >>= 1
        key = self._keys[pos]
        assert key is not None
        return key

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return list(self)[i]
        size = len(self)
        k = i + size if i < 0 else i
        if not 0 <= k < size:
            raise IndexError("line index out of range")
        return self._kth(k)

    def __repr__(self) -> str:
        return f"Line({len(self)} keys)"
