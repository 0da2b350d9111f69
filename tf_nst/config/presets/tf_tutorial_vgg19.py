"""The TensorFlow tutorial's VGG19 setup, the baseline of Basheer & Jose (Table 2, VGG19 column).

Content block5_conv2, style block1..5_conv1; TF-tutorial loss forms (mean squared error,
Gram / (H W)); Adam lr 0.02 (beta_1 0.99, epsilon 0.1 as in the tutorial), style 1e-2,
content 1e4, starting from the content image.
"""
from tf_nst.config import base_config


def get_config():
    config = base_config()
    config.backbone = "vgg19"
    config.content_layers = ("block5_conv2",)
    config.style_layers = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
    config.content_loss = "mean"
    config.style_loss = "mean_hw"
    config.content_weight = 1e4
    config.style_weight = 1e-2
    config.optimizer = "adam"
    config.learning_rate = 0.02
    config.beta_1 = 0.99
    config.epsilon = 0.1
    config.steps = 100
    config.image_size = 512
    config.init = "content"
    return config
