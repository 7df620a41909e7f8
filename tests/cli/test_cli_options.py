"""Every option of every ``fanfare-rx`` command, in one table: a good value parses, a bad one
exits 2 with one ``error:`` line naming that option; the commands speak one dialect."""

from __future__ import annotations

import argparse

import pytest

from fanfare_rx.cli.commands import build_parser, main
from fanfare_rx.cli.options import SERVER_OPTIONS

SERVER = ["--base-url", "http://127.0.0.1:1/api", "--organization-id", "org",
          "--publishable-key", "pk_test_x", "--experience-id", "exp_1"]

#: The arguments each command needs before the option under test.
BASE: dict[str, list[str]] = {
    "sandbox": ["sandbox"],
    "sandbox reset": ["sandbox", "reset"],
    "sandbox status": ["sandbox", "status"],
    "demo": ["demo"],
    "watch": ["watch", *SERVER],
    "swarm": ["swarm"],
    "conformance": ["conformance", "--sandbox"],
    "replay": ["replay", "journey.jsonl"],
}

#: What ``conformance`` needs when a server option is under test (instead of --sandbox).
CONFORMANCE_SERVER = ["conformance", "--base-url", "http://127.0.0.1:1/api",
                      "--publishable-key", "pk_test_x"]

#: (command, option, a good value or None for a flag, a bad value or None when every value is
#: good, the parsed attribute and value of the good one).
OPTIONS: list[tuple[str, str, str | None, str | None, str, object]] = [
    ("sandbox", "--host", "0.0.0.0", None, "host", "0.0.0.0"),
    ("sandbox", "--port", "0", "65536", "port", 0),
    ("sandbox", "--scenario", "s.json", None, "scenario", "s.json"),
    ("sandbox", "--speed", "60", "0", "speed", 60.0),
    ("sandbox", "--clock", "manual", "fast", "clock", "manual"),
    ("sandbox", "--seed", "7", "seven", "seed", 7),
    ("sandbox", "--max-connections", "10", "0", "max_connections", 10),
    ("sandbox", "--idle-timeout", "5", "-1", "idle_timeout", 5.0),
    ("sandbox reset", "--url", "http://127.0.0.1:1", None, "url", "http://127.0.0.1:1"),
    ("sandbox reset", "--secret-key", "sk_x", None, "secret_key", "sk_x"),
    ("sandbox reset", "--seed", "7", "x", "reset_seed", 7),
    ("sandbox status", "--url", "http://127.0.0.1:1", None, "url", "http://127.0.0.1:1"),
    ("sandbox status", "--secret-key", "sk_x", None, "secret_key", "sk_x"),
    ("demo", "--experience", "appointment", "nope", "experience", "appointment"),
    ("demo", "--speed", "5", "0", "speed", 5.0),
    ("demo", "--seed", "1", "one", "seed", 1),
    ("demo", "--timeout", "30", "nan", "timeout", 30.0),
    ("demo", "--poll-ms", "250", "-5", "poll_ms", 250),
    ("watch", "--base-url", "http://h/api", "", "base_url", "http://h/api"),
    ("watch", "--organization-id", "o2", "", "organization_id", "o2"),
    ("watch", "--publishable-key", "pk2", "", "publishable_key", "pk2"),
    ("watch", "--experience-id", "exp_2", "", "experience_id", "exp_2"),
    ("watch", "--access-code", "VIP", None, "access_code", "VIP"),
    ("watch", "--email", "a@example.com", None, "email", "a@example.com"),
    ("watch", "--otp", "424242", None, "otp", "424242"),
    ("watch", "--bot-check-token", "tok", None, "bot_check_token", "tok"),
    ("watch", "--poll-ms", "150", "0", "poll_ms", 150),
    ("watch", "--enter", None, None, "enter", True),
    ("watch", "--no-enter", None, None, "enter", False),
    ("watch", "--timeout", "10", "0", "timeout", 10.0),
    ("swarm", "--shoppers", "10", "0", "shoppers", 10),
    ("swarm", "--experience", "appointment", "nope", "experience", "appointment"),
    ("swarm", "--poll-ms", "200", "0", "poll_ms", 200),
    ("swarm", "--shopper-timeout", "60", "0", "shopper_timeout", 60.0),
    ("swarm", "--actors", "2", "0", "actors", 2),
    ("swarm", "--backend", "local", "gpu", "backend", "local"),
    ("swarm", "--address", "auto", None, "address", "auto"),
    ("swarm", "--num-cpus", "2", "0", "num_cpus", 2),
    ("swarm", "--concurrency", "50", "-1", "concurrency", 50),
    ("swarm", "--spawn-rate", "100", "0", "spawn_rate", 100.0),
    ("swarm", "--progress", "0.5", "0", "progress", 0.5),
    ("swarm", "--speed", "20", "0", "speed", 20.0),
    ("swarm", "--admit-rate", "600", "inf", "admit_rate", 600.0),
    # With --base-url the other three are required; the check names the missing ones.
    ("swarm", "--base-url", "http://h/api", None, "base_url", "http://h/api"),
    ("swarm", "--organization-id", "o", None, "organization_id", "o"),
    ("swarm", "--publishable-key", "pk", None, "publishable_key", "pk"),
    ("swarm", "--experience-id", "e", None, "experience_id", "e"),
    ("conformance", "--base-url", "http://h/api", None, "base_url", "http://h/api"),
    ("conformance", "--publishable-key", "pk2", None, "publishable_key", "pk2"),
    ("conformance", "--experience-id", "e", None, "experience_ids", ["e"]),
    ("conformance", "--organization-id", "org_1", None, "organization_id", "org_1"),
    ("conformance", "--sandbox", None, None, "sandbox", True),
    ("conformance", "--enter", None, None, "enter", True),
    ("conformance", "--email", "a@example.com", None, "email", "a@example.com"),
    ("conformance", "--otp", "424242", None, "otp", "424242"),
    ("conformance", "--timeout", "3", "0", "timeout", 3.0),
    ("conformance", "--json", None, None, "json", True),
    ("replay", "--as-test", "test_bug.py", None, "as_test", "test_bug.py"),
]


def _parsers() -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        if name:
            found[name] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, subparser in action.choices.items():
                    walk(subparser, f"{name} {sub}".strip())

    walk(build_parser(), "")
    return found


def _visible_options(parser: argparse.ArgumentParser) -> dict[str, str]:
    """Visible option string -> dest, without --help and subcommands."""
    return {flag: action.dest for action in parser._actions
            if action.help is not argparse.SUPPRESS and action.option_strings
            and not isinstance(action, argparse._HelpAction) for flag in action.option_strings}


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "error:" in line]


def test_the_table_lists_every_option_of_every_command() -> None:
    declared = {(command, option) for command, option, *_ in OPTIONS}
    actual = {(command, flag) for command, parser in _parsers().items()
              for flag in _visible_options(parser)}
    assert declared == actual


@pytest.mark.parametrize(("command", "option", "good", "attribute", "expected"),
                         [(c, o, g, a, e) for c, o, g, _, a, e in OPTIONS],
                         ids=[f"{c}{o}" for c, o, *_ in OPTIONS])
def test_a_good_value_parses(command: str, option: str, good: str | None, attribute: str,
                             expected: object) -> None:
    extra = [option] if good is None else [option, good]
    if command == "swarm" and option in {flag for flag, _, _ in SERVER_OPTIONS}:
        extra = [*SERVER, *extra]  # one server option alone is refused (see below)
    base = BASE[command]
    if command == "conformance" and option in {"--base-url", "--publishable-key",
                                               "--experience-id", "--organization-id"}:
        base = CONFORMANCE_SERVER  # a server instead of --sandbox
    if command == "conformance" and option in {"--email", "--otp"}:
        extra = ["--email", "a@example.com", "--otp", "424242"]  # they go together
    args = build_parser().parse_args([*base, *extra])
    assert getattr(args, attribute) == expected


BAD = [(c, o, b) for c, o, _, b, _, _ in OPTIONS if b is not None] + [
    ("swarm", "--base-url", "http://h/api"),       # without the three others
    ("watch", "--base-url", None),                 # watch needs all four
    ("watch", "--experience-id", None),
    ("conformance", "--base-url", "http://h/api"),  # a server and --sandbox
    ("conformance", "--sandbox", None),             # neither a server nor --sandbox
]


@pytest.mark.parametrize(("command", "option", "bad"), BAD,
                         ids=[f"{c}{o}={b}" for c, o, b in BAD])
def test_a_bad_value_exits_2_with_one_line_naming_the_option(
        command: str, option: str, bad: str | None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [*BASE[command], option, bad] if bad is not None else list(BASE[command])
    if bad is None:  # the option is left out
        index = argv.index(option)
        del argv[index:index + 2]
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert len(_error_lines(err)) == 1, err
    assert option in _error_lines(err)[0], err
    assert "Traceback" not in err


def test_bad_values_exit_2_through_main_too(capsys: pytest.CaptureFixture[str]) -> None:
    """``main`` is the console script: a bad number exits 2, not the fleet's 1."""
    with pytest.raises(SystemExit) as stopped:
        main(["swarm", "--speed", "0"])
    assert stopped.value.code == 2
    [line] = _error_lines(capsys.readouterr().err)
    assert "argument --speed" in line and "--shoppers" not in line


def test_one_dialect_an_option_is_spelled_the_same_in_every_command() -> None:
    spelling: dict[str, set[str]] = {}
    for parser in _parsers().values():
        for flag, dest in _visible_options(parser).items():
            if flag.startswith("--no-"):
                continue
            spelling.setdefault(dest, set()).add(flag)
    assert {dest: flags for dest, flags in spelling.items() if len(flags) > 1} == {}
    parsers = _parsers()
    for command in ("watch", "swarm"):
        visible = _visible_options(parsers[command])
        assert {flag for flag, _, _ in SERVER_OPTIONS} <= set(visible)
        assert "--org" not in visible and "--key" not in visible


@pytest.mark.parametrize("command", ["watch", "swarm"])
def test_the_old_spellings_still_parse(command: str) -> None:
    old = ["--base-url", "http://h/api", "--org", "o", "--key", "pk", "--experience-id", "e"]
    args = build_parser().parse_args([command, *old])
    assert (args.organization_id, args.publishable_key) == ("o", "pk")


def test_watch_still_takes_the_experience_as_its_argument() -> None:
    args = build_parser().parse_args(["watch", "exp_9", *SERVER[:6]])
    assert args.experience_id == "exp_9"


def test_every_command_has_a_help_line_a_description_a_runner_and_its_check() -> None:
    """Each subcommand is one row of the command table: listed in order with its help line,
    its description, its runner, and the check of the commands whose options argparse cannot
    relate (the others have none)."""
    parser = build_parser()
    sub = next(action for action in parser._actions
               if isinstance(action, argparse._SubParsersAction))
    assert list(sub.choices) == ["sandbox", "demo", "watch", "swarm", "conformance", "replay"]
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, command in sub.choices.items():
        assert helps[name] and command.description and callable(command.get_default("run"))
    checked = {name for name, command in sub.choices.items() if command.get_default("check")}
    assert checked == {"watch", "swarm", "conformance"}
