"""Command line: ``python -m lakemodel fetch | build | validate | train | evaluate | list | promote``.

Results go to stdout, stage lines with timings to stderr. Exit codes: 0 ok, 1 operational
failure (data, checksum, registry), 2 usage error (bad arguments, configuration, unknown model or
version), 3 ``list --check-production`` found a configured model without a production version.
Every expected failure is one line on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from typing import Iterator, Sequence, TextIO

from .settings import ESTIMATORS, ConfigError, Settings, UnknownModelError, load_settings
from .sources import DataError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_NO_PRODUCTION = 0, 1, 2, 3


class UsageError(Exception):
    """A mistake in the command line itself."""


class Progress:
    """Stage lines on stderr: ``[  1.2s] stage ...`` then ``done in``; elapsed since start."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.start:6.1f}s] {message}", file=self.stream, flush=True)

    @contextmanager
    def stage(self, label: str) -> Iterator[None]:
        began = time.perf_counter()
        self(f"{label} ...")
        yield
        self(f"{label} done in {time.perf_counter() - began:.2f}s")


# -- commands -----------------------------------------------------------------------------------
def cmd_fetch(settings: Settings, args, say: Progress) -> int:
    from .sources import fetch_all

    with say.stage("fetch"):
        files = fetch_all(settings, progress=lambda name: say(f"  {name}"))
    for f in files.values():
        print(f"{f.name:28s} sha256 {f.sha256[:16]}  {f.path}")
    return EXIT_OK


def _print_report(report: dict) -> None:
    for key, value in (report.get("summary") or {}).items():
        print(f"{key:32s} {value}")
    for table, info in (report.get("tables") or {}).items():
        issues = info.get("issues") or []
        text = ", ".join(f"{i['rule']}({i['column']}): {i['count']} {i['action']}" for i in issues) or "no issues"
        print(f"{table:14s} rows {info.get('rows_in')} -> {info.get('rows_out')}; {text}")


def cmd_build(settings: Settings, args, say: Progress) -> int:
    from .tables import build_tables

    with say.stage("build tables (fetch, validate, write Parquet)"):
        tables = build_tables(settings)
    print(f"tables in {settings.tables_dir}: lakes {len(tables.lakes)}, lake_years {len(tables.lake_years)}, "
          f"ice_out {len(tables.ice_out)}; checksum {tables.checksum[:16]}")
    return EXIT_OK


def cmd_validate(settings: Settings, args, say: Progress) -> int:
    from .tables import build_tables

    with say.stage("validate (fetch, check and build the tables)"):
        tables = build_tables(settings)
    _print_report(tables.report)
    return EXIT_OK


def _tables(settings: Settings, say: Progress):
    from .tables import build_tables, load_tables

    try:
        with say.stage("load tables"):
            return load_tables(settings)
    except DataError:
        with say.stage("tables not built yet: build them"):
            return build_tables(settings)


def _metric_line(name: str, manifest: dict, version: str | None = None) -> str:
    m, iv = manifest["metrics"], manifest.get("interval") or {}
    model, base = m["model"], m["baseline"]
    verdict = "beats baseline" if m.get("beats_baseline") else "DOES NOT beat baseline"
    head = f"{name:16s} {manifest['estimator']:24s}" + (f" {version}" if version else "")
    return (f"{head}  MAE {model['mae']:.4g} vs {base['mae']:.4g} ({base['name']}), RMSE {model['rmse']:.4g} vs "
            f"{base['rmse']:.4g}, R2 {model['r2']:.3f} vs {base['r2']:.3f}, median APE {model['median_ape']:.1%} vs "
            f"{base['median_ape']:.1%}; {verdict}; "
            f"{iv.get('level', 0):.0%} interval coverage {iv.get('coverage', float('nan')):.3f}")


def _names(settings: Settings, args) -> list[str]:
    names = args.model or list(settings.models)
    for name in names:
        if name not in settings.models:
            raise UnknownModelError(f"unknown model {name!r}; configured: {', '.join(settings.models)}")
    return names


def cmd_train(settings: Settings, args, say: Progress) -> int:
    names = _names(settings, args)  # before the heavy imports: a typo answers at once
    from .train import train_all

    tables = _tables(settings, say)
    with say.stage(f"train {', '.join(names)}"):
        trained = train_all(settings, names, args.estimator, tables, promote=not args.no_promote, progress=say)
    for name, t in trained.items():
        print(_metric_line(name, t.manifest, t.version))
    return EXIT_OK


def cmd_evaluate(settings: Settings, args, say: Progress) -> int:
    names = _names(settings, args)
    from .train import train_model

    tables = _tables(settings, say)
    for name in names:
        with say.stage(f"evaluate {name}"):
            trained = train_model(settings, name, tables, args.estimator, progress=say)
        print(_metric_line(name, trained.manifest))
    return EXIT_OK


def cmd_list(settings: Settings, args, say: Progress) -> int:
    from .registry import open_registry_from_settings

    registry = open_registry_from_settings(settings)
    missing = []
    names = list(dict.fromkeys([*settings.models, *registry.list_models()]))
    for name in names:
        versions = registry.list_versions(name)
        production = registry.production_version(name)
        if name in settings.models and production is None:
            missing.append(name)
        print(f"{name:16s} production {production or '-':30s} versions {len(versions)}")
        if args.versions:
            for v in versions:
                print(f"  {v}{'  (production)' if v == production else ''}")
    if args.check_production and missing:
        print(f"no production version for: {', '.join(missing)}", file=sys.stderr)
        return EXIT_NO_PRODUCTION
    return EXIT_OK


def cmd_promote(settings: Settings, args, say: Progress) -> int:
    from .registry import open_registry_from_settings

    if args.name not in settings.models:
        raise UsageError(f"unknown model {args.name!r}; configured: {', '.join(settings.models)}")
    registry = open_registry_from_settings(settings)
    previous = registry.production_version(args.name)
    registry.promote(args.name, args.version)
    print(f"{args.name}: production {previous or '-'} -> {args.version}")
    return EXIT_OK


# -- parser and error mapping -------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lakemodel", description="Minnesota lake data and models: fetch, build, train, publish.")
    parser.add_argument("--config", help="configuration file (default: config/lakes.toml or $LAKES_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    sub.add_parser("fetch", help="download (or copy from the mirror) and verify the raw files")
    sub.add_parser("build", help="fetch, validate and write the tidy tables")
    sub.add_parser("validate", help="build the tables and print the validation report summary")
    for name, text in (("train", "train, evaluate and publish models to the registry"),
                       ("evaluate", "evaluate models on the honest split without publishing")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--model", action="append", metavar="NAME", help="only this model (repeatable)")
        p.add_argument("--estimator", choices=ESTIMATORS, help="override the configured estimator")
        if name == "train":
            p.add_argument("--no-promote", action="store_true", help="publish without switching production")
    p = sub.add_parser("list", help="models in the registry and their production versions")
    p.add_argument("--check-production", action="store_true",
                   help="exit 3 if a configured model has no production version")
    p.add_argument("--versions", action="store_true", help="also list every version")
    p = sub.add_parser("promote", help="make VERSION the production version of model NAME")
    p.add_argument("name", metavar="NAME")
    p.add_argument("version", metavar="VERSION")
    return parser


COMMANDS = {"fetch": cmd_fetch, "build": cmd_build, "validate": cmd_validate, "train": cmd_train,
            "evaluate": cmd_evaluate, "list": cmd_list, "promote": cmd_promote}


def main(argv: Sequence[str] | None = None) -> int:
    from .registry import NotFoundError, RegistryError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        settings = load_settings(args.config)
        return COMMANDS[args.command](settings, args, Progress())
    except SystemExit as exc:  # --help and argparse's own exits
        return int(exc.code or 0)
    except (UsageError, UnknownModelError, NotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DataError, RegistryError) as exc:  # ChecksumError is a DataError; TamperedArtifactError a RegistryError
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
