"""``Fanfare.init`` and ``ConsumerApi`` refuse credentials that cannot identify a client, and a
secret key given as the publishable key, before any request (one check both derive from)."""

from __future__ import annotations

from typing import Any

import pytest

from fanfare_rx.client.fanfare import Fanfare
from fanfare_rx.client.session import SessionManager
from fanfare_rx.errors import ConfigError, ErrorCode
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire.client import ConsumerApi

SECRET = "sk_test_51Hx9SuperSecretValue"


@pytest.mark.parametrize("key", [SECRET, "sk_live_abc"])
async def test_a_secret_key_is_refused_at_init_and_never_sent(sandbox: Sandbox, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        await Fanfare.init(organization_id=sandbox.organization_id, publishable_key=key,
                           base_url=sandbox.base_url)
    error = caught.value
    assert error.code == ErrorCode.INVALID_CONFIG
    assert "secret key" in error.message and "pk_live_" in error.message
    assert key not in str(error) and key not in repr(error)
    # No request reached the server: its guest count is what it was.
    assert sandbox.world.accounts.consumers == {}


def test_the_api_client_applies_the_same_check() -> None:
    with pytest.raises(ConfigError) as caught:
        ConsumerApi("http://127.0.0.1:9", SECRET, organization_id="org",
                    sessions=SessionManager("org"))
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"organization_id": "org", "publishable_key": 42}, ErrorCode.INVALID_CONFIG),
    ({"organization_id": 42, "publishable_key": "pk_test_x"}, ErrorCode.INVALID_CONFIG),
    ({"organization_id": "", "publishable_key": "pk_test_x"},
     ErrorCode.MISSING_ORGANIZATION_ID),
    ({"organization_id": "org", "publishable_key": ""}, ErrorCode.MISSING_PUBLISHABLE_KEY),
])
async def test_credentials_of_the_wrong_kind_are_config_errors(kwargs: Any, code: str) -> None:
    with pytest.raises(ConfigError) as caught:
        await Fanfare.init(base_url="http://127.0.0.1:9", **kwargs)
    assert caught.value.code == code


async def test_a_publishable_key_still_works(sandbox: Sandbox) -> None:
    async with await Fanfare.init(organization_id=sandbox.organization_id,
                                  publishable_key=sandbox.publishable_key,
                                  base_url=sandbox.base_url) as fanfare:
        assert (await fanfare.sessions.ensure()).consumer_id


@pytest.mark.parametrize("storage", ["~/.fanfare", object()])
async def test_a_storage_that_is_no_session_storage_is_refused(storage: Any) -> None:
    with pytest.raises(ConfigError, match="SessionStorage"):
        await Fanfare.init(organization_id="org", publishable_key="pk_test_x",
                           base_url="http://127.0.0.1:9", storage=storage)


@pytest.mark.parametrize("base_url", [
    123, "ftp://127.0.0.1", "http://", "http://127.0.0.1:70000", "http://127.0.0.1:0",
    "http://127.0.0.1 :80", " http://127.0.0.1", "http://user:pass@127.0.0.1",
    "http://bücher.example/api", "http://127.0.0.1/a\nb",
])
async def test_a_bad_base_url_is_refused_at_init_with_nothing_sent(base_url: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        await Fanfare.init(organization_id="org", publishable_key="pk_test_x", base_url=base_url)
    assert caught.value.code == ErrorCode.INVALID_CONFIG
    assert "user:pass" not in str(caught.value)  # a password in the URL is never echoed
    with pytest.raises(ConfigError):
        ConsumerApi(base_url, "pk_test_x", organization_id="org", sessions=SessionManager("org"))


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080", "https://consumer.fanfare.io/api",
                                      "http://xn--bcher-kva.example/api", "http://[::1]:9/"])
def test_a_good_base_url_is_taken(base_url: str) -> None:
    api = ConsumerApi(base_url, "pk_test_x", organization_id="org", sessions=SessionManager("org"))
    assert api.base_url.startswith(base_url.rstrip("/")[:12])
