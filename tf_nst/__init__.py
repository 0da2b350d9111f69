"""tf_nst: neural style transfer on TensorFlow 2 / Keras 3.

Python API (the CLI is a thin layer over it)::

    from tf_nst import config
    from tf_nst.media import images
    from tf_nst.optimization import stylize

    cfg = config.base_config(); cfg.steps = 50
    result = stylize.stylize(images.load_image("photo.jpg"), [images.load_image("art.jpg")], cfg)
    images.save_image("out.png", result.image)

    import tf_nst
    model = tf_nst.load_model("starry_night")        # bundled feed-forward network
    out = model(batch)                               # float32 [N, H, W, 3] in 0..255
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    # Imported lazily so that `import tf_nst` (and the CLI's start-up) does not load TensorFlow.
    if name == "load_model":
        from tf_nst.models.loading import load_model
        return load_model
    raise AttributeError(f"module 'tf_nst' has no attribute {name!r}")
