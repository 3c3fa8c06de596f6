from __future__ import annotations

import hashlib
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from linli.ledger import merkle
from linli.ledger.tree import LevelTree


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(n)]


def test_same_roots_and_proofs_as_the_reference_for_small_trees():
    hashes = leaves(70)
    tree = LevelTree(hashes)
    for size in range(0, 71):
        assert tree.root(size) == merkle.root_from_leaf_hashes(hashes[:size])
        for index in range(size):
            assert tree.inclusion_proof(index, size) == merkle.inclusion_proof_from_hashes(hashes[:size], index)
        for old in range(0, size + 1):
            assert tree.consistency_proof(old, size) == merkle.consistency_proof_from_hashes(hashes[:size], old)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.data())
def test_random_sizes_match_and_verify(size, data):
    hashes = leaves(size)
    tree = LevelTree(hashes)
    root = tree.root()
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = tree.inclusion_proof(index)
    assert proof == merkle.inclusion_proof_from_hashes(hashes, index)
    assert merkle.verify_inclusion(hashes[index], index, size, proof, root)
    old = data.draw(st.integers(min_value=1, max_value=size))
    cproof = tree.consistency_proof(old)
    assert merkle.verify_consistency(old, size, tree.root(old), root, cproof)


def test_appending_keeps_earlier_roots():
    tree, hashes = LevelTree(), leaves(513)
    roots = []
    for leaf in hashes:
        tree.append(leaf)
        roots.append(tree.root())
    rng = random.Random(1)
    for size in rng.sample(range(1, 514), 40):
        assert tree.root(size) == roots[size - 1]
