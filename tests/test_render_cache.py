"""Compiled templates are kept per user (FGEN_CACHE_HOME), keyed by template name and checked against
the source: a copy of the repository elsewhere reuses them, an edited template is compiled again."""

from __future__ import annotations

from generator.render import Renderer
from tests.support import copy_repo


def _compiled(home) -> list:
    return sorted(home.rglob("jinja/*.cache"))


def test_a_copy_elsewhere_reuses_compiled_templates_and_an_edit_is_compiled_again(tmp_path, monkeypatch):
    home = tmp_path / "cache-home"
    monkeypatch.setenv("FGEN_CACHE_HOME", str(home))
    first = copy_repo(tmp_path / "a")
    second = copy_repo(tmp_path / "b")
    names = sorted(p.relative_to(first.templates_dir).as_posix() for p in first.templates_dir.rglob("*.j2"))
    readme = next(n for n in names if "readme" in n.lower())
    renderer = Renderer.for_project(first)
    for name in names:
        renderer.env.get_template(name)
    files = _compiled(home)
    assert len(files) == len(names)
    stamps = {p: p.stat().st_mtime_ns for p in files}
    renderer = Renderer.for_project(second)
    for name in names:
        renderer.env.get_template(name)
    assert {p: p.stat().st_mtime_ns for p in _compiled(home)} == stamps  # loaded, not compiled again
    # an edited template in a third copy: compiled again, and the edit is what renders
    third = copy_repo(tmp_path / "c")
    path = third.templates_dir / readme
    path.write_text("EDITED {{ 1 + 1 }}\n")
    assert Renderer.for_project(third).env.get_template(readme).render() == "EDITED 2\n"
    after = {p: p.stat().st_mtime_ns for p in _compiled(home)}
    assert len(after) == len(names) and sum(after[p] != stamps[p] for p in after) == 1
