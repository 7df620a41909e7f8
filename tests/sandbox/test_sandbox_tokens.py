"""The token signer remembers tokens it verified: the memory never accepts what the signature
check would refuse, and callers cannot change what it remembers."""

from __future__ import annotations

from fanfare_rx.sandbox.auth import TokenSigner


def test_remembered_tokens_keep_their_kind_and_claims() -> None:
    signer = TokenSigner()
    token = signer.sign("acc", {"sid": "s1"})
    first = signer.verify(token, "acc")
    assert first == {"k": "acc", "sid": "s1"}
    first["sid"] = "someone-else"
    assert signer.verify(token, "acc") == {"k": "acc", "sid": "s1"}
    assert signer.verify(token, "ref") is None  # remembered, but of another kind


def test_forged_and_foreign_tokens_are_refused_even_after_a_good_one() -> None:
    signer, other = TokenSigner(), TokenSigner()
    good = signer.sign("acc", {"sid": "s1"})
    assert signer.verify(good, "acc") is not None
    prefix, body, mac = good.split(".")
    forged = ("B" if mac[0] == "A" else "A") + mac[1:]  # the first character is all MAC bits
    assert signer.verify(f"{prefix}.{body}.{forged}", "acc") is None
    assert signer.verify(other.sign("acc", {"sid": "s1"}), "acc") is None


def test_the_memory_is_bounded() -> None:
    signer = TokenSigner()
    signer.CACHE_SIZE = 4
    tokens = [signer.sign("acc", {"n": n}) for n in range(10)]
    for token in tokens:
        assert signer.verify(token, "acc") is not None
    assert len(signer._verified) <= 4
    assert all(signer.verify(token, "acc") is not None for token in tokens)
