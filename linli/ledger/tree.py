"""A Merkle tree kept as levels of complete subtrees, for proofs in O(log² n).

``levels[h][i]`` is the hash of the perfect subtree over leaves ``[i·2^h, (i+1)·2^h)``.
In the RFC 9162 recursion (split at the largest power of two below the size) every left
part is such an aligned perfect subtree, so any subtree hash the proofs need is either a
stored node or computed from O(log n) of them. Appending a leaf updates O(log n) nodes.

Pure Python, no Django; proofs are the same bytes as ``merkle.inclusion_proof_from_hashes``
and ``merkle.consistency_proof_from_hashes`` (the tests check this).
"""

from __future__ import annotations

from collections.abc import Iterable

from linli.ledger.merkle import EMPTY_ROOT, node_hash


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class LevelTree:
    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        index, height = len(self.levels[0]) - 1, 0
        while index % 2 == 1:  # a right child completes its parent
            if len(self.levels) == height + 1:
                self.levels.append([])
            level = self.levels[height]
            self.levels[height + 1].append(node_hash(level[index - 1], level[index]))
            index //= 2
            height += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        for leaf in leaves:
            self.append(leaf)

    def subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range the RFC recursion produces (start aligned)."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        height = n.bit_length() - 1
        if n == 1 << height and start % n == 0:
            return self.levels[height][start >> height]
        k = _split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        self._check_size(size)
        return self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(m, D[n]) of RFC 9162 §2.1.3.1, leaf-to-root order."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf index {index} is outside a tree of size {size}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start += k
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """PROOF(m, D[n]) of RFC 9162 §2.1.4.1."""
        size = self.size if size is None else size
        self._check_size(size)
        if not 0 <= old_size <= size:
            raise ValueError(f"old size {old_size} is outside 0..{size}")
        if old_size in (0, size):
            return []
        proof: list[bytes] = []
        start, end, complete = 0, size, True
        while old_size != end:  # SUBPROOF(m, D[start:end], complete), unrolled
            k = _split(end - start)
            if old_size - start <= k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start += k
                complete = False
        if not complete:
            proof.append(self.subtree(start, end))
        proof.reverse()
        return proof

    def _check_size(self, size: int) -> None:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
