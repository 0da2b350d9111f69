"""Li & Wand (CVPR 2016), "Combining MRFs and CNNs for Image Synthesis" (CNNMRF): local loss only.

The reference settings of the CNNMRF code's transfer demo: VGG19, MRF on relu3_1 and relu4_1
(3 x 3 patches, weight 1e-4 each, style patches sampled with stride 2, on the scale of the code's
gradient), content relu4_2 (mean squared error) weight 20, TV 1e-3, L-BFGS from the content image,
three resolutions of 100 iterations each up to 384 px, one rotated and one scaled copy of the
style each way (mrf_num_rotation = mrf_num_scale = 1; the step sizes here, 10 degrees and 5 %,
are this preset's choice). No Gram term: see tf_nst/config/presets/zhao_global_local.py for the fusion.
"""
from tf_nst.config import base_config


def get_config():
    config = base_config()
    config.backbone = "vgg19"
    config.style_layers = ()
    config.style_weight = 0.0
    config.mrf_layers = ("relu3_1", "relu4_1")
    config.mrf_layer_weights = (1.0, 1.0)
    config.mrf_weight = 1e-4
    config.mrf_patch_size = 3
    config.mrf_stride = 2
    config.mrf_loss = "cnnmrf"
    config.mrf_rotations = (-10.0, 0.0, 10.0)
    config.mrf_scales = (0.95, 1.0, 1.05)
    config.content_layers = ("relu4_2",)
    config.content_loss = "mean"
    config.content_weight = 20.0
    config.tv_weight = 1e-3
    config.optimizer = "lbfgs"
    config.init = "content"
    config.scales = (0.5, 0.75, 1.0)
    config.steps = 100
    config.image_size = 384
    return config
