from __future__ import annotations

from monolith.wildrydes.tokens import derive_token, hash_token


def test_token_is_hmac_sha256_of_the_username_keyed_by_the_secret() -> None:
    # RFC 4231, test case 2: pins the contract shared with the harness and the load tests.
    assert derive_token("Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_tokens_differ_per_rider_and_per_secret() -> None:
    assert derive_token("s", "demo") != derive_token("s", "rider-00001")
    assert derive_token("s", "demo") != derive_token("t", "demo")


def test_stored_hash_is_sha256_hex() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
