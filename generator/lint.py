"""Template lint: every template renders for every profile, emits values only through the encoder,
and is reached by some render; every module is used by some component."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import jinja2
from jinja2 import nodes

from .components import CATALOGUE
from .components.preview import PREVIEW_MODULE
from .errors import FgenError, Problem
from .moduledeps import with_dependencies
from .plan import plan_customer
from .project import Project
from .render import Renderer
from .resolve import available_profiles, resolve_customer
from .scaffold import scaffold_manifests

#: the filters a template may end an output expression with, per kind of template
_HCL_FILTERS = {"hcl", "hcl_comment", "hcl_expr", "hcl_ident"}
SAFE_FILTERS = {".hcl.j2": _HCL_FILTERS, ".tf.j2": _HCL_FILTERS, ".tfvars.j2": _HCL_FILTERS,
                ".md.j2": {"md", "md_comment", "md_code"}, ".yaml.j2": {"yaml", "yaml_comment"}}
PROBE = "lint-probe"


def lint_templates(project: Project) -> list[Problem]:
    problems = _unsafe_expressions(project)
    renderer = Renderer.for_project(project)
    renderer.used = set()
    with tempfile.TemporaryDirectory(prefix="fgen-lint-") as tmp:
        probe = Project(Path(tmp))
        (probe.root / "templates").symlink_to(project.templates_dir.resolve())
        folder = probe.customers_dir / PROBE
        folder.mkdir(parents=True)
        profiles = available_profiles(project)
        envs = {profile: profile for profile in profiles}
        for name, text in scaffold_manifests(PROBE, "eu-west-1", "lint.example.com", "lint@example.com", envs).items():
            (folder / name).write_text(text, encoding="utf-8")
        try:
            plan = plan_customer(probe, resolve_customer(probe, PROBE), renderer)
        except FgenError as exc:
            return problems + [Problem(p.file, p.line, p.key, f"lint probe (every profile): {p.message}")
                               for p in exc.problems]
        except jinja2.TemplateError as exc:
            where = getattr(exc, "name", None) or "templates"
            return problems + [Problem(f"templates/{where}" if where != "templates" else where,
                                       getattr(exc, "lineno", 0) or 0, "", f"does not render: {exc}")]
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    for template in sorted(_templates(project)):
        if template not in renderer.used:
            problems.append(Problem(f"templates/{template}", 0, "", "no render reaches this template"))
    used_modules = with_dependencies(project.modules_dir, {c.module for c in CATALOGUE} | {PREVIEW_MODULE})
    for folder in sorted(p for p in project.modules_dir.iterdir() if p.is_dir()):
        if folder.name not in used_modules:
            problems.append(Problem(project.rel(folder), 0, "", "no component uses this module"))
    del plan
    return problems


def _templates(project: Project) -> list[str]:
    root = project.templates_dir
    return [p.relative_to(root).as_posix() for p in root.rglob("*.j2")]


def _unsafe_expressions(project: Project) -> list[Problem]:
    renderer = Renderer.for_project(project)
    problems = []
    for name in _templates(project):
        suffix = next((s for s in SAFE_FILTERS if name.endswith(s)), None)
        allowed = SAFE_FILTERS.get(suffix or "", set())
        source = (project.templates_dir / name).read_text(encoding="utf-8")
        tree = renderer.env.parse(source)
        for output in tree.find_all(nodes.Output):
            for node in output.nodes:
                if isinstance(node, nodes.TemplateData):
                    continue
                if not (isinstance(node, nodes.Filter) and node.name in allowed):
                    problems.append(Problem(f"templates/{name}", node.lineno, "",
                                            "expression emits a value without the encoder: end it with "
                                            + " or ".join(f"| {f}" for f in sorted(allowed))))
    return problems
