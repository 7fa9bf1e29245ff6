"""Command line: ``torchseq <command>`` (also ``python -m torchseq <command>``)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from ._io import write_atomic
from ._runs import add_arguments as add_run_arguments, run_folder
from ._cli_types import count, device, positive_int, probability
from .reproduce import command as reproduce_command
from .train import command as train_command
from .train.progress import say

BENCHMARKS = ("recurrent_vs_torch", "bidirectional_vs_torch", "dropout_overhead", "conv_vs_torch", "wavenet_generation", "windows_vs_generator")
# The scripts that take --device (all but the data-pipeline one) and --tf32 (those on benchmarks/timing.py's
# shared command line).
TAKES_TF32 = ("recurrent_vs_torch", "bidirectional_vs_torch", "dropout_overhead", "conv_vs_torch")
TAKES_DEVICE = TAKES_TF32 + ("wavenet_generation",)


DESCRIPTION = ("torchseq: the sequence models of the standard courses, hand-written in PyTorch and proved equal to "
               "torch.nn. Each command has its own options: torchseq COMMAND --help.")


class DefaultsFormatter(argparse.HelpFormatter):
    """Help text with each option's default where it has one (and the help does not already say it)."""

    def _get_help_string(self, action):
        text = action.help or ""
        shown = action.default not in (None, False, argparse.SUPPRESS) and not isinstance(action.default, bool)
        if shown and "default" not in text and action.option_strings:
            text += f" (default: {action.default})"
        return text


def _version() -> str:
    import platform

    import torch

    from . import __version__
    return f"torchseq {__version__} (torch {torch.__version__}, Python {platform.python_version()})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torchseq", description=DESCRIPTION, formatter_class=DefaultsFormatter)
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an error instead of its one-line message")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="hand-written LSTM vs torch.nn.LSTM with copied weights, and a summary")
    demo.add_argument("--seed", type=count, default=0, help="random seed of weights and inputs (default 0)")
    demo.set_defaults(run=_demo)
    experiment = commands.add_parser("experiment", help="run one of the study experiments")
    experiment.add_argument("name", choices=["dropout", "odyssey"],
                            help="dropout: naive per-step vs variational dropout; odyssey: the LSTM variants of "
                                 "Greff et al. 2017 on the adding problem, a recall task and sequential digits")
    experiment.add_argument("--quick", action="store_true", help="test-sized run (seconds), clearly labelled")
    experiment.add_argument("--epochs", type=positive_int, help="override the number of epochs")
    experiment.add_argument("--layer", choices=["LSTM", "GRU", "SimpleRNN"], help="dropout: recurrent layer (default LSTM)")
    experiment.add_argument("--dropout", type=probability, help="dropout: input dropout rate (default 0)")
    experiment.add_argument("--recurrent-dropout", type=probability, help="dropout: recurrent dropout rate (default 0.3)")
    experiment.add_argument("--tasks", nargs="+", choices=["adding", "recall", "digits"],
                            help="odyssey: which tasks (default all three; digits needs scikit-learn)")
    experiment.add_argument("--variants", nargs="+", choices=["V", "NIG", "NFG", "NOG", "NIAF", "NOAF", "CIFG", "NP",
                                                              "FGR"], help="odyssey: which variants (default all; V is "
                                                                           "always run)")
    experiment.add_argument("--seeds", type=count, nargs="+", help="seeds to repeat the run with (default 0 1 2)")
    experiment.add_argument("--device", type=device, default="cpu", help="cpu or cuda (default cpu)")
    experiment.add_argument("--quiet", action="store_true", help="only the table: no progress lines")
    add_run_arguments(experiment, "experiment")
    experiment.set_defaults(run=_experiment)
    train_command.add_parser(commands)
    reproduce_command.add_parser(commands)
    verify = commands.add_parser(
        "verify", help="prove torchseq equal to torch.nn (cuDNN on a GPU), Keras and its equations on this machine",
        description="Run the library's parity checks here and print one table: every layer torch.nn has against "
                    "torch.nn (cuDNN on a GPU) with outputs, states and every gradient; Keras' layers when Keras "
                    "is installed; every other cell through torchseq.testing.check_cell (NumPy equations, "
                    "gradcheck, the layer contract). Exit status 1 when a row fails.")
    verify.add_argument("--device", type=device, default="cpu", help="cpu or cuda")
    verify.add_argument("--dtype", nargs="+", choices=["float64", "float32", "tf32", "bfloat16"],
                        help="which comparisons with torch.nn (default float64 float32; on cuda also tf32 bfloat16: "
                             "float32 with TF32 products, and bfloat16)")
    verify.add_argument("--quick", action="store_true", help="small shapes and only the cells torch.nn lacks: "
                                                             "about half a minute on a CPU")
    verify.add_argument("--json", action="store_true", help="print JSON (machine, passed, rows) instead of the table")
    verify.set_defaults(run=_verify)
    bench = commands.add_parser("bench", help="run the benchmark scripts of the source checkout",
                                description="Run the benchmark scripts in benchmarks/ (they ship with the source "
                                            "checkout); their tables go to a run folder under torchseq-runs/bench/, "
                                            "or with --save-results to benchmarks/results/.")
    bench.add_argument("names", nargs="*", metavar="NAME", help=f"which to run (default all): {', '.join(BENCHMARKS)}")
    bench.add_argument("--quick", action="store_true", help="small shapes: under a minute each on a CPU")
    add_run_arguments(bench, "bench")
    bench.add_argument("--save-results", action="store_true",
                       help="write the maintained tables in benchmarks/results/ instead of a run folder")
    bench.add_argument("--device", type=device, help="cpu, cuda or cuda:K (default: cuda when available); given to "
                                        + ", ".join(TAKES_DEVICE))
    bench.add_argument("--tf32", choices=["default", "off", "on"],
                       help="TF32 on CUDA: PyTorch's defaults (cuDNN on, matrix products off), both off, or both "
                            "on; given to " + ", ".join(TAKES_TF32))
    bench.set_defaults(run=_bench)
    for command in commands.choices.values():
        command.formatter_class = DefaultsFormatter
    return parser


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    return run_demo(seed=args.seed)


ONLY_FOR = {"dropout": ("tasks", "variants"), "odyssey": ("layer", "dropout", "recurrent_dropout")}


def _experiment(args: argparse.Namespace) -> int:
    wrong = [name for name in ONLY_FOR[args.name] if getattr(args, name) is not None]
    if wrong:
        options = ", ".join("--" + name.replace("_", "-") for name in wrong)
        raise ValueError(f"{options} belong{'s' * (len(wrong) == 1)} to another experiment, not {args.name}")
    return _odyssey(args) if args.name == "odyssey" else _dropout(args)


def _odyssey(args: argparse.Namespace) -> int:
    from .experiments.odyssey import OdysseyExperiment, markdown, plot, run_odyssey, with_options
    variants = None if args.variants is None else tuple(dict.fromkeys(["V", *args.variants]))
    cfg = with_options(OdysseyExperiment.quick() if args.quick else OdysseyExperiment(), epochs=args.epochs,
                       tasks=tuple(args.tasks) if args.tasks else None, variants=variants,
                       seeds=tuple(args.seeds) if args.seeds else None)
    stem = "odyssey" + ("_quick" if args.quick else "")
    out = run_folder("experiment", stem, args.run_name, args.out, args.overwrite)
    runs = len(cfg.tasks) * len(cfg.variants) * len(cfg.seeds)
    if not args.quiet:
        say(f"experiment odyssey{' (QUICK smoke run)' if args.quick else ''}: {runs} runs; results go to {out}{os.sep}")
    result = run_odyssey(cfg, device=args.device, log=None if args.quiet else say)
    return _write_experiment(out, stem, result, markdown(result), plot, args.quick)


def _write_experiment(out: Path, stem: str, result: dict, table: str, plot, quick: bool) -> int:
    """An experiment's JSON, Markdown table (labelled as a smoke run when ``quick``) and figure in ``out``."""
    import json

    table = ("QUICK (test-sized) run\n\n" if quick else "") + table
    write_atomic(out / f"{stem}.json", json.dumps(result, indent=1))
    write_atomic(out / f"{stem}.md", table)
    drawn = plot(result, out / f"{stem}.png", quick=quick)
    print(table)
    print(f"wrote {out / stem}.json, .md" + (", .png" if drawn else " (no PNG: matplotlib is not installed)")
          + f"; results in {out}{os.sep}")
    return 0


def _dropout(args: argparse.Namespace) -> int:
    from .experiments.dropout import DropoutExperiment, markdown, plot, run_dropout_experiment, with_options
    cfg = with_options(DropoutExperiment.quick() if args.quick else DropoutExperiment(), epochs=args.epochs,
                       layer=args.layer, dropout=args.dropout, recurrent_dropout=args.recurrent_dropout,
                       seeds=tuple(args.seeds) if args.seeds else None)
    stem = "dropout_experiment" + ("_quick" if args.quick else "")
    out = run_folder("experiment", stem, args.run_name, args.out, args.overwrite)
    if not args.quiet:
        say(f"experiment dropout{' (QUICK smoke run)' if args.quick else ''}: {len(cfg.seeds) * 3} runs; results "
            f"go to {out}{os.sep}")
    result = run_dropout_experiment(cfg, device=args.device, verbose=0, log=None if args.quiet else say)
    return _write_experiment(out, stem, result, markdown(result), plot, args.quick)


def _verify(args: argparse.Namespace) -> int:
    from .verify import as_json, passed, run_verify, table
    rows = run_verify(args.device, args.dtype, args.quick, log=None if args.json else say)
    print(as_json(rows) if args.json else table(rows))
    return 0 if passed(rows) else 1


def _bench(args: argparse.Namespace) -> int:
    import subprocess

    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        raise ValueError(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(BENCHMARKS)})")
    folder = Path(__file__).resolve().parents[1] / "benchmarks"
    if not folder.is_dir():
        raise FileNotFoundError(f"the benchmark scripts ship with the source checkout; {folder} is missing")
    if args.save_results and (args.out is not None or args.run_name is not None or args.quick):
        raise ValueError("--save-results writes the maintained tables in benchmarks/results/: it takes neither "
                         "--out, --name nor --quick")
    out = folder / "results" if args.save_results else run_folder("bench", "quick" if args.quick else "full",
                                                                 args.run_name, args.out, args.overwrite)
    # The scripts import the torchseq that launched them, installed or not.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(folder.parent), os.environ.get("PYTHONPATH")])))
    names = args.names or BENCHMARKS
    say(f"bench: {len(names)} script{'s' * (len(names) > 1)}{' (quick shapes)' if args.quick else ''}; results go "
        f"to {out}{os.sep}")
    for k, name in enumerate(names, 1):
        command = ([sys.executable, str(folder / f"{name}.py")] + (["--quick"] if args.quick else [])
                   + ["--out", str(out.resolve())]
                   + (["--device", args.device] if args.device and name in TAKES_DEVICE else [])
                   + (["--tf32", args.tf32] if args.tf32 and name in TAKES_TF32 else []))
        say(f"[{k}/{len(names)}] {name}: $ {' '.join(command)}")
        before = _files(out)
        done = subprocess.run(command, cwd=folder.parent, env=env)
        if done.returncode:
            return done.returncode
        written = sorted(path for path, stamp in _files(out).items() if before.get(path) != stamp)
        say(f"[{k}/{len(names)}] {name}: wrote " + (", ".join(str(out / w) for w in written) or "nothing"))
    say(f"results in {out}{os.sep}")
    return 0


def _files(folder: Path) -> dict:
    """{relative path: (size, mtime)} of every file under ``folder``."""
    return {str(f.relative_to(folder)): (f.stat().st_size, f.stat().st_mtime_ns) for f in folder.rglob("*") if f.is_file()}


def main(argv: Optional[List[str]] = None) -> int:
    """Parse the command line and run the command; returns the process exit code: 0 done, 2 a bad flag or
    input or a missing optional package (one line naming it, as argparse does), 1 a run that diverged. ``--debug`` re-raises instead."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, TypeError, OSError, ImportError, FloatingPointError) as error:
        if args.debug:
            raise
        print(f"torchseq {args.command}: error: {error}", file=sys.stderr)
        return 1 if isinstance(error, FloatingPointError) else 2


if __name__ == "__main__":
    sys.exit(main())
