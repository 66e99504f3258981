#!/usr/bin/env python3
"""Write docs/compatibility.md from the results of scripts/compat/run_in_root.sh.

usage: report.py [RESULTS_DIR] [OUTPUT_MD]
RESULTS_DIR holds one folder per row, <env>-<torch|notorch>/ (steps.tsv, versions.json,
pytest.xml, <step>.log), and <env>-build/error.txt for a root that could not be built.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ORDER = ["host", "bookworm", "trixie", "sid"]
STEPS = [("pytest", "Processing tests"), ("engine", "engine tests"), ("demo-rx", "demo (RX)"),
         ("demo-default", "demo (default)"), ("smoke", "qgis_process RX")]
SIGNALS = {6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV"}
LABELS = {"host": "Debian 12 bookworm, host .venv", "bookworm": "Debian 12 bookworm",
          "trixie": "Debian 13 trixie", "sid": "Debian unstable"}
COMMAND = "make compat  (scripts/compat/run_all.sh host trixie sid)"


QGIS4 = [
    "## QGIS 4",
    "",
    "metadata.txt declares `qgisMaximumVersion=4.99` (and `supportsQt6=True` for the Qt 6 builds",
    "of QGIS 3). No QGIS 4 package is reachable from this project's machines (Debian has none",
    "yet), so hsad has not been *run* in QGIS 4. What is checked instead:",
    "",
    "- Qt: `scripts/compat/qt6_names.py` finds every name the plugin imports from `qgis.PyQt`",
    "  in PyQt6 (QAction through QGIS's own shim, which QGIS 4 keeps) and resolves every",
    "  `QtClass.Enum.Value` the plugin writes. `make setup` puts PyQt6 6.11 (Qt 6.11) in .venv",
    "  and `make test` runs the check in a separate process (`tests/plugin/test_qt6_names.py`,",
    "  which also plants a Qt 5-only name to show it fails), on Debian 12 and, in the fresh clone",
    "  above, Debian 13 (the `make compat` rows run without PyQt6).",
    "- QGIS enums: the plugin takes each by its `Qgis.*` name where the running QGIS has it",
    "  (`plugin/qgis_enums.py`; 3.40 and 3.44 above do), never by the deprecated class-scoped",
    "  alias (`tests/plugin/test_qgis_enums.py`).",
    "- Deprecated QGIS API: none is called; the Processing tests above turn every",
    "  `DeprecationWarning` into a failure, on 3.22, 3.40 and 3.44.",
    "",
]


def load_row(folder: str) -> dict:
    row = {"name": os.path.basename(folder), "steps": {}, "versions": {}}
    try:
        row["versions"] = json.load(open(os.path.join(folder, "versions.json")))
    except (OSError, ValueError):
        err = os.path.join(folder, "versions.err")
        row["versions_error"] = last_lines(err, 1) if os.path.exists(err) else "no versions.json"
    tsv = os.path.join(folder, "steps.tsv")
    if os.path.exists(tsv):
        row["date"] = datetime.date.fromtimestamp(os.path.getmtime(tsv)).isoformat()
        for line in open(tsv):
            name, rc, seconds = line.rstrip("\n").split("\t")
            row["steps"][name] = (int(rc), int(seconds))
    return row


def last_lines(path: str, n: int = 3) -> str:
    try:
        lines = [l.strip() for l in open(path, errors="replace") if l.strip()]
    except OSError:
        return ""
    return " / ".join(lines[-n:])


def crash_site(path: str) -> str:
    """': Fatal Python error: ... in f (file:line) <- g' from a faulthandler dump, if any."""
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return ""
    fatal = re.search(r"Fatal Python error: (.*)", text)
    if not fatal:
        return ""
    frames = re.findall(r'File "([^"]+)", line (\d+) in (\S+)', text[fatal.end():])[:2]
    where = " <- ".join(f"{func} ({'/'.join(f.split('/')[-2:])}:{line})" for f, line, func in frames)
    collecting = "while garbage-collecting, " if "Garbage-collecting" in text[fatal.end():] else ""
    return f": {fatal.group(1).strip()}, {collecting}in {where}" if where else f": {fatal.group(1).strip()}"


def pytest_counts(folder: str, step: str = "pytest") -> dict | None:
    try:
        root = ET.parse(os.path.join(folder, step + ".xml")).getroot()
    except (OSError, ET.ParseError):
        return None
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    n = {k: int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")}
    n["passed"] = n["tests"] - n["failures"] - n["errors"] - n["skipped"]
    n["failed"] = [(case.get("classname", "").split(".")[-1] + "::" + case.get("name", ""), summary(bad))
                   for case in suite.iter("testcase")
                   for bad in list(case.findall("failure")) + list(case.findall("error"))]
    return n


EXCEPTION = re.compile(r"^\s*(?:E\s+)?([A-Za-z_][\w.]*(?:Error|Exception|Interrupt)): ?(.*)$")


TMP = re.compile(r"/\S*?/pytest-of-[^/\s]+/pytest-\d+/[^/\s]*?\d*/")  # pytest's tmp_path


def summary(bad) -> str:
    """One line: the failure's message, and the last exception raised in its output if other."""
    message = bad.get("message") or ""
    first = " ".join(message.split("\n")[0].split())
    raised = [m for m in map(EXCEPTION.match, (message + "\n" + (bad.text or "")).splitlines()) if m]
    last = f"{raised[-1].group(1)}: {' '.join(raised[-1].group(2).split())}" if raised else ""
    if last and last[:60] not in first:
        first = f"{first[:200]} ... {last}"
    return TMP.sub(".../", first)[:400]


def cell(row: dict, folder: str, step: str) -> str:
    if step not in row["steps"]:
        return "not run"
    rc, seconds = row["steps"][step]
    verdict = "pass" if rc == 0 else ("TIMEOUT" if rc == 124 else "FAIL")
    if step in ("pytest", "engine"):
        n = pytest_counts(folder, step)
        if n:
            parts = [f"{n['passed']} passed"] + [f"{n[k]} {w}" for k, w in
                                                 (("failures", "failed"), ("errors", "errors"), ("skipped", "skipped")) if n[k]]
            if rc > 128:  # killed by a signal after the report was written
                parts.append(f"then {SIGNALS.get(rc - 128, f'signal {rc - 128}')}")
            return f"{verdict} ({', '.join(parts)})"
    if step == "demo-default" and rc == 0:
        text = open(os.path.join(folder, "demo-default.log"), errors="replace").read()
        method = re.search(r"hsad:detect \((\w+)\) through qgis_process", text)
        return f"pass ({method.group(1) if method else '?'})"
    return f"{verdict} ({seconds} s)" if rc == 0 else f"{verdict} (exit {rc})"


def failures(row: dict, folder: str) -> list:
    out = []
    for step, label in STEPS:
        rc = row["steps"].get(step, (0, 0))[0]
        if rc == 0:
            continue
        if rc > 128:
            out.append(f"{label}: the process died with {SIGNALS.get(rc - 128, f'signal {rc - 128}')} "
                       f"(exit {rc}){crash_site(os.path.join(folder, step + '.log'))}")
        n = pytest_counts(folder, step) if step in ("pytest", "engine") else None
        if n and n["failed"]:
            groups = {}
            for test, message in n["failed"]:
                groups.setdefault(message, []).append(test)
            for message, tests in groups.items():
                names = ", ".join(tests[:4]) + (f" and {len(tests) - 4} more" if len(tests) > 4 else "")
                out.append(f"{label}: `{names}`: {message}")
        else:
            out.append(f"{label} (exit {rc}): {last_lines(os.path.join(folder, step + '.log'), 3)[:600]}")
    return out


CLONE_INTRO = [
    "## A fresh clone on Debian 12 and 13 hosts (CI)",
    "",
    "What a new user runs (the README's `make setup`, then `make test`), as CI (`.ci/run`) runs it",
    "on a clean clone: first on the host (Debian 12), then as root inside the Debian 13 root above,",
    "where a fresh `git clone` runs `make setup`, `make test` and `make demo`",
    "(`scripts/compat/clone_in_root.sh trixie`; QGIS, GDAL, numpy and torch are Debian's, and",
    "`make setup` installs the rest with apt and pip, as on a host). `make setup` pins Debian's",
    "compiled Python packages (numpy, GDAL, rasterio, ...) in `.venv/debian-constraints.txt`, so",
    "pip never replaces one; torch is pip's `torch==2.13.0+cpu` where pip finds that wheel (the",
    "Debian 12 host), else Debian's `python3-torch` (Debian 13), never pip's CUDA build. The rows",
    "come from `build/compat/<host|trixie>-clone/`, which `.ci/run` writes.",
    "",
]
CLONE_LABELS = {"host": "Debian 12 bookworm, host"}
CHECK_LINE = re.compile(r"^Python \S+ \| QGIS .*$", re.M)
PYTEST_LINE = re.compile(r"^=*\s*((?:\d+ \w+(?:, )?)+) in ([\d.]+)s", re.M)


def clone_row(folder: str) -> list:
    """environment, hsad, versions, setup, tests, demo, date: one fresh clone's results."""
    def text(name):
        try:
            return open(os.path.join(folder, name), errors="replace").read()
        except OSError:
            return ""
    env = os.path.basename(folder).rsplit("-", 1)[0]
    stages = {}
    for line in text("stages.tsv").splitlines():
        name, rc, seconds = line.split("\t")
        stages[name] = (int(rc), int(seconds))
    check = CHECK_LINE.search(text("setup.log"))
    versions = dict(part.strip().split(" ", 1) for part in check.group(0).split("|")) if check else {}
    tests = PYTEST_LINE.findall(text("test.log"))
    cells = []
    for stage in ("setup", "test", "demo"):
        if stage not in stages:
            cells.append("not run")
            continue
        rc, seconds = stages[stage]
        verdict = "pass" if rc == 0 else "FAIL"
        detail = f"{tests[-1][0]}, {seconds} s" if stage == "test" and tests else f"{seconds} s"
        cells.append(f"{verdict} ({detail})" if rc == 0 else f"{verdict} (exit {rc}, {detail})")
    debian = text("debian_version").strip()
    label = CLONE_LABELS.get(env, LABELS.get(env, env)) + (f" ({debian})" if debian else "")
    date = datetime.date.fromtimestamp(os.path.getmtime(os.path.join(folder, "stages.tsv"))).isoformat() \
        if stages else ""
    return [label, text("source.txt").strip() or "?", versions.get("QGIS", "?").split("-")[0],
            versions.get("Python", "?"), versions.get("numpy", "?"), versions.get("GDAL", "?"),
            versions.get("torch", "?")] + cells + [date]


def clone_section(results: str, clones: list) -> list:
    header = ["environment", "hsad", "QGIS", "Python", "numpy", "GDAL", "torch",
              "make setup", "make test", "make demo", "date"]
    lines = list(CLONE_INTRO)
    if not clones:
        return lines + ["(No results in build/compat: run `.ci/run`.)", ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(clone_row(os.path.join(results, c))) + " |" for c in clones]
    lines += ["", "Seconds are wall-clock on a shared 2-core machine; the logs are in",
              "`build/compat/<environment>-clone/`. Tests that read the real scenes in `../shared`",
              "skip where that folder is absent (as beside CI's clean clone). On Debian 13 pip ends",
              "`make setup` with one conflict it did not cause: Debian's torch 2.6 declares",
              "`sympy==1.13.1` and Debian ships sympy 1.13.3.", ""]
    try:
        ci = [line.strip() for line in open(os.path.join(results, "ci.txt")) if line.strip()]
    except OSError:
        ci = []
    if ci:
        lines += ["`.ci/run`'s last run here, stage by stage:", "", "```"] + ci + ["```", ""]
    return lines


def sort_key(name: str):
    env, _, mode = name.rpartition("-")
    return (ORDER.index(env) if env in ORDER else len(ORDER), env, mode != "torch")


def main() -> int:
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, "build", "compat")
    output = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, "docs", "compatibility.md")
    folders = [d for d in os.listdir(results) if os.path.isdir(os.path.join(results, d))]
    names = sorted((d for d in folders if not d.endswith("-clone")), key=sort_key)
    clones = sorted((d for d in folders if d.endswith("-clone")), key=sort_key)
    header = ["environment", "hsad", "QGIS", "Qt", "Python", "numpy", "GDAL", "torch"] + [l for _, l in STEPS] + ["date"]
    lines = ["# Compatibility", "",
             "Which QGIS, Python, numpy, GDAL and torch versions hsad's Processing tests, the demo and",
             "`qgis_process` pass with. Each Debian root is built from Debian's own packages with",
             "`debootstrap` (QGIS, GDAL, numpy and torch as Debian ships them; only pytest-qgis comes from",
             "PyPI) and the checks run inside it with `chroot`; *host* is the development machine",
             "(`make setup`: Debian 12, pip's CPU torch in `.venv`). \"none\" rows hide torch with a shadow",
             "`torch` module, as `tests/plugin/test_without_torch.py` does. *hsad* is the commit tested",
             "(\"+ N changed files\": the working tree). Regenerate with:", "",
             "```", COMMAND, "```", "",
             "It needs root (debootstrap, mount, chroot). The roots live outside the checkout, in",
             "`${HSAD_ROOTS:-/var/cache/hsad/roots}/<suite>` (about 3 GB each, 5 to 8 minutes to build, then",
             "reused); the logs of each row are in `build/compat/<environment>-<torch|notorch>/`.",
             "`HSAD_COMPAT_REF=<commit>` tests a commit instead of the working tree.", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    notes = []
    for name in names:
        folder = os.path.join(results, name)
        env, _, mode = name.rpartition("-")
        if mode == "build":
            error = last_lines(os.path.join(folder, "error.txt"), 2)
            lines.append(f"| {LABELS.get(env, env)} | root not built |" + " |" * (len(header) - 2))
            notes.append((LABELS.get(env, env), [f"building the root failed: {error}"]))
            continue
        row = load_row(folder)
        v = row["versions"]
        qgis = v.get("qgis", "?").split("-")[0] if v else "?"
        torch = v.get("torch") or "none"
        if mode == "torch" and not v.get("torch"):
            torch = f"none ({v.get('torch_error', 'not installed')[:60]})"
        source = last_lines(os.path.join(folder, "source.txt"), 1) or "?"
        label = LABELS.get(env, env) + (f" ({v['debian']})" if v.get("debian") else "")
        lines.append("| " + " | ".join([label, source, qgis, v.get("qt", "?"), v.get("python", "?"),
                                        v.get("numpy", "?"), v.get("gdal", "?"), torch]
                                       + [cell(row, folder, s) for s, _ in STEPS] + [row.get("date", "")]) + " |")
        if row.get("versions_error"):
            notes.append((f"{label}, {mode}", [f"versions: {row['versions_error']}"]))
        bad = failures(row, folder)
        if bad:
            notes.append((f"{label}, QGIS {qgis}, torch {torch}", bad))
    lines += ["", "Processing tests: `python3 -m pytest -q tests/plugin`; engine tests:",
              "`python3 -m pytest -q tests/engine -m 'not slow'`; demo: `scripts/demo.py --method rx`",
              "and `scripts/demo.py` (the default method; the method that ran is in brackets);",
              "qgis_process RX: `qgis_process run hsad:detect` with global RX (`METHOD=rx`, or `1` for",
              "hsad before 0.2) on a generated ENVI cube. The Processing tests fail on any",
              "`DeprecationWarning` (a deprecated QGIS call is one QGIS 4 may drop).", ""]
    lines += clone_section(results, clones)
    lines += QGIS4
    if notes:
        lines += ["## Failures", ""]
        for title, items in notes:
            lines.append(f"**{title}**")
            lines.append("")
            lines += [f"- {item}" for item in items]
            lines.append("")
    with open(output, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    print(f"wrote {output} ({len(names)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
