"""Command line: ``torchseq <command>`` (also ``python -m torchseq <command>``)."""
from __future__ import annotations

import argparse
import sys
from typing import List, Optional


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torchseq", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="hand-written LSTM vs torch.nn.LSTM with copied weights, and a summary")
    demo.add_argument("--seed", type=int, default=0, help="random seed of weights and inputs (default 0)")
    demo.set_defaults(run=_demo)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    return run_demo(seed=args.seed)


def main(argv: Optional[List[str]] = None) -> int:
    """Parse the command line and run the command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
