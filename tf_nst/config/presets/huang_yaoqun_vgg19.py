"""Huang & Yaoqun, VGG19 style conversion in TensorFlow vs PyTorch (the PyTorch tutorial's setup).

Content conv_4, style conv_1..conv_5 in PyTorch-tutorial numbering (Keras convolutions include
the ReLU, so these are the post-ReLU maps), MSE content loss, MSE of Gram / (C H W) style loss,
L-BFGS for 200 iterations. Content 5, style 500 is one cell of the paper's weight sweep
({1, 5, 10} x {5, 50, 500, 5000}; tools/weight_grid.py draws it).
"""
from tf_nst.config import base_config


def get_config():
    config = base_config()
    config.backbone = "vgg19"
    config.content_layers = ("conv_4",)
    config.style_layers = ("conv_1", "conv_2", "conv_3", "conv_4", "conv_5")
    config.content_loss = "mean"
    config.style_loss = "mean_chw"
    config.content_weight = 5.0
    config.style_weight = 500.0
    config.optimizer = "lbfgs"
    config.steps = 200
    config.image_size = 256
    config.init = "content"
    return config
