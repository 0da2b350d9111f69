"""Wang, Li, Wang, Shi & Yang (CVPR 2020), "Collaborative Distillation for Ultra-Resolution Universal
Style Transfer": a light VGG19-shaped encoder (a quarter of the filters, ~16x fewer multiply-adds)
trained with its decoders on photos alone, its features distilled into VGG19's through 1x1 linear
embeddings, so the universal cascade (WCT at relu4_1 ... relu1_1) runs on a laptop CPU.

    tf-nst train --config=wang2020_light_universal --data=../shared/data/train \
        --output=runs/light_universal

Differences from the paper: encoder and decoders trained jointly in one run from a pruned VGG19 start
(the paper trains the small encoder against the big encoder's decoder first), the feature loss on the
light encoder's own features, per-level distillation relative to VGG19's feature energy.
"""
from tf_nst.config import decoder_training_config


def get_config():
    config = decoder_training_config()
    config.encoder = "light"
    config.encoder_width = 0.25
    config.levels = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
    config.width = 0.25
    config.pixel_weight = 1.0
    config.feature_weight = 1.0
    config.distill_weight = 0.1
    config.image_size = 256
    config.batch_size = 4
    config.learning_rate = 1e-3
    config.lr_schedule = "cosine"
    config.steps = 6000
    config.checkpoint_every = 100
    config.log_every = 25
    config.sample_every = 500
    return config
