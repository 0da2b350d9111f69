"""Basheer & Jose, "Style transfer using ResNet50 and NAdam" (Table 2, ResNet50 column; Fig. 4 layers).

ResNet50 with 2 content and 8 style layers, NAdam lr 0.09 (beta_1 0.9), style 0.5e-2,
content 0.3e4, TF-tutorial loss forms, initialised from the style image as in the paper's
Table 3 (``--config=basheer_resnet50:content`` starts from the content image).
"""
from tf_nst.config import base_config


def get_config(init="style"):
    config = base_config()
    config.backbone = "resnet50"
    config.content_layers = ("conv4_block5_1_relu", "conv5_block3_2_relu")
    config.style_layers = ("conv2_block1_2_relu", "conv2_block2_1_relu", "conv3_block2_1_relu",
                           "conv3_block4_3_conv", "conv4_block4_2_relu", "conv4_block6_2_relu",
                           "conv5_block2_2_relu", "conv5_block3_2_relu")
    config.content_loss = "mean"
    config.style_loss = "mean_hw"
    config.content_weight = 0.3e4
    config.style_weight = 0.5e-2
    config.optimizer = "nadam"
    config.learning_rate = 0.09
    config.beta_1 = 0.9
    config.epsilon = 0.1
    config.steps = 100
    config.image_size = 512
    config.init = init
    return config
