"""Huang et al. (2021), "Local residual style transfer with DeepLab segmentation" (Sensors and Materials).

Residual transform network trained with VGG16 perceptual losses on COCO 2014 at 256 x 256,
batch 4, Adam with initial learning rate 0.01; content:style weight ratio 1e-2; the total loss
"calculated using five convolutional layers" is read here as style relu1_2, relu2_2, relu3_3,
relu4_3, relu5_3 with content relu3_3. The paper's "500 iterations" is too few for the network
to converge at batch 4, so steps follows Johnson et al. (40k).
"""
from tf_nst.config import training_config


def get_config():
    config = training_config()
    config.backbone = "vgg16"
    config.content_layers = ("relu3_3",)
    config.style_layers = ("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3")
    config.style_layer_weights = (1.0, 1.0, 1.0, 1.0, 1.0)
    config.content_loss = "mean"
    config.style_loss = "mean_chw"
    config.content_weight = 1.0
    config.style_weight = 100.0
    config.tv_weight = 1e-6
    config.image_size = 256
    config.batch_size = 4
    config.learning_rate = 1e-2
    config.steps = 40_000
    return config
