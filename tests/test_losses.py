"""Loss math against NumPy on small tensors."""
import numpy as np
import pytest
import tensorflow as tf

from tf_nst.perceptual import losses

RNG = np.random.default_rng(0)


def numpy_gram(f):  # [N, H, W, C]
    n, h, w, c = f.shape
    flat = f.reshape(n, h * w, c)
    return np.einsum("npc,npd->ncd", flat, flat) / (h * w)


def test_gram_matrix_matches_numpy():
    features = RNG.normal(size=(2, 5, 7, 4)).astype(np.float32)
    np.testing.assert_allclose(losses.gram_matrix(tf.constant(features)).numpy(), numpy_gram(features), rtol=1e-5)


@pytest.mark.parametrize("form,expected", [
    ("half_sum", lambda d: 0.5 * np.sum(d**2)),
    ("mean", lambda d: np.mean(d**2)),
])
def test_content_loss_forms(form, expected):
    x, p = RNG.normal(size=(1, 4, 6, 3)).astype(np.float32), RNG.normal(size=(1, 4, 6, 3)).astype(np.float32)
    assert float(losses.content_loss(tf.constant(x), tf.constant(p), form)) == pytest.approx(expected(x - p), rel=1e-5)


def test_gatys_style_loss_equals_paper_formula_on_raw_grams():
    """E_l = 1/(4 N^2 M^2) sum (G - A)^2 with raw Grams G = F^T F of N channels and M positions."""
    x, s = RNG.normal(size=(1, 6, 5, 8)).astype(np.float32), RNG.normal(size=(1, 6, 5, 8)).astype(np.float32)
    n, m = 8, 30
    raw = lambda f: f.reshape(m, n).T @ f.reshape(m, n)
    expected = np.sum((raw(x) - raw(s)) ** 2) / (4 * n**2 * m**2)
    got = losses.gram_loss(losses.gram_matrix(tf.constant(x)), losses.gram_matrix(tf.constant(s)), "gatys")
    assert float(got) == pytest.approx(expected, rel=1e-4)


def test_tutorial_style_forms():
    x, s = RNG.normal(size=(1, 3, 4, 5)).astype(np.float32), RNG.normal(size=(1, 3, 4, 5)).astype(np.float32)
    dg = numpy_gram(x) - numpy_gram(s)
    gx, gs = losses.gram_matrix(tf.constant(x)), losses.gram_matrix(tf.constant(s))
    assert float(losses.gram_loss(gx, gs, "mean_hw")) == pytest.approx(np.mean(dg**2), rel=1e-4)
    assert float(losses.gram_loss(gx, gs, "mean_chw")) == pytest.approx(np.mean((dg / 5) ** 2), rel=1e-4)


def test_total_variation_matches_numpy():
    image = RNG.uniform(size=(1, 6, 7, 3)).astype(np.float32)
    expected = np.abs(np.diff(image, axis=1)).sum() + np.abs(np.diff(image, axis=2)).sum()
    assert float(losses.total_variation(tf.constant(image))) == pytest.approx(expected, rel=1e-5)


def test_style_targets_blend_grams_with_normalised_weights():
    a = {"l": tf.constant(RNG.normal(size=(1, 4, 4, 3)).astype(np.float32))}
    b = {"l": tf.constant(RNG.normal(size=(1, 6, 2, 3)).astype(np.float32))}
    loss = losses.GramStyleLoss(["l"])
    loss.set_targets([a, b], [3.0, 1.0])
    expected = 0.75 * numpy_gram(a["l"].numpy()) + 0.25 * numpy_gram(b["l"].numpy())
    np.testing.assert_allclose(loss.target_grams["l"].numpy(), expected, rtol=1e-5)
    assert float(loss({"l": tf.constant(expected[0][None, None, :1, :] * 0)})) > 0


def test_layer_weights_default_to_equal_shares():
    loss = losses.ContentLoss(["a", "b"])
    assert loss.layer_weights == {"a": 0.5, "b": 0.5}
    loss.set_target({"a": tf.zeros((1, 2, 2, 1)), "b": tf.zeros((1, 2, 2, 1))})
    value = loss({"a": tf.ones((1, 2, 2, 1)), "b": 3 * tf.ones((1, 2, 2, 1))})
    assert float(value) == pytest.approx(0.5 * 0.5 * 4 + 0.5 * 0.5 * 36)


def test_laplacian_loss_is_zero_on_the_photo_one_on_a_flat_image_and_matches_numpy():
    rng = np.random.default_rng(0)
    photo = rng.uniform(0, 255, (1, 20, 26, 3)).astype(np.float32)
    term = losses.LaplacianLoss(pool=2)
    term.set_target(tf.constant(photo))
    assert float(term(tf.constant(photo / 255.0))) == pytest.approx(0.0, abs=1e-6)
    assert float(term(tf.fill([1, 20, 26, 3], 0.5))) == pytest.approx(1.0, rel=1e-5)  # relative to the photo's energy
    pooled = photo.reshape(1, 10, 2, 13, 2, 3).mean(axis=(2, 4))
    expected = (4 * pooled[:, 1:-1, 1:-1] - pooled[:, :-2, 1:-1] - pooled[:, 2:, 1:-1]
                - pooled[:, 1:-1, :-2] - pooled[:, 1:-1, 2:])
    np.testing.assert_allclose(losses.laplacian(tf.constant(photo), 2).numpy(), expected, rtol=1e-4, atol=1e-3)
