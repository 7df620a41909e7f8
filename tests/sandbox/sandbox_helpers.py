"""Helpers of the sandbox tests: a small JSON client over loopback HTTP and a one-experience
scenario builder."""

from __future__ import annotations

from typing import Any

import aiohttp

from fanfare_rx.sandbox import Sandbox, Scenario
from fanfare_rx.sandbox.scenario import parse_scenario


class Reply:
    def __init__(self, status: int, body: Any, headers: Any) -> None:
        self.status, self.body, self.headers = status, body, headers

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.body!r})"


class Api:
    """JSON calls against a running sandbox."""

    def __init__(self, session: aiohttp.ClientSession, sandbox: Sandbox) -> None:
        self.session, self.sandbox = session, sandbox

    async def call(self, method: str, path: str, *, token: str | None = None, json: Any = None,
                   data: bytes | str | None = None, pk: str | None = "default",
                   headers: dict[str, str] | None = None) -> Reply:
        sent = dict(headers or {})
        if pk == "default":
            sent["X-Publishable-Key"] = self.sandbox.publishable_key
        elif pk is not None:
            sent["X-Publishable-Key"] = pk
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        async with self.session.request(method, self.sandbox.base_url + path, json=json,
                                        data=data, headers=sent) as response:
            raw = await response.read()
            try:
                import json as _json

                body = _json.loads(raw) if raw else None
            except ValueError:
                body = raw
            return Reply(response.status, body, response.headers)

    async def guest(self) -> str:
        reply = await self.call("POST", "/auth/guest")
        assert reply.status == 200, reply
        return str(reply.body["accessToken"])

    async def signed_in(self, email: str = "fan@example.com", token: str | None = None) -> str:
        reply = await self.call("POST", "/auth/otp/verify", token=token,
                                json={"code": self.sandbox.otp_code, "email": email})
        assert reply.status == 200, reply
        return str(reply.body["accessToken"])

    async def secret(self, method: str, path: str, json: Any = None) -> Reply:
        return await self.call(method, path, json=json, pk=None,
                               headers={"Authorization": f"Bearer {self.sandbox.secret_key}"})

    async def experience(self, label: str) -> dict[str, Any]:
        reply = await self.call("GET", f"/experiences/{self.sandbox.experiences[label]}")
        assert reply.status == 200, reply
        return dict(reply.body)

    async def distribution(self, label: str, kind: str) -> str:
        experience = await self.experience(label)
        return str(experience["sequences"][0][kind][0]["id"])


def scenario_with(distribution: dict[str, Any], **sequence: Any) -> Scenario:
    """A one-experience scenario (label "x") around one distribution."""
    seq = {"id": "seq-x", "name": "X", "priority": 1, "distribution": distribution, **sequence}
    return parse_scenario({"experiences": [{"id": "exp-x", "label": "x", "name": "X",
                                            "sequences": [seq]}]})
