"""Tests for :mod:`linli.ledger.merkle` (RFC 9162 section 2.1).

Pure unit tests: no Django, no database. They run both with
``python -m pytest linli/ledger/tests/test_merkle.py -p no:django`` and under
pytest-django.

The reference vectors below are the RFC 6962 test tree used by Certificate
Transparency implementations, copied (as data) from transparency-dev/merkle:
``testonly/constants.go`` (leaf inputs, node hashes, root hashes, compact
ranges) and ``proof/verify_test.go`` (inclusion and consistency proofs).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from linli.ledger import merkle
from linli.ledger.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    consistency_proof_from_hashes,
    inclusion_proof,
    inclusion_proof_from_hashes,
    leaf_hash,
    node_hash,
    root,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# No example database (keeps the working tree clean) and no deadline (CI
# machines are slow and hashing thousands of leaves is not instantaneous).
SETTINGS = settings(
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def h(hex_string: str) -> bytes:
    return bytes.fromhex(hex_string)


# ---------------------------------------------------------------------------
# Published RFC 6962 / Certificate Transparency test vectors
# ---------------------------------------------------------------------------

CT_LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]

# Indexed by tree size, 0..8.
CT_ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# Hashes of all perfect subtrees: CT_NODES[level][index].
CT_NODES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]

# Compact ranges (frontier) for sizes 0..8, as (level, index) into CT_NODES.
CT_COMPACT = [
    [],
    [(0, 0)],
    [(1, 0)],
    [(1, 0), (0, 2)],
    [(2, 0)],
    [(2, 0), (0, 4)],
    [(2, 0), (1, 2)],
    [(2, 0), (1, 2), (0, 6)],
    [(3, 0)],
]

# (index, size, proof); the Go source uses 1-based leaf numbers, converted here.
CT_INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        5,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        3,
        [
            h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        ],
    ),
    (
        1,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]

# (old_size, new_size, proof)
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


# ---------------------------------------------------------------------------
# A deliberately naive, recursive transcription of RFC 9162 section 2.1,
# used as an independent oracle for small trees.
# ---------------------------------------------------------------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: Sequence[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = _k(n)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def ref_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# Synthetic leaves for the larger tests.
MAX_LEAVES = 5000
DATA = [b"linli-leaf-%d" % i for i in range(MAX_LEAVES)]
HASHES = [leaf_hash(d) for d in DATA]


# ---------------------------------------------------------------------------
# Hashing and roots
# ---------------------------------------------------------------------------


def test_empty_root_is_sha256_of_empty_string() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]) == EMPTY_ROOT
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert CompactRange().root() == EMPTY_ROOT


def test_leaf_hash_of_empty_data() -> None:
    assert (
        leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_node_hash_uses_0x01_prefix() -> None:
    a, b = leaf_hash(CT_LEAVES[0]), leaf_hash(CT_LEAVES[1])
    assert node_hash(a, b) == CT_ROOTS[2]
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()


def test_hash_functions_accept_bytes_like_but_not_str() -> None:
    assert leaf_hash(bytearray(b"\x10")) == leaf_hash(memoryview(b"\x10")) == CT_NODES[0][2]
    with pytest.raises(TypeError):
        leaf_hash("abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        node_hash(b"\x00" * 31, EMPTY_ROOT)
    with pytest.raises(TypeError):
        node_hash(None, EMPTY_ROOT)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_published_roots(size: int) -> None:
    assert root(CT_LEAVES[:size]) == CT_ROOTS[size]
    assert root_from_leaf_hashes([leaf_hash(x) for x in CT_LEAVES[:size]]) == CT_ROOTS[size]


def test_published_perfect_subtree_hashes() -> None:
    hashes = [leaf_hash(x) for x in CT_LEAVES]
    for level, row in enumerate(CT_NODES):
        width = 1 << level
        for index, expected in enumerate(row):
            assert root_from_leaf_hashes(hashes[index * width : (index + 1) * width]) == expected


@pytest.mark.parametrize("size", range(len(CT_COMPACT)))
def test_published_compact_ranges(size: int) -> None:
    cr = CompactRange.from_leaf_hashes(leaf_hash(x) for x in CT_LEAVES[:size])
    assert cr.size == len(cr) == size
    assert list(cr.nodes) == [CT_NODES[lvl][i] for lvl, i in CT_COMPACT[size]]
    assert cr.root() == CT_ROOTS[size]


def test_root_from_leaf_hashes_accepts_memoryview_and_tuple() -> None:
    hashes = tuple(memoryview(x) for x in HASHES[:13])
    assert root_from_leaf_hashes(hashes) == root(DATA[:13])


@pytest.mark.parametrize("size", range(0, 130))
def test_root_matches_naive_rfc_definition(size: int) -> None:
    assert root(DATA[:size]) == ref_mth(DATA[:size])
    assert root_from_leaf_hashes(HASHES[:size]) == ref_mth(DATA[:size])


def test_generators_reject_malformed_input() -> None:
    with pytest.raises(ValueError):
        root_from_leaf_hashes([EMPTY_ROOT, b"\x00" * 31])
    with pytest.raises(TypeError):
        root_from_leaf_hashes([EMPTY_ROOT, "not a hash"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        root_from_leaf_hashes(EMPTY_ROOT)  # a single hash is not a sequence of hashes
    with pytest.raises(TypeError):
        root(b"abc")
    with pytest.raises(TypeError):
        root(["abc"])  # type: ignore[list-item]


# ---------------------------------------------------------------------------
# Published proofs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size", "proof"), CT_INCLUSION)
def test_published_inclusion_proofs(index: int, size: int, proof: list[bytes]) -> None:
    leaves = CT_LEAVES[:size]
    assert inclusion_proof(leaves, index) == proof
    hashes = [leaf_hash(x) for x in leaves]
    assert inclusion_proof_from_hashes(hashes, index) == proof
    assert verify_inclusion(hashes[index], index, size, proof, CT_ROOTS[size])


@pytest.mark.parametrize(("index", "size", "proof"), CT_INCLUSION)
def test_published_inclusion_proofs_corrupted(index: int, size: int, proof: list[bytes]) -> None:
    """The corruption probes of transparency-dev/merkle's verifierCheck."""
    leaf = leaf_hash(CT_LEAVES[index])
    good_root = CT_ROOTS[size]
    probes = [
        (index - 1, size, good_root, leaf, proof),
        (index + 1, size, good_root, leaf, proof),
        (index ^ 2, size, good_root, leaf, proof),
        (index, size * 2, good_root, leaf, proof),
        (index, size // 2, good_root, leaf, proof),
        (index, size, good_root, b"WrongLeaf", proof),
        (index, size, good_root, SOME_HASH, proof),
        (index, size, EMPTY_ROOT, leaf, proof),
        (index, size, SOME_HASH, leaf, proof),
        (index, size, good_root, leaf, [*proof, b""]),
        (index, size, good_root, leaf, [*proof, good_root]),
        (index, size, good_root, leaf, [b"", *proof]),
        (index, size, good_root, leaf, [good_root, *proof]),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 8]) + wrong[i][1:]
        probes.append((index, size, good_root, leaf, wrong))
    if proof:
        probes.append((index, size, good_root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append((index, size, good_root, leaf, [proof[0], SOME_HASH, *proof[1:]]))
    for p_index, p_size, p_root, p_leaf, p_proof in probes:
        assert not verify_inclusion(p_leaf, p_index, p_size, p_proof, p_root), (
            p_index,
            p_size,
        )


@pytest.mark.parametrize(("old", "new", "proof"), CT_CONSISTENCY)
def test_published_consistency_proofs(old: int, new: int, proof: list[bytes]) -> None:
    leaves = CT_LEAVES[:new]
    assert consistency_proof(leaves, old) == proof
    assert consistency_proof_from_hashes([leaf_hash(x) for x in leaves], old) == proof
    assert verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], proof)


@pytest.mark.parametrize(("old", "new", "proof"), [c for c in CT_CONSISTENCY if c[2]])
def test_published_consistency_proofs_corrupted(old: int, new: int, proof: list[bytes]) -> None:
    """The corruption probes of transparency-dev/merkle's verifierConsistencyCheck."""
    r1, r2 = CT_ROOTS[old], CT_ROOTS[new]
    probes = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof),
        (old, new, SOME_HASH, r2, proof),
        (old, new, r1, SOME_HASH, proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, b""]),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [*proof, r2]),
        (old, new, r1, r2, [b"", *proof]),
        (old, new, r1, r2, [r1, *proof]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
    ]
    for i in range(len(proof)):
        wrong = list(proof)
        wrong[i] = bytes([wrong[i][0] ^ 16]) + wrong[i][1:]
        probes.append((old, new, r1, r2, wrong))
    for p_old, p_new, p_r1, p_r2, p_proof in probes:
        assert not verify_consistency(p_old, p_new, p_r1, p_r2, p_proof), (p_old, p_new)


def test_single_entry_inclusion() -> None:
    lh = leaf_hash(b"data")
    assert verify_inclusion(lh, 0, 1, [], lh)
    assert not verify_inclusion(lh, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], lh)
    assert not verify_inclusion(b"", 0, 1, [], b"")
    assert not verify_inclusion(lh, 0, 1, [lh], lh)


# ---------------------------------------------------------------------------
# Consistency edge cases (documented choices)
# ---------------------------------------------------------------------------


def test_consistency_trivial_cases() -> None:
    r5 = root(DATA[:5])
    # Equal sizes: empty proof and equal roots.
    assert verify_consistency(5, 5, r5, r5, [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(5, 5, r5, SOME_HASH, [])
    assert not verify_consistency(5, 5, r5, r5, [r5])
    assert not verify_consistency(5, 5, r5, r5, [EMPTY_ROOT])
    # The empty tree is consistent with any tree, with an empty proof only,
    # and only if the claimed old root really is the empty root.
    assert verify_consistency(0, 5, EMPTY_ROOT, r5, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, r5, [EMPTY_ROOT])
    assert not verify_consistency(0, 5, SOME_HASH, r5, [])
    assert not verify_consistency(0, 0, SOME_HASH, SOME_HASH, [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, b"short", [])
    # Time travel.
    assert not verify_consistency(5, 4, r5, root(DATA[:4]), [])
    assert not verify_consistency(1, 0, leaf_hash(DATA[0]), EMPTY_ROOT, [])
    # A real proof is never empty.
    assert not verify_consistency(1, 2, leaf_hash(DATA[0]), root(DATA[:2]), [])


def test_generators_edge_cases() -> None:
    assert consistency_proof(DATA[:9], 0) == []
    assert consistency_proof(DATA[:9], 9) == []
    assert consistency_proof([], 0) == []
    with pytest.raises(ValueError):
        consistency_proof(DATA[:9], 10)
    with pytest.raises(ValueError):
        consistency_proof(DATA[:9], -1)
    with pytest.raises(TypeError):
        consistency_proof(DATA[:9], 1.0)  # type: ignore[arg-type]
    for bad in (-1, 9, 100):
        with pytest.raises(ValueError):
            inclusion_proof(DATA[:9], bad)
    with pytest.raises(ValueError):
        inclusion_proof([], 0)
    with pytest.raises(TypeError):
        inclusion_proof(DATA[:9], True)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        inclusion_proof_from_hashes(HASHES[:9], "1")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# Exhaustive round trips
# ---------------------------------------------------------------------------

ROUND_TRIP_MAX = 64
SMALL_ROOTS = [root_from_leaf_hashes(HASHES[:n]) for n in range(ROUND_TRIP_MAX + 2)]


@pytest.mark.parametrize("size", range(1, ROUND_TRIP_MAX + 1))
def test_inclusion_round_trip_all_indices(size: int) -> None:
    hashes = HASHES[:size]
    r = SMALL_ROOTS[size]
    for index in range(size):
        proof = inclusion_proof_from_hashes(hashes, index)
        assert proof == ref_path(index, DATA[:size])
        assert proof == inclusion_proof(DATA[:size], index)
        assert len(proof) <= (size - 1).bit_length()
        assert verify_inclusion(hashes[index], index, size, proof, r)
        assert verify_inclusion(bytearray(hashes[index]), index, size, tuple(proof), r)
        # Wrong leaf, wrong index, wrong root.
        other = HASHES[size]  # not in this tree
        assert not verify_inclusion(other, index, size, proof, r)
        for wrong_index in (index - 1, index + 1, index ^ 1, index ^ 2):
            if wrong_index != index:
                assert not verify_inclusion(hashes[index], wrong_index, size, proof, r)
        assert not verify_inclusion(hashes[index], index, size, proof, SMALL_ROOTS[size + 1])
        # The size is bound to the root by the signed checkpoint, not by the
        # proof: e.g. PATH(0, D[3]) also "verifies" for size 4 against the
        # size-3 root, as RFC 9162 allows. What must never happen is a proof
        # verifying against the genuine root of another size.
        for wrong_size in (size - 1, size + 1, size * 2):
            if 0 < wrong_size <= ROUND_TRIP_MAX + 1:
                wrong_root = SMALL_ROOTS[wrong_size]
                assert not verify_inclusion(hashes[index], index, wrong_size, proof, wrong_root)


@pytest.mark.parametrize("new", range(1, ROUND_TRIP_MAX + 1))
def test_consistency_round_trip_all_old_sizes(new: int) -> None:
    hashes = HASHES[:new]
    r_new = SMALL_ROOTS[new]
    for old in range(new + 1):
        proof = consistency_proof_from_hashes(hashes, old)
        if 0 < old < new:
            assert proof == ref_proof(old, DATA[:new])
            assert proof
        else:
            assert proof == []
        assert proof == consistency_proof(DATA[:new], old)
        r_old = SMALL_ROOTS[old]
        assert verify_consistency(old, new, r_old, r_new, proof)
        assert verify_consistency(old, new, memoryview(r_old), bytearray(r_new), tuple(proof))
        if 0 < old < new:
            assert not verify_consistency(old, new, SMALL_ROOTS[old - 1], r_new, proof)
            assert not verify_consistency(old, new, r_old, SMALL_ROOTS[new + 1], proof)
            assert not verify_consistency(old, new, r_new, r_old, proof)
            # As for inclusion, sizes are bound to roots by the checkpoints;
            # a proof must not verify against the genuine roots of other sizes.
            for wrong_old in (old - 1, old + 1):
                r_wrong = SMALL_ROOTS[wrong_old]
                assert not verify_consistency(wrong_old, new, r_wrong, r_new, proof)
            for wrong_new in (new - 1, new + 1):
                if wrong_new != old:
                    r_wrong = SMALL_ROOTS[wrong_new]
                    assert not verify_consistency(old, wrong_new, r_old, r_wrong, proof)


def test_large_tree_is_iterative_and_consistent() -> None:
    """2**17 + 3 leaves: far beyond the default recursion limit if recursive."""
    n = 2**17 + 3
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    r = root_from_leaf_hashes(hashes)
    assert CompactRange.from_leaf_hashes(hashes).root() == r
    for index in (0, 1, 2**16, 2**17 - 1, 2**17, n - 1):
        proof = inclusion_proof_from_hashes(hashes, index)
        assert verify_inclusion(hashes[index], index, n, proof, r)
    for old in (1, 2**17, 2**17 + 1, 99_999):
        proof = consistency_proof_from_hashes(hashes, old)
        assert verify_consistency(old, n, root_from_leaf_hashes(hashes[:old]), r, proof)


def test_proofs_do_not_rehash_subtrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """Root and proofs over n leaves cost at most n - 1 node hashes."""
    calls = 0
    real = merkle._node

    def counting(left: bytes, right: bytes) -> bytes:
        nonlocal calls
        calls += 1
        return real(left, right)

    monkeypatch.setattr(merkle, "_node", counting)
    n = 1000
    hashes = HASHES[:n]
    root_from_leaf_hashes(hashes)
    assert calls == n - 1
    for index in (0, 500, 999):
        calls = 0
        inclusion_proof_from_hashes(hashes, index)
        assert calls < n
    for old in (1, 511, 512, 513, 999):
        calls = 0
        consistency_proof_from_hashes(hashes, old)
        assert calls < n


# ---------------------------------------------------------------------------
# Property tests: any tampering with a valid proof is rejected
# ---------------------------------------------------------------------------

PROP_MAX = 300


def _flip(proof: list[bytes], element: int, bit: int) -> list[bytes]:
    out = list(proof)
    b = bytearray(out[element])
    b[bit // 8] ^= 1 << (bit % 8)
    out[element] = bytes(b)
    return out


@st.composite
def inclusion_cases(draw: st.DrawFn) -> tuple[int, int, list[bytes]]:
    size = draw(st.integers(min_value=2, max_value=PROP_MAX))
    index = draw(st.integers(min_value=0, max_value=size - 1))
    return index, size, inclusion_proof_from_hashes(HASHES[:size], index)


@st.composite
def consistency_cases(draw: st.DrawFn) -> tuple[int, int, list[bytes]]:
    new = draw(st.integers(min_value=2, max_value=PROP_MAX))
    old = draw(st.integers(min_value=1, max_value=new - 1))
    return old, new, consistency_proof_from_hashes(HASHES[:new], old)


def _tamper(draw: st.DrawFn, proof: list[bytes]) -> list[bytes]:
    """Return a proof that differs from ``proof`` by one kind of tampering."""
    kinds = ["extend"]
    if proof:
        kinds += ["flip", "truncate", "drop_front", "drop_any", "insert"]
    if len(set(proof)) > 1:
        kinds.append("reorder")
    kind = draw(st.sampled_from(kinds))
    if kind == "flip":
        element = draw(st.integers(0, len(proof) - 1))
        return _flip(proof, element, draw(st.integers(0, 255)))
    if kind == "truncate":
        return proof[: draw(st.integers(0, len(proof) - 1))]
    if kind == "drop_front":
        return proof[draw(st.integers(1, len(proof))) :]
    if kind == "drop_any":
        i = draw(st.integers(0, len(proof) - 1))
        return proof[:i] + proof[i + 1 :]
    if kind == "insert":
        i = draw(st.integers(0, len(proof)))
        extra = draw(st.sampled_from([*proof, SOME_HASH, EMPTY_ROOT]))
        return proof[:i] + [extra] + proof[i:]
    if kind == "reorder":
        shuffled = draw(st.permutations(proof))
        assume(shuffled != proof)
        return list(shuffled)
    extra = draw(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=3))
    return proof + extra


@SETTINGS
@given(case=inclusion_cases(), data=st.data())
def test_tampered_inclusion_proof_is_rejected(
    case: tuple[int, int, list[bytes]], data: st.DataObject
) -> None:
    index, size, proof = case
    r = root_from_leaf_hashes(HASHES[:size])
    assert verify_inclusion(HASHES[index], index, size, proof, r)
    tampered = _tamper(data.draw, proof)
    assert tampered != proof
    assert not verify_inclusion(HASHES[index], index, size, tampered, r)


@SETTINGS
@given(case=consistency_cases(), data=st.data())
def test_tampered_consistency_proof_is_rejected(
    case: tuple[int, int, list[bytes]], data: st.DataObject
) -> None:
    old, new, proof = case
    r_old = root_from_leaf_hashes(HASHES[:old])
    r_new = root_from_leaf_hashes(HASHES[:new])
    assert verify_consistency(old, new, r_old, r_new, proof)
    tampered = _tamper(data.draw, proof)
    assert tampered != proof
    assert not verify_consistency(old, new, r_old, r_new, tampered)


@SETTINGS
@given(case=inclusion_cases(), bit=st.integers(0, 255), which=st.sampled_from(["leaf", "root"]))
def test_flipped_leaf_or_root_is_rejected(
    case: tuple[int, int, list[bytes]], bit: int, which: str
) -> None:
    index, size, proof = case
    leaf, r = HASHES[index], root_from_leaf_hashes(HASHES[:size])
    if which == "leaf":
        leaf = _flip([leaf], 0, bit)[0]
    else:
        r = _flip([r], 0, bit)[0]
    assert not verify_inclusion(leaf, index, size, proof, r)


# ---------------------------------------------------------------------------
# Malformed input never raises
# ---------------------------------------------------------------------------

GOOD_N = 11
GOOD_INDEX = 6
GOOD_ROOT = root_from_leaf_hashes(HASHES[:GOOD_N])
GOOD_PROOF = inclusion_proof_from_hashes(HASHES[:GOOD_N], GOOD_INDEX)
GOOD_OLD = 5
GOOD_OLD_ROOT = root_from_leaf_hashes(HASHES[:GOOD_OLD])
GOOD_CPROOF = consistency_proof_from_hashes(HASHES[:GOOD_N], GOOD_OLD)


def _stable_id(value: object) -> str:
    """repr() where it does not hold an address, so that every test process names the case alike."""
    shown = repr(value)
    return type(value).__name__ if " at 0x" in shown else shown


class Explosive:
    """An object that raises on every operation a verifier might try."""

    def __len__(self) -> int:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[bytes]:
        raise RuntimeError("boom")

    def __index__(self) -> int:
        raise RuntimeError("boom")

    def __bytes__(self) -> bytes:
        raise RuntimeError("boom")


class ExplosiveList(list):
    def __len__(self) -> int:
        raise RuntimeError("boom")


BAD_HASHES = [
    None,
    "",
    GOOD_ROOT.hex(),
    GOOD_ROOT[:31],
    GOOD_ROOT + b"\x00",
    b"",
    1,
    1.5,
    [GOOD_ROOT],
    object(),
    Explosive(),
]
BAD_SIZES = [None, -1, -(2**70), 2**64, 2**80, 1.0, "11", b"\x0b", True, False, [11], Explosive()]
BAD_PROOFS = [
    None,
    "",
    "abc",
    b"",
    GOOD_ROOT,
    bytearray(GOOD_ROOT),
    memoryview(GOOD_ROOT),
    1,
    {GOOD_ROOT},
    {0: GOOD_ROOT},
    iter([GOOD_ROOT]),
    [None],
    [GOOD_ROOT.hex()],
    [GOOD_ROOT[:31]],
    [b"\x00" * 33],
    [1, 2, 3],
    [GOOD_ROOT] * 10_000,
    Explosive(),
    ExplosiveList([GOOD_ROOT]),
]


def test_baseline_is_valid() -> None:
    assert verify_inclusion(HASHES[GOOD_INDEX], GOOD_INDEX, GOOD_N, GOOD_PROOF, GOOD_ROOT)
    assert verify_consistency(GOOD_OLD, GOOD_N, GOOD_OLD_ROOT, GOOD_ROOT, GOOD_CPROOF)


@pytest.mark.parametrize("bad", BAD_HASHES, ids=_stable_id)
def test_verify_inclusion_bad_hashes(bad: object) -> None:
    assert verify_inclusion(bad, GOOD_INDEX, GOOD_N, GOOD_PROOF, GOOD_ROOT) is False  # type: ignore[arg-type]
    assert verify_inclusion(HASHES[GOOD_INDEX], GOOD_INDEX, GOOD_N, GOOD_PROOF, bad) is False  # type: ignore[arg-type]
    for i in range(len(GOOD_PROOF)):
        proof = list(GOOD_PROOF)
        proof[i] = bad  # type: ignore[call-overload]
        assert verify_inclusion(HASHES[GOOD_INDEX], GOOD_INDEX, GOOD_N, proof, GOOD_ROOT) is False


@pytest.mark.parametrize("bad", BAD_SIZES, ids=_stable_id)
def test_verify_inclusion_bad_sizes(bad: object) -> None:
    leaf = HASHES[GOOD_INDEX]
    assert verify_inclusion(leaf, bad, GOOD_N, GOOD_PROOF, GOOD_ROOT) is False  # type: ignore[arg-type]
    assert verify_inclusion(leaf, GOOD_INDEX, bad, GOOD_PROOF, GOOD_ROOT) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", BAD_PROOFS, ids=lambda v: type(v).__name__)
def test_verify_inclusion_bad_proofs(bad: object) -> None:
    leaf = HASHES[GOOD_INDEX]
    assert verify_inclusion(leaf, GOOD_INDEX, GOOD_N, bad, GOOD_ROOT) is False  # type: ignore[arg-type]


def test_verify_inclusion_index_out_of_range() -> None:
    leaf = HASHES[GOOD_INDEX]
    assert verify_inclusion(leaf, GOOD_N, GOOD_N, GOOD_PROOF, GOOD_ROOT) is False
    assert verify_inclusion(leaf, GOOD_N + 5, GOOD_N, GOOD_PROOF, GOOD_ROOT) is False
    assert verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT) is False
    assert verify_inclusion(leaf, -1, GOOD_N, GOOD_PROOF, GOOD_ROOT) is False


@pytest.mark.parametrize("bad", BAD_HASHES, ids=_stable_id)
def test_verify_consistency_bad_hashes(bad: object) -> None:
    args = (GOOD_OLD, GOOD_N, GOOD_OLD_ROOT, GOOD_ROOT, GOOD_CPROOF)
    assert verify_consistency(args[0], args[1], bad, args[3], args[4]) is False  # type: ignore[arg-type]
    assert verify_consistency(args[0], args[1], args[2], bad, args[4]) is False  # type: ignore[arg-type]
    assert verify_consistency(0, GOOD_N, EMPTY_ROOT, bad, []) is False  # type: ignore[arg-type]
    assert verify_consistency(GOOD_N, GOOD_N, bad, bad, []) is False  # type: ignore[arg-type]
    for i in range(len(GOOD_CPROOF)):
        proof = list(GOOD_CPROOF)
        proof[i] = bad  # type: ignore[call-overload]
        assert verify_consistency(args[0], args[1], args[2], args[3], proof) is False


@pytest.mark.parametrize("bad", BAD_SIZES, ids=_stable_id)
def test_verify_consistency_bad_sizes(bad: object) -> None:
    assert verify_consistency(bad, GOOD_N, GOOD_OLD_ROOT, GOOD_ROOT, GOOD_CPROOF) is False  # type: ignore[arg-type]
    assert verify_consistency(GOOD_OLD, bad, GOOD_OLD_ROOT, GOOD_ROOT, GOOD_CPROOF) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", BAD_PROOFS, ids=lambda v: type(v).__name__)
def test_verify_consistency_bad_proofs(bad: object) -> None:
    assert verify_consistency(GOOD_OLD, GOOD_N, GOOD_OLD_ROOT, GOOD_ROOT, bad) is False  # type: ignore[arg-type]
    assert verify_consistency(GOOD_N, GOOD_N, GOOD_ROOT, GOOD_ROOT, bad) is False  # type: ignore[arg-type]
    assert verify_consistency(0, GOOD_N, EMPTY_ROOT, GOOD_ROOT, bad) is False  # type: ignore[arg-type]


_anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.binary(min_size=32, max_size=32),
    st.lists(st.binary(min_size=30, max_size=34), max_size=5),
    st.lists(st.one_of(st.none(), st.integers(), st.text(), st.binary()), max_size=5),
    st.dictionaries(st.integers(), st.binary(), max_size=3),
)


@SETTINGS
@given(a=_anything, b=_anything, c=_anything, d=_anything, e=_anything)
def test_verifiers_never_raise(a: object, b: object, c: object, d: object, e: object) -> None:
    assert isinstance(verify_inclusion(a, b, c, d, e), bool)  # type: ignore[arg-type]
    assert isinstance(verify_consistency(a, b, c, d, e), bool)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# CompactRange
# ---------------------------------------------------------------------------


def test_compact_range_matches_root_for_every_small_size() -> None:
    cr = CompactRange()
    assert cr.size == 0 and cr.nodes == ()
    for n in range(1, 300):
        cr.append(HASHES[n - 1])
        assert cr.size == n
        assert len(cr.nodes) == n.bit_count()
        assert cr.root() == root_from_leaf_hashes(HASHES[:n])


def test_compact_range_matches_root_for_random_sizes_up_to_5000() -> None:
    rng = random.Random(9162)
    checkpoints = set(rng.sample(range(1, MAX_LEAVES + 1), 40)) | {
        1023,
        1024,
        1025,
        4095,
        4096,
        MAX_LEAVES,
    }
    cr = CompactRange()
    for n in range(1, MAX_LEAVES + 1):
        cr.append(HASHES[n - 1])
        if n in checkpoints:
            assert cr.root() == root_from_leaf_hashes(HASHES[:n]), n


@settings(database=None, deadline=None, max_examples=30)
@given(
    size=st.integers(min_value=0, max_value=MAX_LEAVES),
    split=st.integers(min_value=0, max_value=MAX_LEAVES),
)
def test_compact_range_state_round_trip(size: int, split: int) -> None:
    split = min(split, size)
    first = CompactRange.from_leaf_hashes(HASHES[:split])
    restored = CompactRange.from_state(first.size, first.nodes)
    copy = restored.copy()
    restored.extend(HASHES[split:size])
    assert restored.size == size
    assert restored.root() == root_from_leaf_hashes(HASHES[:size])
    # The copy is independent of the original.
    assert copy.size == split
    assert copy.root() == root_from_leaf_hashes(HASHES[:split])


def test_compact_range_append_data_and_validation() -> None:
    cr = CompactRange()
    for d in CT_LEAVES:
        cr.append_data(d)
    assert cr.root() == CT_ROOTS[8]
    assert "size=8" in repr(cr)
    with pytest.raises(ValueError):
        cr.append(b"\x00" * 31)
    with pytest.raises(TypeError):
        cr.append("00" * 32)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cr.extend(EMPTY_ROOT)
    assert cr.size == 8  # failed appends change nothing
    with pytest.raises(ValueError):
        CompactRange.from_state(3, [EMPTY_ROOT])
    with pytest.raises(ValueError):
        CompactRange.from_state(-1, [])
    with pytest.raises(ValueError):
        CompactRange.from_state(1, [b"short"])
    with pytest.raises(TypeError):
        CompactRange.from_state(True, [EMPTY_ROOT])  # type: ignore[arg-type]
