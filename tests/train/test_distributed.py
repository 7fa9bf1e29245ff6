"""DistributedDataParallel on 2 CPU processes (gloo, launched by torchrun) reaches the same weights as one
process with the same global batch: the sampler gives rank r every other sample of each global batch and
DDP averages the two half-batch gradients into the full-batch one."""
import socket
import subprocess
import sys
from pathlib import Path

import torch

WORKER = Path(__file__).with_name("ddp_worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_processes_equal_one(tmp_path):
    single, double = tmp_path / "single.pt", tmp_path / "double.pt"
    subprocess.run([sys.executable, str(WORKER), str(single)], check=True, timeout=300)
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                           "--master_addr", "127.0.0.1", "--master_port", str(free_port()), str(WORKER), str(double)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    a, b = torch.load(single), torch.load(double)
    assert (a["world"], b["world"]) == (1, 2)
    for name in a["weights"]:
        torch.testing.assert_close(b["weights"][name], a["weights"][name], rtol=1e-10, atol=1e-12, msg=name)
    for key in ("loss", "val_loss", "val_mae"):
        assert all(abs(u - v) < 1e-10 for u, v in zip(a["history"][key], b["history"][key])), key


def test_the_backend_follows_the_trainers_device_not_the_machine(monkeypatch):
    """Under torchrun, a trainer on the CPU joins with gloo even where CUDA is available (NCCL cannot reduce CPU
    tensors: "No backend type associated with device type cpu"); a CUDA trainer would take NCCL."""
    import torchseq.train.trainer as trainer_module
    from torchseq.train import Trainer
    chosen = []
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(trainer_module.dist, "is_initialized", lambda: False)
    monkeypatch.setattr(trainer_module.dist, "init_process_group", lambda backend: chosen.append(backend))
    Trainer(torch.nn.Linear(2, 1), device="cpu", verbose=0)
    assert chosen == ["gloo"]
    assert trainer_module._backend(torch.device("cuda", 0)) == "nccl"
