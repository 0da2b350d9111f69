"""What the CPU can do and which kernels TensorFlow uses (tf_nst.core.cpu), each in a fresh process:
the choice is made once, when TensorFlow is imported."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.no_weights

PROBE = """
import sys
from tf_nst.core import cpu
predicted = cpu.convolution_engine()
enabled_now = cpu.enable_onednn() if sys.argv[1] == "enable" else None
import tensorflow
from tensorflow.python.util import _pywrap_util_port
print(predicted, _pywrap_util_port.IsMklEnabled(), enabled_now, cpu.enable_onednn())
"""


def _python(code: str, argument: str, **environment: str) -> list[str]:
    """The words ``code`` prints in a fresh Python, without the TF_ENABLE_ONEDNN_OPTS the tests set."""
    env = {key: value for key, value in os.environ.items() if key != "TF_ENABLE_ONEDNN_OPTS"}
    env.update(environment)
    done = subprocess.run([sys.executable, "-c", code, argument], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def _probe(mode: str, **environment: str) -> list[str]:
    return _python(PROBE, mode, **environment)


def test_the_engine_predicted_without_importing_tensorflow_is_the_one_it_picks():
    predicted, enabled, _, _ = _probe("leave")  # TensorFlow's own default for this CPU
    assert enabled == ("True" if predicted == "oneDNN" else "False")


def test_entry_points_turn_onednn_on_unless_the_user_said_otherwise_and_only_before_tensorflow():
    _, enabled, enabled_now, too_late = _probe("enable")
    assert (enabled, enabled_now, too_late) == ("True", "True", "False")  # on AVX2 CPUs too
    predicted, enabled, _, _ = _probe("enable", TF_ENABLE_ONEDNN_OPTS="0")
    assert (predicted, enabled) == ("Eigen", "False")  # the user's choice is kept


def test_precision_auto_takes_no_bf16_from_eigen_which_emulates_it(monkeypatch):
    from tf_nst.core import cpu
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert cpu.convolution_engine() == "Eigen" and not cpu.native_bf16()
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    hardware = bool(cpu._flags() & {"amx_bf16", "avx512_bf16"}) and cpu.isa_cap() not in cpu.ISAS_WITHOUT_BF16
    assert cpu.native_bf16() == hardware


@pytest.mark.parametrize("subcommand, expected", [("stylize", "1"), ("train", "1"), ("transfer", None)])
def test_tf_nst_asks_for_onednn_for_the_subcommands_with_backward_passes_only(subcommand, expected):
    code = ("import os, sys\nfrom tf_nst.cli import main\ntry:\n    main.main(['tf-nst', sys.argv[1], '--helpshort'])\n"
            "except SystemExit:\n    pass\nprint(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))")
    assert _python(code, subcommand)[-1] == str(expected)
