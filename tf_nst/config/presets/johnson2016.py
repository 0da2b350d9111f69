"""Johnson, Alahi & Fei-Fei (ECCV 2016), "Perceptual Losses for Real-Time Style Transfer".

Transform network 32/64/128 channels, 5 residual blocks; VGG16 content relu2_2, style relu1_2,
relu2_2, relu3_3, relu4_3 (summed, Gram / (C H W), mean squared error), content weight 1,
style 5, TV 1e-6; 256 x 256 crops of COCO, batch 4, Adam lr 1e-3, 40k steps (2 epochs).
The bundled models use ``--config.width=0.25 --config.precision=mixed_bfloat16`` (README).
"""
from tf_nst.config import training_config


def get_config():
    config = training_config()
    config.backbone = "vgg16"
    config.content_layers = ("relu2_2",)
    config.style_layers = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    config.style_layer_weights = (1.0, 1.0, 1.0, 1.0)
    config.content_loss = "mean"
    config.style_loss = "mean_chw"
    config.content_weight = 1.0
    config.style_weight = 5.0
    config.tv_weight = 1e-6
    config.width = 1.0
    config.residual_blocks = 5
    config.image_size = 256
    config.batch_size = 4
    config.learning_rate = 1e-3
    config.steps = 40_000
    return config
