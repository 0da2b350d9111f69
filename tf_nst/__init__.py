"""tf_nst: neural style transfer on TensorFlow 2 / Keras 3.

Python API (the CLI is a thin layer over it)::

    from tf_nst import images, config, stylize
    cfg = config.base_config(); cfg.steps = 50
    result = stylize.stylize(images.load_image("photo.jpg"), [images.load_image("art.jpg")], cfg)
    images.save_image("out.png", result.image)
"""

__version__ = "0.1.0"
