"""Zhao et al., "Fusing global and local style losses" (global Gram + local MRF patch loss).

L = a1 * L_global + a2 * L_local + a3 * L_content with a1 = 20, a2 = 1e-4, a3 = 20 on VGG19:
global Gram on relu1_2, relu2_2, relu3_3, relu4_2 (neural-style's Gram / (C H W), mean squared
error, summed over layers); local MRF on relu3_1 (3 x 3 patches, stride 1, normalized
cross-correlation matching, on the scale of the CNNMRF code, whose weights the paper reuses); content on relu3_1 (mean squared
error, CNNMRF's form; CNNMRF itself uses relu4_2: --config.content_layers=relu4_2). L-BFGS from
random noise, multi-resolution synthesis at 1/2, 3/4 and the full size.
"""
from tf_nst.config import base_config


def get_config():
    config = base_config()
    config.backbone = "vgg19"
    config.style_layers = ("relu1_2", "relu2_2", "relu3_3", "relu4_2")
    config.style_layer_weights = (1.0, 1.0, 1.0, 1.0)
    config.style_loss = "mean_chw"
    config.style_weight = 20.0
    config.mrf_layers = ("relu3_1",)
    config.mrf_weight = 1e-4
    config.mrf_patch_size = 3
    config.mrf_stride = 1
    config.mrf_loss = "cnnmrf"
    config.content_layers = ("relu3_1",)
    config.content_loss = "mean"
    config.content_weight = 20.0
    config.optimizer = "lbfgs"
    config.init = "noise"
    config.scales = (0.5, 0.75, 1.0)
    config.steps = 100
    config.image_size = 384
    return config
