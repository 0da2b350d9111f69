"""Dumoulin, Shlens & Kudlur (ICLR 2017), "A Learned Representation for Artistic Style".

One transform network for several styles: every instance normalization takes a per-style scale
and shift (conditional instance normalization); the convolutions are shared. Give several
``--style`` images; each batch learns the next style in turn (round robin), and
``--init_from=MODEL`` adds styles to a trained network by training only their scales and shifts.
Paper: VGG16 loss network, content relu3_3, style relu1_2/relu2_2/relu3_3/relu4_3, 256 x 256 crops,
batch 16, Adam lr 1e-3, 40k steps, reflection padding, nearest-neighbour upsampling + conv. The
Gram and content terms are tf_nst's (``mean`` / ``mean_chw``, as configs/johnson2016.py), so the
weights are Johnson's, not the paper's. The bundled ``multistyle`` network overrides the size and
length of the run (README, "Bundled models").
"""
from tf_nst.config import training_config


def get_config():
    config = training_config()
    config.backbone = "vgg16"
    config.content_layers = ("relu3_3",)
    config.style_layers = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    config.style_layer_weights = (1.0, 1.0, 1.0, 1.0)
    config.content_loss = "mean"
    config.style_loss = "mean_chw"
    config.content_weight = 1.0
    config.style_weight = 5.0
    config.tv_weight = 1e-6
    config.width = 1.0
    config.residual_blocks = 5
    config.reflect_border = True
    config.image_size = 256
    config.batch_size = 16
    config.learning_rate = 1e-3
    config.steps = 40_000
    return config
