"""The README's main job: the demo reproduces torch.nn.LSTM and prints the seeds' summary."""
import subprocess
import sys

from torchseq.cli import main


def test_demo_in_process(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert out.count("-> OK") == 2 and "FAIL" not in out
    assert "4,352" in out and "Total params: 4,385" in out


def test_python_dash_m():
    done = subprocess.run([sys.executable, "-m", "torchseq", "demo", "--seed", "3"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "torch.float64" in done.stdout
