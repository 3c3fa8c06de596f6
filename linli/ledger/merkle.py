"""RFC 9162 (Certificate Transparency v2) Merkle tree primitives.

This module is pure standard-library Python (no Django) so that it can be
used by the database-backed log, by witnesses and by offline auditors alike.
It implements section 2.1 of RFC 9162 exactly, with SHA-256 as the hash:

* ``MTH({}) = SHA-256()`` -- the root of the empty tree (:data:`EMPTY_ROOT`);
* ``MTH({d(0)}) = SHA-256(0x00 || d(0))`` -- a leaf (:func:`leaf_hash`);
* for ``n > 1``, with ``k`` the largest power of two *strictly smaller* than
  ``n``: ``MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``
  (:func:`node_hash`).

Inclusion proofs are ``PATH(m, D[n])`` (section 2.1.3.1) and consistency
proofs are ``PROOF(m, D[n])`` / ``SUBPROOF`` (section 2.1.4.1). The verifiers
follow sections 2.1.3.2 and 2.1.4.2 step by step, including the final checks
that ``sn`` has reached zero, and they never raise: any malformed input makes
them return ``False``.

Functions come in two flavours: those taking raw entries (``root``,
``inclusion_proof``, ``consistency_proof``) hash every entry as a leaf first;
the ``*_from_hashes`` variants take precomputed 32-byte leaf hashes, which is
what a database-backed log stores. Computing a root or a proof over ``n``
leaf hashes costs at most about ``n`` node hashes, uses ``O(log n)`` extra
memory beyond the input and is fully iterative (no recursion at all).

:class:`CompactRange` keeps only the roots of the perfect subtrees on the
right edge of the tree (the "frontier"), so that a sequencer can append a leaf
and recompute the root in ``O(log n)`` without reading the whole log.

All hashes are 32-byte ``bytes``. Where a hash is accepted as input,
``bytearray`` and ``memoryview`` (as returned by some database drivers for
binary columns) are accepted too; ``str`` never is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "CompactRange",
    "consistency_proof",
    "consistency_proof_from_hashes",
    "inclusion_proof",
    "inclusion_proof_from_hashes",
    "leaf_hash",
    "node_hash",
    "root",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

#: Size in bytes of every hash in the tree (SHA-256).
HASH_SIZE = 32

#: RFC 9162 encodes tree sizes and leaf indices as ``uint64``; the verifiers
#: reject anything larger.
MAX_TREE_SIZE = 2**64 - 1

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256

#: ``MTH({})``: the hash of the empty string,
#: ``e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855``.
EMPTY_ROOT: bytes = _sha256(b"").digest()

_BYTES_LIKE = (bytes, bytearray, memoryview)


# ---------------------------------------------------------------------------
# Hashing
# ---------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 leaf hash ``SHA-256(0x00 || data)``.

    ``data`` is the raw leaf entry (any bytes-like object; ``str`` is refused
    with :class:`TypeError` because its encoding would be ambiguous).
    """
    if not isinstance(data, _BYTES_LIKE):
        raise TypeError(f"leaf data must be bytes, not {type(data).__name__}")
    return _sha256(_LEAF_PREFIX + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 interior node hash ``SHA-256(0x01 || left || right)``.

    Both children must be 32-byte hashes; anything else raises
    :class:`TypeError` / :class:`ValueError`.
    """
    return _node(_require_hash(left, "left"), _require_hash(right, "right"))


def _node(left: bytes, right: bytes) -> bytes:
    # Unchecked fast path used internally on already-validated hashes.
    return _sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


# ---------------------------------------------------------------------------
# Input validation helpers
# ---------------------------------------------------------------------------


def _require_hash(value: object, what: str) -> bytes:
    if not isinstance(value, _BYTES_LIKE):
        raise TypeError(f"{what} must be a {HASH_SIZE}-byte hash, not {type(value).__name__}")
    value = bytes(value)
    if len(value) != HASH_SIZE:
        raise ValueError(f"{what} must be {HASH_SIZE} bytes long, got {len(value)}")
    return value


def _require_sequence(value: object, what: str) -> None:
    if isinstance(value, (str, *_BYTES_LIKE)) or not isinstance(value, Sequence):
        raise TypeError(f"{what} must be a sequence (list or tuple), not {type(value).__name__}")


def _hash_list(hashes: Sequence[bytes]) -> list[bytes]:
    """Validate a sequence of leaf hashes and return it as a list of ``bytes``."""
    _require_sequence(hashes, "leaf hashes")
    out = list(hashes)
    # Fast path: everything is already a 32-byte ``bytes`` object.
    if all(type(h) is bytes and len(h) == HASH_SIZE for h in out):
        return out
    return [_require_hash(h, f"leaf hash {i}") for i, h in enumerate(out)]


def _leaf_hashes(entries: Sequence[bytes]) -> list[bytes]:
    _require_sequence(entries, "entries")
    return [leaf_hash(e) for e in entries]


def _require_int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return int(value)


def _as_hash(value: object) -> bytes | None:
    """Non-raising variant of :func:`_require_hash` for the verifiers."""
    if not isinstance(value, _BYTES_LIKE):
        return None
    value = bytes(value)
    return value if len(value) == HASH_SIZE else None


def _as_size(value: object) -> int | None:
    """Return ``value`` as an int in ``[0, MAX_TREE_SIZE]``, else ``None``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    value = int(value)
    return value if 0 <= value <= MAX_TREE_SIZE else None


def _as_proof(value: object, max_len: int) -> list[bytes] | None:
    """Return ``value`` as a list of 32-byte hashes, else ``None``."""
    if isinstance(value, (str, *_BYTES_LIKE)) or not isinstance(value, Sequence):
        return None
    if len(value) > max_len:
        return None
    out = []
    for element in value:
        h = _as_hash(element)
        if h is None:
            return None
        out.append(h)
    return out


# ---------------------------------------------------------------------------
# Tree hashes
# ---------------------------------------------------------------------------


def _range_root(hashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    """``MTH(D[lo:hi])`` from leaf hashes, iteratively, in ``hi - lo - 1`` node hashes.

    The stack holds the roots of the perfect subtrees covering the leaves
    seen so far (largest first), exactly like :class:`CompactRange`.
    """
    if hi <= lo:
        return EMPTY_ROOT
    stack: list[bytes] = []
    push = stack.append
    pop = stack.pop
    for count in range(hi - lo):
        h = hashes[lo + count]
        # ``count`` leaves were already absorbed: merge once per trailing one bit.
        while count & 1:
            h = _node(pop(), h)
            count >>= 1
        push(h)
    h = pop()
    while stack:
        h = _node(pop(), h)
    return h


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash of a tree given its (32-byte) leaf hashes.

    Returns :data:`EMPTY_ROOT` for an empty sequence. ``O(n)`` hashing,
    ``O(log n)`` extra memory, no recursion.
    """
    hs = _hash_list(hashes)
    return _range_root(hs, 0, len(hs))


def root(entries: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash ``MTH(D[n])`` of raw leaf ``entries``."""
    hs = _leaf_hashes(entries)
    return _range_root(hs, 0, len(hs))


# ---------------------------------------------------------------------------
# Inclusion proofs (RFC 9162 section 2.1.3)
# ---------------------------------------------------------------------------


def inclusion_proof_from_hashes(hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Return the inclusion proof ``PATH(index, D[n])`` given the leaf hashes.

    The proof lists the sibling subtree hashes from the leaf up to the root
    (the leaf's sibling first). Raises :class:`ValueError` unless
    ``0 <= index < len(hashes)``. The sibling subtrees are disjoint, so the
    total cost is fewer than ``n`` node hashes.
    """
    hs = _hash_list(hashes)
    index = _require_int(index, "index")
    n = len(hs)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} out of range for a tree of size {n}")
    proof: list[bytes] = []
    lo, hi = 0, n
    # Walk down from the root; PATH appends the sibling *after* the deeper
    # part of the path, so the list is reversed at the end.
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:
            proof.append(_range_root(hs, mid, hi))
            hi = mid
        else:
            proof.append(_range_root(hs, lo, mid))
            lo = mid
    proof.reverse()
    return proof


def inclusion_proof(entries: Sequence[bytes], index: int) -> list[bytes]:
    """Return the inclusion proof ``PATH(index, D[n])`` for raw leaf ``entries``."""
    return inclusion_proof_from_hashes(_leaf_hashes(entries), index)


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check that ``leaf_hash`` is leaf number ``index`` of the tree ``(size, root)``.

    Implements RFC 9162 section 2.1.3.2 verbatim, including the final check
    that ``sn`` is zero. Returns ``False`` -- never raises -- on a failed
    proof or on any malformed input (non-int or bool sizes, negative values,
    ``index >= size``, sizes beyond ``uint64``, hashes that are not 32
    bytes-like bytes, a proof that is not a list/tuple of such hashes, or one
    that is too short or too long).
    """
    try:
        return _verify_inclusion(leaf_hash, index, size, proof, root)
    except Exception:  # noqa: BLE001 - a verifier must never raise
        return False


def _verify_inclusion(
    leaf: object, index: object, size: object, proof: object, expected_root: object
) -> bool:
    m = _as_size(index)
    n = _as_size(size)
    h = _as_hash(leaf)
    want = _as_hash(expected_root)
    if m is None or n is None or h is None or want is None:
        return False
    # Step 1: the index must lie inside the tree.
    if m >= n:
        return False
    # A valid path has at most bit_length(n - 1) elements; refuse longer ones
    # before touching their contents.
    path = _as_proof(proof, (n - 1).bit_length())
    if path is None:
        return False
    # Steps 2-3.
    fn, sn = m, n - 1
    r = h
    # Step 4.
    for p in path:
        if sn == 0:  # 4a
            return False
        if fn & 1 or fn == sn:  # 4b
            r = _node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1  # 4c
        sn >>= 1
    # Step 5.
    return sn == 0 and r == want


# ---------------------------------------------------------------------------
# Consistency proofs (RFC 9162 section 2.1.4)
# ---------------------------------------------------------------------------


def consistency_proof_from_hashes(hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the consistency proof ``PROOF(old_size, D[n])`` given the leaf hashes.

    ``n = len(hashes)``. For ``old_size == 0`` or ``old_size == n`` the proof
    is empty (RFC 9162 only defines the proof for ``0 < m < n``; both cases
    are trivially consistent). Raises :class:`ValueError` when
    ``old_size > n`` or ``old_size < 0``. The subtrees in the proof are
    disjoint, so the total cost is fewer than ``n`` node hashes.
    """
    hs = _hash_list(hashes)
    m = _require_int(old_size, "old_size")
    n = len(hs)
    if m < 0:
        raise ValueError(f"old_size must not be negative, got {m}")
    if m > n:
        raise ValueError(f"old_size {m} is larger than the tree size {n}")
    if m == 0 or m == n:
        return []
    # Iterative SUBPROOF(m, D[lo:hi], b). Every step appends its sibling after
    # the deeper part of the proof, so the list is reversed at the end.
    proof: list[bytes] = []
    lo, hi = 0, n
    complete = True  # the "b" flag: is D[lo:lo+m] the complete old tree?
    while True:
        size = hi - lo
        if m == size:
            if not complete:
                proof.append(_range_root(hs, lo, hi))
            break
        k = _split(size)
        if m <= k:
            proof.append(_range_root(hs, lo + k, hi))
            hi = lo + k
        else:
            proof.append(_range_root(hs, lo, lo + k))
            lo += k
            m -= k
            complete = False
    proof.reverse()
    return proof


def consistency_proof(entries: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the consistency proof ``PROOF(old_size, D[n])`` for raw leaf ``entries``."""
    return consistency_proof_from_hashes(_leaf_hashes(entries), old_size)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check that the tree ``(new_size, new_root)`` extends ``(old_size, old_root)``.

    For ``0 < old_size < new_size`` this is RFC 9162 section 2.1.4.2
    verbatim, including the final check that ``sn`` is zero. The edge cases,
    for which RFC 9162 defines no proof, are decided as follows:

    * ``old_size == new_size``: true only if the proof is empty and the two
      roots are equal;
    * ``old_size == 0``: the empty tree is consistent with every tree, so this
      is true only if the proof is empty **and** ``old_root`` is
      :data:`EMPTY_ROOT` (the only root a tree of size 0 can have; a
      checkpoint claiming otherwise is malformed). ``new_root`` must still be
      a well-formed 32-byte hash but cannot be checked further.

    Returns ``False`` -- never raises -- on a failed proof or on any
    malformed input (``old_size > new_size``, negative or non-int sizes,
    sizes beyond ``uint64``, roots or proof elements that are not 32 bytes,
    a proof that is not a list/tuple, too short or too long).
    """
    try:
        return _verify_consistency(old_size, new_size, old_root, new_root, proof)
    except Exception:  # noqa: BLE001 - a verifier must never raise
        return False


def _verify_consistency(
    old_size: object, new_size: object, old_root: object, new_root: object, proof: object
) -> bool:
    m = _as_size(old_size)
    n = _as_size(new_size)
    first = _as_hash(old_root)
    second = _as_hash(new_root)
    if m is None or n is None or first is None or second is None:
        return False
    if m > n:
        return False
    # A valid proof has at most bit_length(n - 1) + 1 elements.
    path = _as_proof(proof, max(n - 1, 0).bit_length() + 1)
    if path is None:
        return False
    if m == 0:
        return not path and first == EMPTY_ROOT
    if m == n:
        return not path and first == second
    # Step 1.
    if not path:
        return False
    # Step 2.
    if m & (m - 1) == 0:
        path.insert(0, first)
    # Step 3.
    fn, sn = m - 1, n - 1
    # Step 4.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5.
    fr = sr = path[0]
    # Step 6.
    for c in path[1:]:
        if sn == 0:  # 6a
            return False
        if fn & 1 or fn == sn:  # 6b
            fr = _node(c, fr)
            sr = _node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = _node(sr, c)
        fn >>= 1  # 6c
        sn >>= 1
    # Step 7.
    return sn == 0 and fr == first and sr == second


# ---------------------------------------------------------------------------
# Compact range: incremental roots for the sequencer
# ---------------------------------------------------------------------------


class CompactRange:
    """The right-edge frontier of a growing RFC 9162 tree.

    A tree of size ``n`` is the concatenation of perfect subtrees, one for
    each set bit of ``n`` (largest first). Keeping only their roots --
    ``popcount(n)`` hashes, at most 64 -- is enough to append further leaves
    in amortised ``O(1)`` / worst-case ``O(log n)`` node hashes and to compute
    the root in ``O(log n)``.

    The state (:attr:`size`, :attr:`nodes`) can be persisted next to a
    checkpoint and restored with :meth:`from_state`.

    >>> cr = CompactRange()
    >>> cr.root() == EMPTY_ROOT
    True
    >>> cr.append(leaf_hash(b"a")); cr.append(leaf_hash(b"b"))
    >>> cr.root() == root([b"a", b"b"])
    True
    """

    __slots__ = ("_nodes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._nodes: list[bytes] = []

    @classmethod
    def from_state(cls, size: int, nodes: Sequence[bytes]) -> CompactRange:
        """Restore a range from its :attr:`size` and :attr:`nodes`.

        Raises :class:`ValueError` if the number of nodes is not
        ``popcount(size)`` or a node is not a 32-byte hash.
        """
        size = _require_int(size, "size")
        if not 0 <= size <= MAX_TREE_SIZE:
            raise ValueError(f"size {size} out of range")
        _require_sequence(nodes, "nodes")
        checked = [_require_hash(h, f"node {i}") for i, h in enumerate(nodes)]
        if len(checked) != size.bit_count():
            raise ValueError(
                f"a range of size {size} has {size.bit_count()} nodes, got {len(checked)}"
            )
        cr = cls()
        cr._size = size
        cr._nodes = checked
        return cr

    @classmethod
    def from_leaf_hashes(cls, hashes: Iterable[bytes]) -> CompactRange:
        """Build a range by appending every leaf hash of ``hashes`` in order."""
        cr = cls()
        cr.extend(hashes)
        return cr

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def nodes(self) -> tuple[bytes, ...]:
        """Roots of the perfect subtrees covering the tree, largest (leftmost) first."""
        return tuple(self._nodes)

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"

    def copy(self) -> CompactRange:
        """Return an independent copy."""
        cr = CompactRange()
        cr._size = self._size
        cr._nodes = list(self._nodes)
        return cr

    def append(self, leaf_hash: bytes) -> None:
        """Append one leaf given by its 32-byte leaf hash (``O(log n)``)."""
        h = _require_hash(leaf_hash, "leaf hash")
        if self._size >= MAX_TREE_SIZE:
            raise ValueError("tree is full")
        nodes = self._nodes
        count = self._size
        while count & 1:
            h = _node(nodes.pop(), h)
            count >>= 1
        nodes.append(h)
        self._size += 1

    def append_data(self, data: bytes) -> None:
        """Append one leaf given by its raw entry data."""
        self.append(leaf_hash(data))

    def extend(self, hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        if isinstance(hashes, (str, *_BYTES_LIKE)):
            raise TypeError("extend() takes an iterable of leaf hashes, not a single value")
        for h in hashes:
            self.append(h)

    def root(self) -> bytes:
        """Return ``MTH`` of the leaves appended so far (``O(log n)``)."""
        nodes = self._nodes
        if not nodes:
            return EMPTY_ROOT
        h = nodes[-1]
        for left in reversed(nodes[:-1]):
            h = _node(left, h)
        return h
