"""The bad-input corpus: one file per case under tests/bad_inputs/, each with its expected messages.

Every case: `fgen render customer-x` exits 2, prints each expected message, never a traceback,
and writes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

CASES = sorted((Path(__file__).parent / "bad_inputs").glob("*.yaml"))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bad_input(case, project, fgen):
    spec = yaml.safe_load(case.read_text())
    target = project.customers_dir / "customer-x" / spec["file"]
    target.write_text(spec["content"])
    code, out, err = fgen("render", "customer-x")
    assert code == 2, (out, err)
    for expected in spec["expect"]:
        assert expected in err, f"{expected!r} not in:\n{err}"
    assert "Traceback" not in err + out
    assert not (project.output_dir / "customer-x").exists()


def test_every_case_names_a_file_and_line():
    for case in CASES:
        spec = yaml.safe_load(case.read_text())
        assert any(e.startswith("customers/") or e.startswith("templates/") for e in spec["expect"]), case.stem
