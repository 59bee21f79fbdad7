"""An installed copy (a wheel, ``pip install .``) works without the source tree.

The scenario library is the top-level folder ``scenarios/`` of the source tree; pyproject.toml
ships it inside the package as ``sim/scenario_library/`` (``package-dir``), and
:func:`sim.scenario.schema.scenario_dir` reads the source folder when there is one, else that
copy. The calibration targets, ``calibration/targets.yaml``, ship the same way as
``sim/calibration_targets/targets.yaml`` (:func:`sim.calibration.targets.bundled_targets`).
The slow test builds a wheel from a copy of the sources, installs it into a fresh
environment and runs the command line from a folder outside the source tree.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from sim.calibration.targets import bundled_targets, load_targets
from sim.scenario.schema import scenario_dir
from sim.study.api import find_scenario

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LIBRARY_PACKAGE = "sim.scenario_library"
TARGETS_PACKAGE = "sim.calibration_targets"


def test_every_package_of_sim_is_listed_in_pyproject():
    """The packages are listed (a data folder is mapped into the package): a new subpackage
    missing from the list would be missing from every installed copy."""
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "sim").rglob("__init__.py")}
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    assert listed == found | {LIBRARY_PACKAGE, TARGETS_PACKAGE}, "add the package to [tool.setuptools] packages in pyproject.toml"
    assert PYPROJECT["tool"]["setuptools"]["package-dir"] == {LIBRARY_PACKAGE: "scenarios", TARGETS_PACKAGE: "calibration"}


def test_the_source_tree_reads_its_own_library_folder():
    """A checkout and the editable install read scenarios/ itself, so an edit there counts at once."""
    assert scenario_dir() == ROOT / "scenarios"


def test_the_source_tree_reads_its_own_targets_file():
    """... and calibration/targets.yaml itself, from whatever folder calibrate runs."""
    assert bundled_targets() == ROOT / "calibration" / "targets.yaml"


def test_only_the_targets_file_of_calibration_ships_and_it_needs_no_other_file():
    """calibration/ is mapped into the package for its targets file alone (the rest are the
    calibration's outputs): no Python file there (it would ship as a module of the package), and
    every section of the targets file names a library scenario, found in any installed copy
    (a section named by a path relative to the targets file would not be)."""
    assert PYPROJECT["tool"]["setuptools"]["package-data"][TARGETS_PACKAGE] == ["targets.yaml"]
    assert not list((ROOT / "calibration").glob("*.py"))
    targets, _ = load_targets(ROOT / "calibration" / "targets.yaml")
    for key in targets.scenarios:
        assert find_scenario(key).resolve().is_relative_to(scenario_dir().resolve()), key


def library_files() -> list[Path]:
    """The library's files, relative to scenarios/: those git tracks (a scratch file of one's
    own is not part of the library), or every file outside a checkout."""
    try:
        done = subprocess.run(["git", "ls-files", "-z", "--", "scenarios"], cwd=ROOT, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None and done.returncode == 0 and done.stdout:
        return [Path(p).relative_to("scenarios") for p in done.stdout.decode().split("\0") if p]
    return [p.relative_to(ROOT / "scenarios") for p in (ROOT / "scenarios").rglob("*") if p.is_file()]


def _matches(path: Path, pattern: str) -> bool:
    """setuptools' recursive glob: ``**/`` is any number of folders, none included."""
    if pattern.startswith("**/"):
        return path.match(pattern[3:])  # Path.match anchors at the right: any depth
    return len(path.parts) == len(Path(pattern).parts) and path.match(pattern)


def test_the_shipped_patterns_cover_every_file_of_the_library():
    """Every file of scenarios/ matches a package-data pattern: none is left out of installed
    copies (a new kind of file needs a pattern in pyproject.toml)."""
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"][LIBRARY_PACKAGE]
    files = library_files()
    assert len(files) > 10 and Path("hanoi/2025-07-first-13-days.yaml") in files
    assert not [f.as_posix() for f in files if not any(_matches(f, p) for p in patterns)]
    assert _matches(Path("a/b/c.yaml"), "**/*.yaml") and _matches(Path("c.yaml"), "**/*.yaml")
    assert not _matches(Path("a/scenario.schema.json"), "scenario.schema.json")


# ------------------------------------------------------------------ a real installed copy
def _copy_sources(dest: Path) -> Path:
    """What a wheel is built from, without caches, build folders or results (the build writes
    build/ and *.egg-info beside the sources: not in the worktree)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    dest.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    for name in ("sim", "scenarios", "calibration"):  # calibration/ whole: only its targets file may ship
        shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    return dest


def _build_isolation_flags() -> list[str]:
    """Build with this environment's setuptools when it is recent enough (no network);
    otherwise pip fetches the build requirements from the package index, as ``make`` does."""
    try:
        import setuptools
        import wheel  # noqa: F401
    except ImportError:
        return []
    major = int(setuptools.__version__.split(".")[0])
    return ["--no-build-isolation"] if major >= 77 else []


def _run(args, cwd: Path, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\nstdout:\n{done.stdout[-2000:]}\nstderr:\n{done.stderr[-4000:]}"
    return done


@pytest.fixture
def installed(tmp_path_factory):
    """A wheel built from the sources, installed (no dependencies) into a fresh virtual
    environment that borrows this one's dependencies (numpy, simpy, ...) by a .pth line, but
    not its editable install of the package (the .pth files of a borrowed path are not run)."""
    base = tmp_path_factory.mktemp("wheel")
    src = _copy_sources(base / "src")
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", *_build_isolation_flags(), "-w", dist, src], base,
         timeout=300)
    wheel = next(dist.glob("commune_sim-*.whl"))
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], base)
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base).stdout.strip())
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel], base)
    outside = base / "elsewhere"
    outside.mkdir()
    return {"wheel": wheel, "bin": venv / "bin", "python": python, "cwd": outside}


def _cli(installed, *args, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return _run([installed["bin"] / "commune-sim", *map(str, args)], installed["cwd"], env=env, timeout=timeout)


@pytest.mark.slow
def test_an_installed_copy_lists_and_runs_library_scenarios_outside_the_source_tree(installed):
    """One test (one wheel built, whatever worker runs it): the wheel holds the library inside
    the package, and the installed command line finds it from any folder."""
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert {"sim/scenario_library/" + p.as_posix() for p in library_files()} <= names
    assert {n for n in names if n.startswith("sim/calibration_targets/")} == {"sim/calibration_targets/targets.yaml"}
    assert not any(n.startswith(("scenarios/", "tests/", "calibration/", "experiments/")) for n in names)

    where = _run([installed["python"], "-c", "import sim.scenario.schema as s; print(s.__file__); print(s.scenario_dir())"],
                 installed["cwd"]).stdout.split()
    assert not Path(where[0]).is_relative_to(ROOT), "the test must run the installed copy, not the sources"
    assert Path(where[1]).name == "scenario_library" and (Path(where[1]) / "scenario.schema.json").is_file()

    listed = _cli(installed, "list").stdout
    assert "hanoi/2025-07-first-13-days" in listed and "danang/2025-q3" in listed and "validation/mmc" in listed

    short = ["--replications", "1", "--jobs", "1", "--set", "horizon.days=1", "--set", "horizon.warmup_days=0", "--quiet"]
    _cli(installed, "run", *short, "--out", "default")  # no scenario: the bundled default
    manifest = (installed["cwd"] / "default" / "manifest.json").read_text(encoding="utf-8")
    assert "Hà Nội" in manifest and '"file": "scenarios/hanoi/2025-07-first-13-days.yaml"' in manifest
    # a library name whose file extends another library file
    _cli(installed, "run", "hanoi/2025-q3", *short, "--out", "q3")
    assert (installed["cwd"] / "q3" / "summary.json").is_file()
    # a user's own file, by path, extending a library scenario by name
    (installed["cwd"] / "mine.yaml").write_text("extends: hanoi/2025-07-first-13-days\nname: mine\n", encoding="utf-8")
    _cli(installed, "validate", "mine.yaml")
    _cli(installed, "run", "mine.yaml", *short, "--out", "mine")
    assert (installed["cwd"] / "mine" / "summary.json").is_file()

    _calibrate_with_the_shipped_targets(installed)


def _calibrate_with_the_shipped_targets(installed):
    """``calibrate`` without --targets, outside the source tree: the targets file shipped in the
    package (the Hà Nội 13 days: nothing to fit, so only the final replications run); an own
    copy in the current folder wins; an explicit --targets that does not exist is exit 2."""
    said = _cli(installed, "calibrate", "hanoi/2025-07-first-13-days", "--jobs", "1", "--out", "cal").stderr
    fitted = json.loads((installed["cwd"] / "cal" / "fitted.json").read_text(encoding="utf-8"))
    used = Path(fitted["targets_file"])
    assert used.parts[-3:] == ("sim", "calibration_targets", "targets.yaml") and used.is_file(), used
    assert str(used) in said  # the progress lines say which file was read
    assert not used.is_relative_to(ROOT)
    shipped = (ROOT / "calibration" / "targets.yaml").read_bytes()
    assert fitted["targets_sha256"] == hashlib.sha256(shipped).hexdigest()
    assert {t["id"] for t in fitted["targets"]} >= {"hanoi_received", "hanoi_online_share"}

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

    def refused(*args) -> str:
        done = subprocess.run([installed["bin"] / "commune-sim", *args], cwd=installed["cwd"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        return done.stderr

    assert "no/such.yaml: file not found" in refused("calibrate", "hanoi/2025-07-first-13-days", "--targets", "no/such.yaml",
                                                     "--out", "refused")
    (installed["cwd"] / "calibration").mkdir()
    (installed["cwd"] / "calibration" / "targets.yaml").write_text("scenarios: {}\n", encoding="utf-8")
    assert refused("calibrate", "hanoi/2025-07-first-13-days", "--out", "refused").startswith("calibration/targets.yaml:")
    assert not (installed["cwd"] / "refused").exists()
