"""Manifest files -> one validated, provenance-carrying model per customer environment.

Resolution order: profile -> customer.yaml -> <env>.yaml (maps merge key by key; lists and
scalars replace). All problems of all files are collected and reported together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .components import CATALOGUE, BY_NAME, EnvContext
from .components.preview import check_previews
from .errors import InputError, Problem
from .merge import Layer, Merged, merge_layers
from .project import CUSTOMER_FILE, Project, check_customer_name, check_env_name
from . import standby
from .secrets import scan_document
from .schema.manifest import PROFILE_KEYS, manifest_model
from .yamlload import Document, KeyPath, format_path, load_yaml, parse_yaml


@dataclass
class Customer:
    """A resolved customer: one validated context per environment, plus the files it came from."""

    name: str
    environments: list[EnvContext]
    sources: list[str] = field(default_factory=list)

    def contexts(self) -> list[EnvContext]:
        """Every environment's contexts: each environment, then its warm standby if it has one."""
        return [c for env in self.environments for c in env.contexts()]


def load_profile(project: Project, name: str) -> list[Document]:
    """A profile is a folder of YAML files, one per concern, each setting its own top-level keys."""
    return _load_profile_cached(project.root, name)


@lru_cache(maxsize=32)
def _load_profile_cached(root: Path, name: str) -> list[Document]:
    project = Project(root)
    folder = project.profiles_dir / name
    docs = []
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        doc = load_yaml(path, project.rel(path))
        for key in doc.data:
            if key not in PROFILE_KEYS:
                problems.append(Problem(doc.file, doc.line_of((key,)), key, _unknown(key, PROFILE_KEYS, "a profile")))
            elif key in owners:
                problems.append(Problem(doc.file, doc.line_of((key,)), key, f"already set by {owners[key]}"))
            owners[key] = doc.file
        docs.append(doc)
    if problems:
        raise InputError(problems)
    return docs


def available_profiles(project: Project) -> list[str]:
    if not project.profiles_dir.is_dir():
        return []
    return sorted(p.name for p in project.profiles_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def environment_files(project: Project, customer: str) -> dict[str, Path]:
    folder = project.customer_dir(customer)
    if not (folder / CUSTOMER_FILE).is_file():
        raise InputError(Problem(project.rel(folder), 0, "", f"no {CUSTOMER_FILE} here: not a customer "
                                 f"(known: {', '.join(project.customer_names()) or 'none'})"))
    envs: dict[str, Path] = {}
    problems = []
    for path in sorted(folder.iterdir()):
        if path.name == CUSTOMER_FILE or path.name.startswith("."):
            continue
        if path.is_symlink():
            problems.append(Problem(project.rel(path), 0, "", "manifests may not be symbolic links"))
        elif path.suffix == ".yml":
            problems.append(Problem(project.rel(path), 0, "", "use the .yaml extension for environment files"))
        elif path.suffix == ".yaml":
            try:
                envs[check_env_name(path.stem, project.rel(path))] = path
            except InputError as exc:
                problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if not envs:
        raise InputError(Problem(project.rel(folder), 0, "", "no environment files (dev.yaml, prod.yaml, ...)"))
    return envs


def resolve_customer(project: Project, name: str, only_envs: list[str] | None = None,
                     overrides: dict[Path, bytes] | None = None) -> Customer:
    """``overrides``: manifest path -> content to use instead of the file (to validate an edit before
    writing it)."""
    check_customer_name(name)
    env_files = environment_files(project, name)
    customer_path = project.customer_dir(name) / CUSTOMER_FILE
    problems: list[Problem] = []
    documents: dict[str, Document] = {}
    for label, path in [("customer", customer_path), *env_files.items()]:
        try:
            if overrides and path in overrides:
                documents[label] = parse_yaml(overrides[path], project.rel(path))
            else:
                documents[label] = load_yaml(path, project.rel(path))
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(scan_document(documents[label]))
    if problems:
        raise InputError(problems)

    customer_doc = documents["customer"]
    if "profile" in customer_doc.data:
        problems.append(Problem(customer_doc.file, customer_doc.line_of(("profile",)), "profile",
                                "profile belongs in an environment file, not in customer.yaml"))
    declared = customer_doc.data.get("customer", {}).get("name") if isinstance(customer_doc.data.get("customer"), dict) else None
    if declared is not None and declared != name:
        problems.append(Problem(customer_doc.file, customer_doc.line_of(("customer", "name")), "customer.name",
                                f"must equal the folder name '{name}', got {declared!r}"))

    environments: list[EnvContext] = []
    sources = [customer_doc.file]
    profiles = {env: (documents[env].data.get("profile") if isinstance(documents[env].data.get("profile"), str)
                      else None) or env for env in env_files}
    for env_name in env_files:
        if only_envs and env_name not in only_envs:
            continue
        env_doc = documents[env_name]
        for key in ("customer",):
            if key in env_doc.data:
                problems.append(Problem(env_doc.file, env_doc.line_of((key,)), key,
                                        "identity is set once, in customer.yaml"))
        try:
            context, used = _resolve_environment(project, name, env_name, customer_doc, env_doc, profiles)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        environments.append(context)
        sources.extend(s for s in used if s not in sources)
    if only_envs:
        for missing in sorted(set(only_envs) - set(env_files)):
            problems.append(Problem(project.rel(project.customer_dir(name)), 0, "",
                                    f"no environment '{missing}' (have: {', '.join(env_files)})"))
    if problems:
        raise InputError(problems)
    return Customer(name, environments, sources)


def _resolve_environment(project: Project, customer: str, env_name: str, customer_doc: Document,
                         env_doc: Document, env_profiles: dict[str, str]) -> tuple[EnvContext, list[str]]:
    profile = env_doc.data.get("profile") or env_name
    profiles = available_profiles(project)
    if not isinstance(profile, str) or profile not in profiles:
        where = env_doc.line_of(("profile",)) if "profile" in env_doc.data else 1
        hint = f" (did you mean '{close[0]}'?)" if (close := get_close_matches(str(profile), profiles, 1)) else ""
        if "profile" in env_doc.data:
            message = f"unknown profile {profile!r}{hint}; profiles: {', '.join(profiles)}"
        else:
            message = f"no profile named '{env_name}'; pick one with 'profile:' ({', '.join(profiles)})"
        raise InputError(Problem(env_doc.file, where, "profile", message))
    layers = [Layer("profile", doc) for doc in load_profile(project, profile)]
    layers += [Layer("customer", customer_doc), Layer("environment", env_doc)]
    merged = merge_layers(layers)
    model = manifest_model()
    try:
        manifest = model.model_validate(merged.data)
    except ValidationError as exc:
        raise InputError([_problem_from_pydantic(err, merged, model) for err in exc.errors()]) from None
    context = EnvContext(customer, env_name, profile, manifest, merged, dict(BY_NAME), dict(env_profiles))
    if env_name not in manifest.aws.accounts:
        raise InputError(context.problem(("aws", "accounts"), f"no account id for environment '{env_name}'"))
    problems: list[Problem] = []
    standby_problems = standby.settings_problems(context)
    # derive the standby before the checks: once promoted, the primary's rules ask for units that moved
    # to the standby (env.enabled("rds") from dr, backup, ...), which only its context answers
    derived = standby.derive(context) if not standby_problems and manifest.standby.enabled else None
    for component in CATALOGUE:
        problems.extend(component.check(context))
    problems.extend(check_previews(context))
    problems.extend(standby_problems)
    if not problems and derived is not None:
        problems.extend(standby.context_problems(derived))
    if problems:
        raise InputError(problems)
    return context, [layer.document.file for layer in layers]


def _problem_from_pydantic(err: dict[str, Any], merged: Merged, model: type[BaseModel]) -> Problem:
    loc: KeyPath = tuple(err["loc"])
    kind = err["type"]
    setting = merged.winner(loc)
    file, line = (setting.file, setting.line) if setting else ("", 0)
    message = err["msg"]
    if kind == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        message = _unknown(str(loc[-1]), known, "here")
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = _humanize(message, err)
    return Problem(file, line, format_path(loc), message)


def _humanize(message: str, err: dict[str, Any]) -> str:
    message = message.removeprefix("Value error, ")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    bounds = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
              "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}
    if err["type"] in bounds:
        words, key = bounds[err["type"]]
        return f"must be {words} {ctx.get(key)}, got {value!r}"
    if err["type"] == "string_pattern_mismatch":
        return f"{value!r} does not match the required format {ctx.get('pattern', '')}"
    if not isinstance(value, (dict, list)) and "got" not in message and repr(value) not in message:
        return f"{message}, got {value!r}"
    return message


def _unknown(key: str, known: set[str] | frozenset[str], where: str) -> str:
    close = get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}' {where}{hint}" if where != "here" else f"unknown key '{key}'{hint}"


def _fields_at(model: type[BaseModel], path: KeyPath) -> set[str]:
    """The field names a model accepts at ``path`` (for did-you-mean suggestions)."""
    current: Any = model
    for part in path:
        current = _step(current, part)
        if current is None:
            return set()
    target = _model_of(current)
    return set(target.model_fields) if target is not None else set()


def _step(annotation: Any, part: str | int) -> Any:
    import typing

    model = _model_of(annotation)
    if model is not None and isinstance(part, str) and part in model.model_fields:
        return model.model_fields[part].annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        origin = typing.get_origin(candidate)
        if origin is dict:
            return typing.get_args(candidate)[1]
        if origin is list and isinstance(part, int):
            return typing.get_args(candidate)[0]
    return None


def _model_of(annotation: Any) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (dict, list):
        return None
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
