import os

import pytest
import torch

# Without a GPU the Triton kernels run under Triton's interpreter (tests/triton). Triton reads the switch when it
# is first imported, which any test may cause (torch imports it for its own compiler), so it is set here,
# before any test runs.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")


def pytest_collection_finish(session):
    """Start the Triton kernels' ahead-of-time compile check (tests/triton/test_compile.py) in the background as
    soon as the tests are known: its two compiler processes then overlap the rest of the suite instead of
    adding minutes after it."""
    if any(item.path.name == "test_compile.py" and item.path.parent.name == "triton" for item in session.items):
        from tests.triton.test_compile import start_reports
        start_reports()


def pytest_collection_modifyitems(config, items):
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def gen():
    """A seeded generator: every test draws its own reproducible random numbers."""
    return torch.Generator().manual_seed(1234)


@pytest.fixture(autouse=True)
def seeded_global_rng():
    """Every test starts from the same global RNG state, so what it draws without a generator (a layer's
    initial weights) does not depend on which tests ran before it."""
    with torch.random.fork_rng():
        torch.manual_seed(20261202)
        yield
