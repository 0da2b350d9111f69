"""Gatys, Ecker & Bethge (CVPR 2016), "Image Style Transfer Using CNNs": the classic reference.

VGG19, content relu4_2, style relu1_1..relu5_1 with w_l = 1/5, E_l = sum (G-A)^2 / (4 N^2 M^2),
content 1/2 sum (F-P)^2, L-BFGS. The ratio alpha/beta = 1e-3 is the paper's Fig. 2 setting.
The paper starts from white noise; starting from the content photo (its Fig. 6 shows both)
converges in far fewer iterations, so it is the default here: ``--config.init=noise`` for the
paper's start.
"""
from tf_nst.config import base_config


def get_config():
    config = base_config()
    config.backbone = "vgg19"
    config.content_layers = ("relu4_2",)
    config.style_layers = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    config.content_loss = "half_sum"
    config.style_loss = "gatys"
    config.content_weight = 1.0
    config.style_weight = 1e3
    config.optimizer = "lbfgs"
    config.steps = 500
    config.image_size = 512
    config.init = "content"
    return config
