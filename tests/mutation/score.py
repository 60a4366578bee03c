"""Print the mutation score of each module mutmut covered, and in total.

Run by `make mutation` after `mutmut run`. The score is

    killed / (generated - equivalent)

where `equivalent` are the mutants listed in tests/mutation/equivalent.txt: a
mutant no test can kill because it does not change what the code does. Each
line there is `mutant-name | code the mutant has | reason` (for a mutant that
only deletes, `deleted: ` and the deleted code), and the list is
reviewed like code. mutmut numbers mutants per function, so when the code
changes a name can come to mean another mutant: a listed mutant whose code is
not what the line says, that a test kills, or that no longer exists is reported
and excuses nothing. Timeouts count as killed: the test run noticed the change.
Exits 1 when a module is under its goal or the list needs updating.

`score.py --killed-equivalents` prints the listed mutants the run killed, for
`make mutation` to run again one at a time: two workers on two cores make a
rare test miss its timing, and a listed mutant must be judged on a quiet run.
"""

from __future__ import annotations

import ast
import difflib
import functools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT = Path(__file__).with_name("equivalent.txt")
# The goal per module; the clock and scoring are small enough to test completely.
GOAL = {"quizapp/exam/clock.py": 1.0, "quizapp/exam/scoring.py": 1.0}
DEFAULT_GOAL = 0.95
KILLED = {1, 3, 36, 24, -24, 152, 255}  # failed tests, pytest internal error, timeouts
STATUS = {0: "survived", None: "not run yet", 5: "no tests", 33: "no tests", 34: "skipped",
          37: "caught by type check", -11: "segfault", -9: "segfault"}


def equivalent_mutants(path: Path = EQUIVALENT) -> dict[str, str]:
    """Mutant name -> the code the mutant has (its reason is for the reader)."""
    listed: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = [part.strip() for part in line.split(" | ")]
        if len(parts) != 3 or not all(parts):
            sys.exit(f"{path}:{number}: write `mutant-name | code the mutant has | reason`")
        listed[parts[0]] = parts[1]
    return listed


@functools.cache
def functions_in(path: Path) -> dict[str, str]:
    """Every function mutmut wrote into a module under mutants/, by name."""
    lines = path.read_text().splitlines()
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno])
            for node in ast.walk(ast.parse("\n".join(lines))) if isinstance(node, ast.FunctionDef)}


def mutated_lines(mutants_dir: Path, name: str) -> str:
    """The lines mutant `name` adds to its function, as mutmut wrote it under mutants/."""
    module, _, function = name.rpartition(".")
    bodies = functions_in(mutants_dir / (module.replace(".", "/") + ".py"))
    original = function.rsplit("__mutmut_", 1)[0] + "__mutmut_orig"
    if function not in bodies or original not in bodies:
        return ""
    diff = difflib.unified_diff(bodies[original].replace(original, "f").splitlines(),
                                bodies[function].replace(function, "f").splitlines(), lineterm="", n=0)
    diff = [line for line in diff if not line.startswith(("+++", "---", "@@"))]
    added = [line[1:] for line in diff if line.startswith("+")]
    if added:
        return "\n".join(added)
    # A mutant that only deletes (an argument, a line) is listed by what it deleted.
    return "\n".join("deleted: " + line[1:].strip() for line in diff if line.startswith("-"))


def mutant_order(name: str) -> tuple[str, int]:
    """x_assemble__mutmut_10 after x_assemble__mutmut_9."""
    function, _, number = name.rpartition("_")
    return function, int(number) if number.isdigit() else 0


def results(mutants_dir: Path) -> dict[str, dict[str, int | None]]:
    """Module path -> mutant name -> mutmut's exit code for it."""
    found = {}
    for meta in sorted(mutants_dir.rglob("*.py.meta")):
        module = str(meta.relative_to(mutants_dir))[: -len(".meta")]
        found[module] = json.loads(meta.read_text())["exit_code_by_key"]
    return found


def killed_listed(every: dict[str, int | None], listed: dict[str, str]) -> list[str]:
    """The listed mutants the run killed."""
    return [name for name in listed if every.get(name) in KILLED]


def everyone(by_module: dict[str, dict[str, int | None]]) -> dict[str, int | None]:
    return {name: code for codes in by_module.values() for name, code in codes.items()}


def main() -> int:
    by_module = results(ROOT / "mutants")
    if sys.argv[1:] == ["--killed-equivalents"]:
        print("\n".join(killed_listed(everyone(by_module), equivalent_mutants())))
        return 0
    if not by_module:
        print("No mutmut results under mutants/: run `make mutation`.")
        return 1
    listed = equivalent_mutants()
    every = everyone(by_module)
    problems = [f"{name}: listed as equivalent but no such mutant now; remove or update it"
                for name in listed if name not in every]
    problems += [f"{name}: listed as equivalent but a test kills it; remove it"
                 for name in killed_listed(every, listed)]
    equivalent = set()
    for name, code in listed.items():
        if name in every:
            if code in mutated_lines(ROOT / "mutants", name):
                equivalent.add(name)
            else:
                problems.append(f"{name}: is no longer the mutant `{code}` (the code moved on); "
                                f"look it up again with `mutmut show`")
    failing = False
    totals = [0, 0, 0]
    for module, codes in by_module.items():
        generated = len(codes)
        killed = sum(code in KILLED for code in codes.values())
        excused = sum(name in equivalent and code not in KILLED for name, code in codes.items())
        unchecked = sum(code is None for code in codes.values())
        counted = generated - excused
        score = killed / counted if counted else 1.0
        goal = GOAL.get(module, DEFAULT_GOAL)
        failing |= score < goal
        print(f"{module}: mutation score {score:.3f} (killed {killed} of {generated} generated, "
              f"{excused} equivalent; goal {goal:.2f})" + (f"; {unchecked} not run yet" if unchecked else ""))
        for name, code in sorted(codes.items(), key=lambda kv: mutant_order(kv[0])):
            if code not in KILLED and name not in equivalent and code is not None:
                print(f"    {STATUS.get(code, f'suspicious (exit {code})')}: {name}")
        totals[0] += killed
        totals[1] += generated
        totals[2] += excused
    killed, generated, excused = totals
    print(f"total: mutation score {killed / (generated - excused):.3f} "
          f"(killed {killed} of {generated} generated, {excused} equivalent)")
    for problem in problems:
        print(f"equivalent.txt: {problem}")
    return 1 if failing or problems else 0


if __name__ == "__main__":
    sys.exit(main())
