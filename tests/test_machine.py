"""The processor's name for result records: /proc/cpuinfo's "model name", else what ``platform`` knows."""
import platform

from torchseq._machine import cpu_model


def test_cpu_model_from_cpuinfo_else_platform(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n")
    assert cpu_model(info) == "AMD EPYC 7B13"
    info.write_text("processor\t: 0\n")                                                  # no model name line
    assert cpu_model(info) == (platform.processor() or platform.machine())
    assert cpu_model(tmp_path / "absent") == cpu_model(info)
