"""The command line as the steward meets it: Dutch command and option names, the old English names as
hidden aliases, the exit codes in every `--help`, `--stil` and `--uitgebreid`, and the build's stages.

No build of its own: the build checks read the run's shared builds (conftest: demo_build as is,
refused_demo_build with --uitgebreid, fatal_build with --stil), all real processes whose stdout is a pipe.
"""
from __future__ import annotations

import json
import re
from enum import Enum

import pytest
from typer.main import get_command

from conftest import cli_in_process
from eenzaamheid.commandline import progress
from eenzaamheid.cli import app
from eenzaamheid.commandline import OLD_COMMANDS, OLD_OPTIONS

STAGE = re.compile(r"^\[\s*(\d+\.\d) s\] (.+) …$")  # a plain progress line: "[ 12.3 s] kwaliteitspoort …"
DONE = re.compile(r"^\[\s*(\d+\.\d) s\] bouw (klaar|gestopt)$")
YEAR = "raw/2019"  # one demo delivery: it holds an invalid answer on purpose (a fout)


def commands() -> dict:
    return get_command(app).commands


def flat(text: str) -> str:
    return " ".join(text.split())


def test_commands_are_dutch_and_the_old_names_hidden_aliases():
    visible = {name for name, c in commands().items() if not c.hidden}
    top = cli_in_process("--help").stdout
    for new, old in OLD_COMMANDS.items():
        assert new in visible and commands()[old].hidden, (new, old)
        assert re.search(rf"\b{new}\b", top) and not re.search(rf"\b{old}\b", top), old
        new_help, old_help = cli_in_process(new, "--help"), cli_in_process(old, "--help")
        assert new_help.returncode == old_help.returncode == 0
        assert set(re.findall(r"--[a-z-]+", old_help.stdout)) == set(re.findall(r"--[a-z-]+", new_help.stdout))
    for name in visible:  # no old option name in any help
        text = cli_in_process(name, "--help").stdout
        assert not [o for o in OLD_OPTIONS if re.search(rf"{o}(?![a-z-])", text)], (name, text)


def test_every_old_option_name_still_parses_as_its_dutch_option():
    checked = set()
    for name, command in commands().items():
        for param in command.params:
            for old, new in ((o, n) for o, n in OLD_OPTIONS.items() if n in getattr(param, "opts", ())):
                other = [m.value for m in type(param.default) if m is not param.default] \
                    if isinstance(param.default, Enum) else ["8123"]  # a value that is not the default
                value = [] if param.is_flag else other[:1]
                as_old = command.make_context(name, [old, *value], resilient_parsing=True).params[param.name]
                as_new = command.make_context(name, [new, *value], resilient_parsing=True).params[param.name]
                assert as_old == as_new != param.default, (name, old, as_old)
                checked.add(old)
    assert checked == set(OLD_OPTIONS)


def test_every_help_states_its_exit_codes():
    for name, command in commands().items():
        if command.hidden:
            continue
        text = flat(cli_in_process(name, "--help").stdout)
        assert "Exitcodes:" in text and all(f"{code} =" in text for code in "012"), (name, text)


def test_stil_shows_only_the_errors_and_the_verdict_uitgebreid_adds_what_was_read():
    report = json.loads(cli_in_process("valideer", YEAR, "--formaat", "json").stdout)
    errors = [p for p in report["problemen"] if p["ernst"] == "fout"]
    normal = cli_in_process("valideer", YEAR)
    quiet = cli_in_process("valideer", YEAR, "--stil")
    verbose = cli_in_process("valideer", YEAR, "--uitgebreid")
    assert errors and normal.returncode == quiet.returncode == verbose.returncode == 1
    verdict = re.sub(r" \([\d.]+ s\).*", "", normal.stdout.strip().splitlines()[-1])
    assert quiet.stdout.splitlines() == [verdict + "."], quiet.stdout
    assert len(quiet.stderr.splitlines()) == len(errors) and all(p["melding"] in quiet.stderr for p in errors)
    timing = re.compile(r"\([\d.]+ s\)")
    assert timing.sub("", verbose.stdout) == timing.sub("", normal.stdout) and "Gelezen:" not in normal.stderr
    assert [b["bestand"] for b in report["bestanden"]] == re.findall(r"^Gelezen: (\S+) ", verbose.stderr, re.M)
    both = cli_in_process("valideer", YEAR, "--stil", "--uitgebreid")
    assert both.returncode == 2 and "--stil" in both.stderr


def stage_lines(stdout: str) -> list[tuple[float, str]]:
    return [(float(m[1]), m[2]) for m in map(STAGE.match, stdout.splitlines()) if m]


def test_a_build_shows_its_stages_as_plain_lines_when_stdout_is_no_terminal(demo_build):
    assert demo_build.returncode == 0, demo_build.stderr[-2000:]
    lines = demo_build.stdout.splitlines()
    stages = stage_lines(demo_build.stdout)
    assert len(stages) >= 5 and len({label for _, label in stages}) == len(stages), lines[:20]
    times = [t for t, _ in stages]
    assert times == sorted(times) and "\x1b" not in demo_build.stdout  # no colours or live redraws
    done = [i for i, line in enumerate(lines) if DONE.match(line)]
    assert len(done) == 1 and float(DONE.match(lines[done[0]])[1]) >= times[-1]
    assert lines[:done[0]] == [line for line in lines[:done[0]] if STAGE.match(line)]  # stages first, then the summary
    assert lines[-1] == f"Gebouwd: {demo_build.out / 'benchmark.db'}"  # the final line


def test_uitgebreid_times_each_stage_and_stil_keeps_only_the_refusal(refused_demo_build, fatal_build):
    verbose = refused_demo_build  # refused at validation, with --uitgebreid
    stages = [label for _, label in stage_lines(verbose.stdout)]
    timed = re.findall(r"^(.+): \d+\.\d s$", verbose.stderr, re.M)
    assert stages and timed == stages, (stages, timed)  # each stage that began also ended, with its time
    assert DONE.match(verbose.stdout.splitlines()[-1])[2] == "gestopt"
    quiet = fatal_build  # refused by the quality gate, with --stil: no progress, no summary, only why
    assert quiet.returncode == 1 and quiet.stdout == "", quiet.stdout
    assert "Build gestopt: " in quiet.stderr and not stage_lines(quiet.stderr)


def test_on_a_terminal_the_stages_are_a_live_display(monkeypatch, capsys):
    """rich draws the stages in place (no plain lines); forced to think stdout is a terminal."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: treat stdout as a terminal
    monkeypatch.delenv("CI", raising=False)
    progress.configure()
    with progress.run("proef"):
        progress.step("eerste stap")
        progress.step("tweede stap")
    out = capsys.readouterr().out
    assert "eerste stap" in out and "tweede stap" in out and "\x1b[" in out  # drawn with terminal codes
    assert not stage_lines(out) and re.search(r"\d:\d\d:\d\d", out)  # each with its elapsed time


@pytest.fixture(autouse=True)
def _reset_logging():
    yield
    progress.configure()  # later in-process commands start from the default
