"""What the terminal shows: loss terms relative to their start, flags that stand alone (no TensorFlow)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.no_weights  # reads source and plain Python only


def test_progress_terms_are_fractions_of_their_first_value():
    from tf_nst.core.console import RelativeTerms
    relative = RelativeTerms()
    assert relative({"style": 1151326355456.0, "tv": 0.0}) == [("style/first", 1.0), ("tv", 0.0)]
    assert relative({"style": 575663177728.0, "tv": 3.0}) == [("style/first", 0.5), ("tv", 3.0)]
    assert relative.labels == ["style/first", "tv"]
    assert set(relative.labels) <= set(RelativeTerms.possible_labels(["style", "tv"]))


def test_a_term_that_starts_at_zero_is_a_fraction_of_the_largest_first_term():
    from tf_nst.core.console import RelativeTerms
    relative = RelativeTerms()  # a run from the photo: the content loss starts at float noise
    assert relative({"content": 0.0015, "style": 2e13, "total": 2e13}) == [
        ("content/first_total", 0.0015 / 2e13), ("style/first", 1.0), ("total/first", 1.0)]
    assert relative({"content": 1e11, "style": 4e11, "total": 5e11})[0] == ("content/first_total", 0.005)
    assert RelativeTerms()({"a": 0.0, "b": 0.0}) == [("a", 0.0), ("b", 0.0)]


@pytest.mark.parametrize("argv, expected", [
    (["tf-nst transfer", "--preserve_color"], ["tf-nst transfer", "--preserve_color=luminance"]),
    (["x", "--preserve_color", "--input=a.jpg"], ["x", "--preserve_color=luminance", "--input=a.jpg"]),
    (["x", "--preserve_color", "histogram"], ["x", "--preserve_color", "histogram"]),
    (["x", "--config.preserve_color"], ["x", "--config.preserve_color=luminance"]),
    (["x", "--preserve_color=none"], ["x", "--preserve_color=none"]),
])
def test_preserve_color_alone_means_luminance(argv, expected):
    from tf_nst.cli.common import with_bare_flag_values
    assert with_bare_flag_values(argv) == expected


@pytest.mark.parametrize("spec, resolved", [
    ("gatys2016", "presets/gatys2016.py"), ("yu_chang_vgg16:1000", "presets/yu_chang_vgg16.py:1000"),
    ("configs/johnson2016.py", "presets/johnson2016.py"), ("no_such_preset", "no_such_preset"),
])
def test_a_preset_by_bare_name_or_old_path(spec, resolved):
    from tf_nst.config.presets import preset_names, resolve_config_path
    assert resolve_config_path(spec).endswith(resolved)
    assert {"default", "default_training", "gatys2016", "li2017_universal"} <= set(preset_names())
