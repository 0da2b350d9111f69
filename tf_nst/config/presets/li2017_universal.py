"""Li, Fang, Yang, Wang, Lu & Yang (NeurIPS 2017), "Universal Style Transfer via Feature Transforms".

Decoders that invert a fixed VGG19 encoder at relu1_1, relu2_1, relu3_1 and relu4_1, trained only
to reconstruct photos: per level, pixel MSE + feature MSE (weight 1, the paper's lambda), both in
units of a [0, 1] image. No style image is ever seen; at test time WCT or AdaIN on the features
makes any painting a style (tf_nst.universal.model).

Differences from the paper, chosen by measurement on the 2-core CPU (README): channel width 0.5
(four times fewer multiply-adds per decoder), no relu5_1 decoder, reflection padding, bf16,
batch 4 of 256 px crops, Adam 1e-3 with cosine decay, 6000 steps.
"""
from tf_nst.config import decoder_training_config


def get_config():
    config = decoder_training_config()
    config.levels = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
    config.width = 0.5
    config.pixel_weight = 1.0
    config.feature_weight = 1.0
    config.precision = "mixed_bfloat16"
    config.image_size = 256
    config.batch_size = 4
    config.learning_rate = 1e-3
    config.lr_schedule = "cosine"
    config.steps = 6000
    config.checkpoint_every = 200
    config.log_every = 50
    config.sample_every = 500
    return config
