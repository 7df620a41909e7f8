"""One resource per mechanism on the API client (``api.queues.enter(id)``), read from the
mechanism's declaration, over loopback HTTP against the sandbox."""

from __future__ import annotations

import inspect
from typing import Any, Generic

import pytest
from client_helpers import distribution_id

from fanfare_rx.errors import UsageError
from fanfare_rx.models import wire
from fanfare_rx.sandbox import Sandbox
from fanfare_rx.wire import codec
from fanfare_rx.wire.appointments import AppointmentCalls
from fanfare_rx.wire.client import ConsumerApi
from fanfare_rx.wire.distributions import DistributionCalls
from fanfare_rx.wire.experiences import ExperienceCalls
from fanfare_rx.wire.pool import ClosesOnExit
from fanfare_rx.wire.requester import Requester, segment


async def test_a_queue_entered_and_left_through_its_resource(
        api: ConsumerApi, sandbox: Sandbox) -> None:
    experience = await api.get_experience(sandbox.experiences["queue"])
    queue_id = distribution_id(experience, "queues")
    entered = await api.queues.enter(queue_id)
    assert isinstance(entered, wire.QueueQueued) and entered.position is not None
    assert isinstance(await api.queues.status(queue_id), wire.QueueQueued)
    assert (await api.resource("queue").status(queue_id)) == await api.queue_status(queue_id)
    assert isinstance(await api.queues.leave(queue_id), wire.QueueLeft)


async def test_a_call_the_mechanism_does_not_declare_is_a_usage_error(api: ConsumerApi) -> None:
    with pytest.raises(UsageError, match="auction has no leave"):
        await api.auctions.leave("a-1")  # no leave endpoint in any API generation
    with pytest.raises(UsageError, match="no mechanism 'raffle' is registered"):
        api.resource("raffle")


@pytest.mark.parametrize(("attribute", "kind"), [
    ("queues", "queue"), ("draws", "draw"), ("auctions", "auction"),
    ("timed_releases", "timed_release"), ("appointments", "appointment"),
])
def test_each_mechanism_attribute_is_the_resource_of_its_kind(
        api: ConsumerApi, attribute: str, kind: str) -> None:
    """``api.draws`` is ``api.resource("draw")`` (one long-lived object), documented with a
    usage line and read-only."""
    assert getattr(api, attribute) is api.resource(kind) is getattr(api, attribute)
    assert getattr(api, attribute).spec.kind == kind
    doc = inspect.getdoc(getattr(ConsumerApi, attribute))
    assert doc is not None and doc.startswith(f"Usage: ``await api.{attribute}.")
    with pytest.raises(AttributeError, match=f"the {kind} resource of a client"):
        setattr(api, attribute, None)


#: The client's parts that hold its endpoint methods, by attribute.
PARTS = {"experience_calls": ExperienceCalls, "distribution_calls": DistributionCalls,
         "appointment_calls": AppointmentCalls}


def test_the_client_s_endpoint_methods_are_its_resources_methods(api: ConsumerApi) -> None:
    # Composed, not mixed in: the one base is the async-with exit shared with the pool.
    assert ConsumerApi.__bases__ == (ClosesOnExit, Generic)
    for attribute, part in PARTS.items():
        names = [name for name, value in vars(part).items()
                 if not name.startswith("_") and inspect.iscoroutinefunction(value)]
        assert names, part
        for name in names:
            # One declaration: the part's function, signature and docstring, bound to the part;
            # on the class, a function of the client (as a mechanism's resource calls it).
            on_class = getattr(ConsumerApi, name)
            assert on_class.__wrapped__ is getattr(part, name), name
            assert inspect.signature(on_class) == inspect.signature(getattr(part, name))
            bound = getattr(api, name)
            # bound to a part made for this use over the client's requester, kept by no one
            owner: Any = bound.__self__
            assert owner._requester is api.requester and type(owner) is part
            assert getattr(api, attribute) is not getattr(api, attribute)
            assert inspect.signature(bound) == inspect.signature(getattr(getattr(api, attribute),
                                                                         name))
            assert bound.__doc__ and "Usage:" in bound.__doc__, name


async def test_an_endpoint_the_client_has_no_method_for_goes_through_its_requester(
        api: ConsumerApi, sandbox: Sandbox) -> None:
    path = f"/experiences/{segment(sandbox.experiences['queue'])}"
    experience = await api.requester.call("GET", path, wire.Experience, auth="none")
    assert experience == await api.get_experience(sandbox.experiences["queue"])
    assert api.sessions.session is None  # no credential asked for: no session made
    me = await api.requester.call("GET", "/consumers/me", wire.ConsumerMe)
    assert api.sessions.session is not None  # a consumer endpoint: a guest made on demand
    assert me == await api.get_me()
    assert codec.decode(await api.requester.raw("GET", "/consumers/me"), wire.ConsumerMe) == me


async def test_a_status_call_is_one_coroutine_over_the_transport_s(
        api: ConsumerApi, sandbox: Sandbox) -> None:
    """A poll's await chain is the requester's one exchange over the transport's request: no
    coroutine of the resource, of ``call`` or of ``raw`` between (each would be one more object
    per request in flight, resumed on every step of it)."""
    queue_id = distribution_id(await api.get_experience(sandbox.experiences["queue"]), "queues")
    await api.enter_queue(queue_id)
    for pending in (api.queue_status(queue_id), api.requester.raw("GET", "/consumers/me"),
                    api.requester.call("GET", "/consumers/me", wire.ConsumerMe)):
        assert inspect.iscoroutine(pending)
        assert pending.cr_code is Requester._exchange.__code__
        await pending
