"""Dumoulin, Shlens & Kudlur (ICLR 2017), "A Learned Representation for Artistic Style".

One transform network for several styles: every instance normalization takes a per-style scale
and shift (conditional instance normalization); the convolutions are shared. Give several
``--style`` images; each batch learns the next style in turn (round robin), and
``--init_from=MODEL`` adds styles to a trained network by training only their scales and shifts.
Paper: VGG16 loss network, content relu3_3, style relu1_2/relu2_2/relu3_3/relu4_3, 256 x 256 crops,
batch 16, Adam lr 1e-3, 40k steps, reflection padding, nearest-neighbour upsampling + conv. The
Gram and content terms are tf_nst's (``tf_nst.config.training_config``: Johnson's weights, not the
paper's). The bundled ``multistyle`` network overrides the size and length of the run (README,
"Bundled styles").
"""
from tf_nst.config import training_config


def get_config():
    config = training_config()  # VGG16 Gram + content + TV terms, 256 px crops, Adam 1e-3, 40k steps
    config.content_layers = ("relu3_3",)
    config.reflect_border = True
    config.batch_size = 16
    return config
