"""The ``fgen`` command line: parses arguments, calls the library, prints, maps errors to exit codes."""

from __future__ import annotations

import json
import os
import re
import sys
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from . import __version__
from .errors import EXIT_FAILED, EXIT_OK, FgenError
from .pipeline import CustomerResult, Interrupted, Options, overall_exit, run_customers
from .project import Project, check_customer_name, check_env_name, find_project

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    help="Turn YAML customer manifests into a validated, committed Terragrunt/Terraform tree.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Format(str, Enum):
    text = "text"
    json = "json"


class _State:
    debug = False


class _PlainConsole:
    """What fgen prints when the stream is not a terminal (pipes, CI logs): plain text, and no
    rich import, which costs a tenth of the 1-second budget of `fgen render customer-x`."""

    is_terminal = False
    _STYLE = re.compile(r"\[/?(?:bold|dim|red|green|yellow)\]")

    def __init__(self, stderr: bool):
        self.stream = sys.stderr if stderr else sys.stdout

    def print(self, text: str = "", markup: bool = True, end: str = "\n") -> None:
        self.stream.write((self._STYLE.sub("", text) if markup else text) + end)


def _console(stderr: bool = False) -> "Console | _PlainConsole":
    if not (sys.stderr if stderr else sys.stdout).isatty():
        return _PlainConsole(stderr)
    from rich.console import Console  # imported on first output to a terminal: start-up time matters

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _fail(exc: FgenError) -> "typer.Exit":
    err = _console(stderr=True)
    for problem in exc.problems:
        err.print(f"[red]error[/red]: {problem}", markup=True) if err.is_terminal else print(f"error: {problem}",
                                                                                             file=sys.stderr)
    return typer.Exit(exc.exit_code)


def _project() -> Project:
    return find_project()


def _select(project: Project, customers: list[str], all_: bool) -> list[str]:
    if all_ and customers:
        raise FgenError("give customer names or --all, not both")
    if all_:
        names = project.customer_names()
        if not names:
            raise FgenError(f"no customers under {project.rel(project.customers_dir)}/")
        return names
    if not customers:
        raise FgenError("name at least one customer, or use --all")
    known = set(project.customer_names())
    for name in customers:
        check_customer_name(name)
        if name not in known:
            from difflib import get_close_matches

            close = get_close_matches(name, sorted(known), 1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise FgenError(f"no customer '{name}' under customers/{hint}")
    return list(dict.fromkeys(customers))


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors (for bug reports).")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print fgen's version and exit.")] = False,
) -> None:
    _State.debug = debug
    if version:
        print(f"fgen {__version__}")
        raise typer.Exit(0)


CustomersArg = Annotated[Optional[list[str]], typer.Argument(help="Customer names (folders under customers/).",
                                                              show_default=False)]
AllOpt = Annotated[bool, typer.Option("--all", help="Every customer under customers/.")]
FormatOpt = Annotated[Format, typer.Option("--format", help="text for people, json for CI (stable shape).")]
JobsOpt = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).")]


@app.command()
def render(
    customers: CustomersArg = None,
    all_: AllOpt = False,
    env: Annotated[Optional[list[str]], typer.Option("--env", help="Only these environments (repeatable); "
                                                     "the others stay as they are on disk.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if output/ differs "
                                        "(lists missing, stale and extra files).")] = False,
    diff: Annotated[bool, typer.Option("--diff", help="Write nothing; print a unified diff of what would change.")]
    = False,
    allow_unit_removal: Annotated[bool, typer.Option("--allow-unit-removal", help="Allow removing units whose "
                                                     "resources were destroyed first (terragrunt destroy).")] = False,
    jobs: JobsOpt = None,
    lock_timeout: Annotated[float, typer.Option("--lock-timeout", help="Seconds to wait for another fgen "
                                                "rendering the same customer.")] = 60.0,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use or fill .fgen-cache/.")] = False,
    strict_parse: Annotated[bool, typer.Option("--strict-parse", help="Also parse every file with python-hcl2 "
                                               "(as `fgen validate` does; slower).")] = False,
    format_: FormatOpt = Format.text,
) -> None:
    """Render customers' trees into output/<customer>/: resolve, validate, then swap in atomically.

    Exit codes: 0 ok, 1 --check/--diff found differences or validation failed, 2 bad input.
    """
    try:
        project = _project()
        names = _select(project, customers or [], all_)
        for e in env or []:
            check_env_name(e)
        mode = "diff" if diff else "check" if check else "write"
        options = Options(mode=mode, environments=tuple(env or ()), allow_unit_removal=allow_unit_removal,
                          lock_timeout=lock_timeout, use_cache=not no_cache, second_parser=strict_parse,
                          debug=_State.debug)
    except FgenError as exc:
        raise _fail(exc) from None
    results = _run(project, names, options, jobs, format_)
    _report(results, format_, mode)
    raise typer.Exit(overall_exit(results))


@app.command()
def validate(
    customers: CustomersArg = None,
    all_: AllOpt = False,
    terraform: Annotated[bool, typer.Option("--terraform", help="Also run `terraform validate` on every module "
                                            "and `terraform test` (mock provider) on every environment.")] = False,
    jobs: JobsOpt = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use or fill .fgen-cache/ (parse verdicts, "
                                           "terraform verdicts): check everything again.")] = False,
    format_: FormatOpt = Format.text,
) -> None:
    """Check the committed trees without rendering: parse-back and cross-unit rules (and terraform)."""
    try:
        project = _project()
        names = _select(project, customers or [], all_)
    except FgenError as exc:
        raise _fail(exc) from None
    results = _run(project, names, Options(mode="validate", debug=_State.debug, use_cache=not no_cache), jobs,
                   format_)
    if terraform and overall_exit(results) == EXIT_OK:
        from .terraform import TerraformUnavailable, validate_customers

        stats: dict[str, list[str]] = {}
        try:
            verdicts = validate_customers(project, [r.customer for r in results], jobs=jobs,
                                          use_cache=not no_cache, progress=_status_printer(format_), stats=stats)
        except TerraformUnavailable as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_FAILED) from None
        print(f"terraform: {len(stats['ran'])} environment(s) checked ({', '.join(stats['ran']) or 'none'}), "
              f"{len(stats['cached'])} unchanged since they passed (.fgen-cache/terraform)", file=sys.stderr)
        for result in results:
            if verdicts[result.customer]:
                result.status, result.exit_code = "invalid", EXIT_FAILED
                result.problems.extend(verdicts[result.customer])
    _report(results, format_, "validate")
    raise typer.Exit(overall_exit(results))


@app.command("list")
def list_(format_: FormatOpt = Format.text) -> None:
    """List customers, their environments (with profile) and the units of each environment."""
    from .estate_stage import load_estate, resolve_in_estate
    from .plan import environment_units

    try:
        project = _project()
        data = []
        estate = load_estate(project) if project.customer_names() else None
        for name in project.customer_names():
            customer = resolve_in_estate(project, name, estate=estate)
            envs = []
            for env in customer.environments:
                envs.append({"name": env.name, "profile": env.profile, "region": env.region,
                             "account_id": env.account_id, "units": [u.name for u in environment_units(env)]})
            data.append({"customer": name, "environments": envs})
    except FgenError as exc:
        raise _fail(exc) from None
    if format_ is Format.json:
        print(json.dumps({"customers": data}, indent=2))
        return
    out = _console()
    for item in data:
        out.print(f"{item['customer']}")
        for env in item["environments"]:
            out.print(f"  {env['name']:<8} profile={env['profile']:<6} {env['region']:<15} {env['account_id']}")
            out.print(f"           units: {', '.join(env['units'])}")


@app.command()
def accounts(format_: FormatOpt = Format.text) -> None:
    """Show the estate: per AWS account and region, the environments there, who owns the account-wide
    resources (account baseline, each customer's ECR repositories), who asked for what, and the apply order."""
    from .estate_stage import load_estate

    try:
        data = load_estate(_project()).to_json()
    except FgenError as exc:
        raise _fail(exc) from None
    if format_ is Format.json:
        print(json.dumps(data, indent=2))
        return
    print(accounts_text(data), end="")


def accounts_text(data: dict) -> str:
    lines: list[str] = []
    for item in data["accounts"]:
        lines.append(f"account {item['account_id']} {item['region']}")
        envs = ", ".join(f"{e['customer']}/{e['environment']} ({e['profile']})" for e in item["environments"])
        lines.append(f"  environments: {envs}")
        baseline = item["account_baseline"]
        if baseline is None:
            lines.append("  account_baseline: none (no environment here asks for GuardDuty, Config, Security Hub, "
                         "enhanced ECR scanning, ECR replication or the services cost monitor)")
        else:
            lines.append(f"  account_baseline: {baseline['owner']} ({baseline['why']})")
            for part, askers in baseline["asked_by"].items():
                lines.append(f"    {part}: asked by {', '.join(askers)}")
            for rule in baseline["settings"]["ecr_replication"]:
                lines.append(f"    ecr replication: {', '.join(p + '*' for p in rule['repository_prefixes'])} -> "
                             f"{', '.join(rule['destinations'])}")
        for registry in item["ecr"]:
            lines.append(f"  ecr {registry['customer']}/*: {registry['owner']} ({registry['why']}); "
                         f"{len(registry['repositories'])} repositories, pulled by {', '.join(registry['used_by'])}")
        lines.append("  apply order:")
        lines += [f"    {i}. {step}" for i, step in enumerate(item["apply_order"], 1)]
    return "\n".join(lines) + "\n"


@app.command()
def schema(
    resolved: Annotated[bool, typer.Option("--resolved", help="Schema of a fully resolved environment "
                                           "(every key required) instead of a single manifest file.")] = False,
) -> None:
    """Print the manifest JSON Schema (for editors: `# yaml-language-server: $schema=...`)."""
    from .schema.jsonschema import manifest_json_schema

    print(json.dumps(manifest_json_schema(resolved=resolved), indent=2, sort_keys=True))


@app.command()
def lint(format_: FormatOpt = Format.text) -> None:
    """Check the templates: every one renders for every profile, emits values only through the HCL
    encoder, and is reached by some render."""
    from .lint import lint_templates

    try:
        problems = lint_templates(_project())
    except FgenError as exc:
        raise _fail(exc) from None
    if format_ is Format.json:
        print(json.dumps({"problems": [str(p) for p in problems]}, indent=2))
    else:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        if not problems:
            print("templates ok")
    raise typer.Exit(EXIT_FAILED if problems else EXIT_OK)


def _environment(project: Project, customer: str, env: str, estate=None):
    from .estate_stage import resolve_in_estate

    check_customer_name(customer)
    check_env_name(env)
    if customer not in project.customer_names():
        raise FgenError(f"no customer '{customer}' under customers/")
    resolved = resolve_in_estate(project, customer, only_envs=[env], estate=estate)
    return resolved.environments[0]


@app.command()
def explain(
    customer: Annotated[str, typer.Argument(help="Customer name.")],
    env: Annotated[str, typer.Argument(help="Environment name.")],
    key: Annotated[str, typer.Argument(help="Key path, e.g. vpc.cidr or services.auth (a prefix shows every "
                                        "value below it).")] = "",
    format_: FormatOpt = Format.text,
) -> None:
    """Show a resolved value and every layer (profile, customer, environment) that set it, with file:line.
    KEY account_baseline: why this environment owns or uses its account's baseline and ECR repositories
    (standby/account_baseline: the same for its warm standby, in the standby region)."""
    from .explain import explain as run_explain

    if key.removeprefix("standby/") in OWNERSHIP_KEYS:
        _explain_ownership(customer, env, format_, standby=key.startswith("standby/"))
        return
    try:
        results = run_explain(_environment(_project(), customer, env), key)
    except FgenError as exc:
        raise _fail(exc) from None
    if format_ is Format.json:
        print(json.dumps({"customer": customer, "environment": env, "values": [r.to_json() for r in results]},
                         indent=2))
        return
    out = _console()
    for r in results:
        out.print(f"[bold]{r.path}[/bold] = {json.dumps(r.value, default=str)}")
        if not r.settings:
            out.print("    (schema default: no manifest or profile sets it)", markup=False)
        for index, setting in enumerate(r.settings):
            won = index == len(r.settings) - 1
            mark = "[green]wins[/green]" if won else "[dim]overridden[/dim]"
            out.print(f"    {mark}  {setting.layer:<11} {setting.file}:{setting.line}  ", end="")
            out.print(json.dumps(setting.value, default=str), markup=False)


#: `fgen explain` keys that are not manifest keys but the estate's ownership decisions
OWNERSHIP_KEYS = ("account_baseline", "ownership")


def _explain_ownership(customer: str, env: str, format_: Format, standby: bool = False) -> None:
    from .estate_stage import load_estate

    try:
        project = _project()
        estate = load_estate(project)
        context = _environment(project, customer, env, estate)  # a known, resolvable environment
        if standby and context.standby_env is None:
            raise FgenError(f"{customer}/{env} has no warm standby (standby.enabled is false)")
        lines = estate.explain(customer, context.standby_env.estate_name if standby else env)
    except FgenError as exc:
        raise _fail(exc) from None
    if format_ is Format.json:
        print(json.dumps({"customer": customer, "environment": env, "ownership": lines}, indent=2))
    else:
        print("\n".join(lines))


class GraphFormat(str, Enum):
    mermaid = "mermaid"
    dot = "dot"
    json = "json"


@app.command()
def graph(
    customer: Annotated[str, typer.Argument(help="Customer name.")],
    env: Annotated[str, typer.Option("--env", help="Environment.")] = "prod",
    format_: Annotated[GraphFormat, typer.Option("--format", help="mermaid, dot or json.")] = GraphFormat.mermaid,
) -> None:
    """Print the unit dependency graph of one environment."""
    from .graph import render_graph

    try:
        print(render_graph(_environment(_project(), customer, env), format_.value))
    except FgenError as exc:
        raise _fail(exc) from None


@app.command()
def new(
    customer: Annotated[str, typer.Argument(help="New customer name (lowercase, DNS-safe).")],
    region: Annotated[str, typer.Option("--region", help="Primary AWS region.")],
    domain: Annotated[str, typer.Option("--domain", help="The customer's DNS domain.")],
    owner: Annotated[str, typer.Option("--owner", help="Owner email (alerts, budgets).")],
    env: Annotated[Optional[list[str]], typer.Option("--env", help="Environment, as NAME or NAME=PROFILE "
                                                     "(repeatable; default dev and prod).")] = None,
) -> None:
    """Scaffold a commented, valid manifest set for a new customer and render it at once."""
    from .resolve import available_profiles
    from .scaffold import scaffold_manifests

    try:
        project = _project()
        check_customer_name(customer)
        folder = project.customers_dir / customer
        if folder.exists() or (project.output_dir / customer).exists():
            raise FgenError(f"customer '{customer}' exists already; fgen new never overwrites a customer")
        profiles = available_profiles(project)
        envs: dict[str, str] = {}
        for item in env or ["dev", "prod"]:
            name, _, profile = item.partition("=")
            check_env_name(name)
            profile = profile or name
            if profile not in profiles:
                raise FgenError(f"--env {item}: no profile '{profile}'; use NAME=PROFILE with one of "
                                f"{', '.join(profiles)}")
            envs[name] = profile
        files = scaffold_manifests(customer, region, domain, owner, envs)
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        from .estate_stage import load_estate

        try:
            estate = load_estate(project, use_cache=False)  # the new customer must fit in the estate
        except FgenError:
            import shutil

            shutil.rmtree(folder)
            raise
    except FgenError as exc:
        raise _fail(exc) from None
    print(f"created {project.rel(folder)}/ ({', '.join(files)})")
    results = run_customers(project, [customer], Options(debug=_State.debug), 1, estate=estate)
    _report(results, Format.text, "write")
    raise typer.Exit(overall_exit(results))


@app.command()
def changed(
    since: Annotated[str, typer.Option("--since", help="Git ref to compare the generated files with.")],
    format_: FormatOpt = Format.text,
) -> None:
    """List the customers, environments and units whose generated files changed since a git ref,
    in dependency order (JSON: a CI matrix)."""
    from .changed import changes_since

    try:
        data = changes_since(_project(), since)
    except FgenError as exc:
        raise _fail(exc) from None
    if format_ is Format.json:
        print(json.dumps(data, indent=2))
        return
    if not data["customers"]:
        print(f"nothing generated changed since {since}")
    for customer in data["customers"]:
        for env in customer["environments"]:
            print(f"{customer['customer']}/{env['environment']}: {', '.join(env['units'])}")


preview_app = typer.Typer(help="Feature-branch previews of a non-production environment (edit its manifest).",
                          no_args_is_help=True, rich_markup_mode=None)
app.add_typer(preview_app, name="preview")


@preview_app.command("add")
def preview_add(
    customer: Annotated[str, typer.Argument(help="Customer name.")],
    branch: Annotated[str, typer.Argument(help="Git branch to preview (any case; / allowed).")],
    services: Annotated[Optional[str], typer.Option("--services", help="Comma-separated services to run "
                                                    "(default: every enabled service).")] = None,
    expires: Annotated[Optional[str], typer.Option("--expires", help="Last day, YYYY-MM-DD "
                                                   "(default: 14 days from today).")] = None,
    image_tag: Annotated[Optional[str], typer.Option("--image-tag", help="Image tag to run "
                                                     "(default: the sanitised branch name).")] = None,
    env: Annotated[str, typer.Option("--env", help="Environment whose manifest gets the preview.")] = "dev",
) -> None:
    """Add a preview of BRANCH to the environment manifest (comments and layout kept), validated
    before it is written; then `fgen render CUSTOMER` creates its unit."""
    from .components.preview import branch_slug, preview_folder
    from .preview_edit import preview_add as add

    try:
        edit = add(_project(), customer, branch, env=env, services=services.split(",") if services is not None
                   else None, expires=expires, image_tag=image_tag)
    except FgenError as exc:
        raise _fail(exc) from None
    slug = branch_slug(branch)
    print(f"added preview {branch!r} to {edit.display}")
    print(f"  unit: output/{customer}/{preview_folder(env, slug)}/")
    print(f"next: fgen render {customer}")


@preview_app.command("remove")
def preview_remove(
    customer: Annotated[str, typer.Argument(help="Customer name.")],
    branch: Annotated[str, typer.Argument(help="Git branch of the preview, as in the manifest.")],
    env: Annotated[str, typer.Option("--env", help="Environment whose manifest holds the preview.")] = "dev",
) -> None:
    """Remove the preview of BRANCH from the environment manifest. Its unit goes through the
    unit-removal guard: destroy it with Terragrunt first, then render with --allow-unit-removal."""
    from .preview_edit import next_steps_after_remove, preview_remove as remove

    try:
        edit = remove(_project(), customer, branch, env=env)
    except FgenError as exc:
        raise _fail(exc) from None
    print(f"removed preview {branch!r} from {edit.display}")
    for step in next_steps_after_remove(customer, env, branch):
        print(f"  - {step}")


def _status_printer(format_: Format):
    if format_ is Format.json or not sys.stderr.isatty():
        return None
    err = _console(stderr=True)
    return lambda message: err.print(f"[dim]{message}[/dim]")


def _run(project: Project, names: list[str], options: Options, jobs: int | None, format_: Format) -> list[CustomerResult]:
    """``run_customers`` with a progress bar on a terminal. When the estate (every customer) has
    problems nothing was planned or written: they are reported (as JSON too) and fgen exits 2."""
    show_progress = format_ is Format.text and sys.stderr.isatty() and len(names) > 1 and not os.environ.get("CI")
    try:
        if not show_progress:
            return run_customers(project, names, options, jobs)
        from rich.progress import Progress

        from rich.console import Console

        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("rendering" if options.mode != "validate" else "validating", total=len(names))
            return run_customers(project, names, options, jobs, progress=lambda: progress.advance(task))
    except FgenError as exc:
        if format_ is Format.json:
            print(json.dumps({"command": options.mode, "exit_code": exc.exit_code, "customers": [],
                              "problems": [str(p) for p in exc.problems]}, indent=2))
        raise _fail(exc) from None


def _report(results: list[CustomerResult], format_: Format, mode: str) -> None:
    if format_ is Format.json:
        print(json.dumps({"command": mode, "exit_code": overall_exit(results),
                          "customers": [r.to_json() for r in results]}, indent=2))
        return
    out = _console()
    err = _console(stderr=True)
    for r in results:
        colour = {"written": "green", "unchanged": "dim", "valid": "green", "differs": "yellow"}.get(r.status, "red")
        out.print(f"[{colour}]{r.status:<9}[/{colour}] {r.customer} ({r.files} files)")
        labels = ("created", "updated", "removed") if mode == "write" else ("missing", "stale", "extra")
        lines = [f"  {label:<8} output/{r.customer}/{path}"
                 for label, paths in zip(labels, (r.missing, r.stale, r.extra)) for path in paths]
        lines += [f"  not fgen's (left alone): output/{r.customer}/{path}" for path in r.unmanaged]
        if mode == "write":
            lines += [f"  deleted  output/{r.customer}/{path} (with its removed unit)" for path in r.removed_tool_artifacts]
        if lines:  # one print: rich's per-call cost adds up over hundreds of files
            out.print("\n".join(lines), markup=False)
        for problem in r.problems:
            err.print(f"error: {problem}", markup=False)
        for warning in r.warnings:
            err.print(f"warning: {warning}", markup=False)
        if r.diff:
            sys.stdout.write(r.diff)


def main() -> None:
    try:
        app()
    except FgenError as exc:  # pragma: no cover - commands catch their own
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except Interrupted as exc:  # Ctrl-C or SIGTERM during a run: workers stopped, trees whole
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # a bug: a short message, the traceback only with --debug
        if _State.debug or "--debug" in sys.argv:
            raise
        print(f"error: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
              file=sys.stderr)
        sys.exit(EXIT_FAILED)


if __name__ == "__main__":  # pragma: no cover
    main()
