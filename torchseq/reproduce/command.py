"""``torchseq reproduce NAME``: run a reproduction, print its table, write JSON, markdown and a PNG to --out."""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from .._cli_types import count, device, positive_int
from .._runs import add_arguments as add_run_arguments, run_folder
from ..train.progress import say
from . import NAMES

CHECKOUT_ARCHIVE = Path(__file__).resolve().parents[3] / "shared" / "data" / "aclImdb_v1.tar.gz"
TITLES = {"geron15": "Hands-On ML ch. 15: forecasting the synthetic series",
          "chollet-imdb": "Deep Learning with Python ch. 6: IMDB sentiment",
          "chollet-jena": "Deep Learning with Python 6.3: Jena temperature 24 h ahead",
          "stocks": "RNN lecture: daily High price, 6 steps after a 7-day window"}


def add_parser(commands) -> None:
    p = commands.add_parser("reproduce", help="rerun one of the books' result tables",
                            description="Rerun a published result table with torchseq: prints model, torchseq "
                                        "result, published result, ratio, epochs, wall time and device, and writes "
                                        "NAME.json, NAME.md and NAME.png (learning curves) to a run folder, "
                                        "torchseq-runs/reproduce/NAME-DATE-TIME/ (or --name, --out).")
    p.add_argument("name", choices=NAMES, help="geron15 (synthetic, no download) | chollet-imdb (aclImdb archive) | "
                                               "chollet-jena (Jena CSV/zip, downloaded if not given) | stocks "
                                               "(a daily-price CSV)")
    p.add_argument("--only", nargs="+", metavar="ROW", help="run only these rows; " + "; ".join(
        f"{name}: {' '.join(_rows(name))}" for name in NAMES))
    p.add_argument("--epochs", type=positive_int, help="override the book's epochs (labelled in the output)")
    p.add_argument("--data", type=Path, help="the dataset file: aclImdb_v1.tar.gz or folder, Jena CSV/zip, price CSV")
    p.add_argument("--ticker", help="stocks: the ticker (Name column) when the CSV holds several")
    p.add_argument("--start", metavar="DATE", help="stocks: keep the prices from this ISO date on (e.g. 2014-03-12)")
    p.add_argument("--end", metavar="DATE", help="stocks: keep the prices up to this ISO date (included)")
    p.add_argument("--device", type=device, default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--seed", type=count, default=0, help="seed of the weights, shuffling and dropout (default 0)")
    p.add_argument("--quick", action="store_true",
                   help="a labelled smoke run: geron15 keeps the data and trains 2 epochs; the others use a small "
                        "slice, or a generated stand-in when no --data is found")
    p.add_argument("--quiet", action="store_true", help="only the table: no progress bars or per-epoch lines")
    add_run_arguments(p, "reproduce")
    p.set_defaults(run=run)


def _rows(name: str):
    """The row keys of reproduction ``name`` (what --only takes)."""
    from importlib import import_module
    return import_module(f".{name.replace('-', '_')}", __package__).ROWS


def _fail(message: str) -> int:
    print(f"torchseq reproduce: error: {message}", file=sys.stderr)
    return 2


def _imdb_archive(args):
    for candidate in (args.data, os.environ.get("TORCHSEQ_IMDB"), CHECKOUT_ARCHIVE):
        if candidate and Path(candidate).exists():
            return Path(candidate)
    from ..data import cache_dir
    cached = cache_dir() / "aclImdb_v1.tar.gz"
    return cached if cached.exists() else None


def _check(args) -> None:
    """The flags that cannot work together, refused before anything is written."""
    unused = [f"--{name}" for name in ("ticker", "start", "end") if getattr(args, name) is not None]
    if unused and args.name != "stocks":
        raise ValueError(f"{', '.join(unused)} only apply to stocks, not {args.name}")
    if args.data is None and (args.start or args.end):
        raise ValueError("--start/--end select days of a price file: pass --data too")


def _run_experiment(args, log):
    """(results, settings, note) of the chosen reproduction."""
    overrides = {"seed": args.seed, **({"epochs": args.epochs} if args.epochs else {})}
    return RUNNERS[args.name](args, overrides, log)


class RowLog:
    """Prints each finished row as ``[k/n] row: result``, so a long run shows where it is."""

    def __init__(self, name: str, only, quiet: bool = False):
        from . import report
        self.count, self.total, self.quiet = 0, len(report.select_rows(name, _rows(name), only)), quiet

    def __call__(self, line: str) -> None:
        self.count += 1
        if not self.quiet:
            say(f"[{self.count}/{self.total}] {line}")


def _geron15(args, overrides, log):
    from . import geron15 as module
    cfg = module.Geron15.quick_run(**overrides) if args.quick else module.Geron15(**overrides)
    return module.run(cfg, args.only, args.device, log), cfg, ""


def _chollet_imdb(args, overrides, log):
    from .. import data as D
    from . import chollet_imdb as module
    archive = _imdb_archive(args)
    if archive is None and not args.quick:
        raise FileNotFoundError("chollet-imdb needs the aclImdb archive: pass --data (aclImdb_v1.tar.gz or the "
                                f"aclImdb folder), set TORCHSEQ_IMDB, or place it at {CHECKOUT_ARCHIVE}")
    reviews = D.load_imdb(archive) if archive else D.review_sample(400, 400)
    note = f"data: {archive}" if archive else "data: generated stand-in (torchseq.data.review_sample), not IMDB"
    cfg = module.CholletImdb.quick_run(**overrides) if args.quick else module.CholletImdb(**overrides)
    return module.run(reviews, cfg, args.only, args.device, log), cfg, note


def _chollet_jena(args, overrides, log):
    from .. import data as D
    from . import chollet_jena as module
    if args.quick and args.data is None:
        table, note = D.jena_sample(8000), "data: generated stand-in (torchseq.data.jena_sample), not Jena"
    else:
        table = D.load_jena(args.data, check_rows=not args.quick) if args.data else D.load_jena()
        note = f"data: {args.data or 'Jena (cache)'}"
    cfg = module.CholletJena.quick_run(len(table), **overrides) if args.quick else module.CholletJena(**overrides)
    return module.run(table, cfg, args.only, args.device, log), cfg, note


def _stocks(args, overrides, log):
    from .. import data as D
    from . import stocks as module
    if args.data is None and not args.quick:
        raise FileNotFoundError("stocks needs a daily-price CSV: pass --data (and --ticker when it holds several)")
    if args.data is None:
        frame = D.price_sample(300)
        series, note = frame.set_index("date")["high"], "data: generated stand-in (torchseq.data.price_sample)"
    else:
        series = D.load_prices(args.data, args.ticker, start=args.start, end=args.end)
        note = " ".join(filter(None, [f"data: {args.data}", args.ticker,
                                      f"{series.index[0]:%Y-%m-%d} to {series.index[-1]:%Y-%m-%d}, {len(series)} days"]))
    cfg = module.Stocks.quick_run(**overrides) if args.quick else module.Stocks(**overrides)
    return module.run(series, cfg, args.only, args.device, log), cfg, note


# One runner per reproduction name: (args, overrides, log) -> (results, settings, note).
RUNNERS = {"geron15": _geron15, "chollet-imdb": _chollet_imdb, "chollet-jena": _chollet_jena, "stocks": _stocks}


def run(args: argparse.Namespace) -> int:
    from .report import write
    from .training import reporting
    stem = args.name.replace("-", "_") + ("_quick" if args.quick else "")
    try:
        _check(args)
        log = RowLog(args.name, args.only, args.quiet)
        out = run_folder("reproduce", stem, args.run_name, args.out, args.overwrite)
        if not args.quiet:
            say(f"reproduce {args.name}{' (QUICK smoke run)' if args.quick else ''}: {log.total} rows; results go "
                f"to {out}{os.sep}")
        with reporting(0 if args.quiet else "auto"):
            results, cfg, note = _run_experiment(args, log)
    except (ValueError, FileNotFoundError) as error:
        return _fail(str(error))
    labels = (["QUICK (smoke) run: not a reproduction"] if args.quick else []) + \
             ([f"epochs overridden: {args.epochs}"] if args.epochs else []) + ([note] if note else [])
    table = write(results, out, stem, TITLES[args.name], dataclasses.asdict(cfg), "; ".join(labels), args.quick)
    print(table)
    print(f"wrote {out / stem}.json, .md, .png; results in {out}{os.sep}")
    return 0
