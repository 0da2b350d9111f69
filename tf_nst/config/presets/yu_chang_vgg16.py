"""Yu & Chang, reduced-layer Gatys on VGG16: only conv1_2, conv3_3 and conv5_3, from the content image.

Content and style both use the three layers; a:b = 1:10 by default, the paper's 1:1000
variant is ``--config=yu_chang_vgg16:1000``. The paper's "learning rate 1e-5"
is a raw step on its unnormalised sums; here Adam takes steps in [0, 1] pixel units.
"""
from tf_nst.config import base_config


def get_config(style_weight="10"):
    config = base_config()
    config.backbone = "vgg16"
    config.content_layers = ("conv1_2", "conv3_3", "conv5_3")
    config.style_layers = ("conv1_2", "conv3_3", "conv5_3")
    config.content_loss = "half_sum"
    config.style_loss = "gatys"
    config.content_weight = 1.0
    config.style_weight = float(style_weight)
    config.optimizer = "adam"
    config.learning_rate = 0.01
    config.steps = 200
    config.image_size = 256
    config.init = "content"
    return config
