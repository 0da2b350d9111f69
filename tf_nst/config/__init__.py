"""The stylization config: every field documented once, here, and validated before any model loads.

Preset files (:mod:`tf_nst.config.presets`, loadable by bare name) start from :func:`base_config` and override fields;
users override any field on the command line (``--config.steps=50``).
"""
from __future__ import annotations

import math

import ml_collections

from tf_nst.config import presets
from tf_nst.core.errors import UserError

BACKBONES = ("vgg16", "vgg19", "resnet50")
OPTIMIZERS = ("lbfgs", "adam", "nadam", "sgd")
LINE_SEARCHES = ("none", "hager_zhang")
INITS = ("content", "style", "noise", "universal")
PRECISIONS = ("auto", "float32", "mixed_bfloat16")
CONTENT_LOSS_FORMS = ("half_sum", "mean")
STYLE_LOSS_FORMS = ("gatys", "mean_hw", "mean_chw")
PRESERVE_COLOR = ("none", "luminance", "histogram")
MRF_LOSS_FORMS = ("sum", "cnnmrf")
STRATEGIES = ("default", "mirrored", "multi_worker")
LR_SCHEDULES = ("constant", "cosine")
#: What a config is for, and the command that takes it.
KINDS = {"optimization": "tf-nst stylize", "transform_training": "tf-nst train",
         "decoder_training": "tf-nst train"}
TRAINING_KINDS = ("transform_training", "decoder_training")
DECODER_LEVELS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
UNIVERSAL_ENCODERS = ("vgg19", "light")


def _loss_fields(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """The perceptual-loss fields shared by image optimization and network training."""
    # Feature extractor: "vgg16" | "vgg19" | "resnet50" (keras.applications, ImageNet weights).
    config.backbone = "vgg19"
    # Layer names: Keras ("block4_conv2"), classic ("relu4_2") or PyTorch numbering ("conv_10").
    config.content_layers = ("relu4_2",)
    config.style_layers = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
    # Per-layer weights, parallel to the layer lists; empty means 1/len(layers) each.
    config.content_layer_weights = ()
    config.style_layer_weights = ()
    # Total loss = content_weight * content + style_weight * style + tv_weight * total variation.
    config.content_weight = 1.0
    config.style_weight = 1e3
    config.tv_weight = 0.0
    # Content loss per layer: "half_sum" = 1/2 sum (F-P)^2 (Gatys) | "mean" = mean (F-P)^2 (TF/PyTorch tutorials).
    config.content_loss = "half_sum"
    # Style loss per layer, with G = F^T F / (H W) for each image:
    # "gatys" = sum (dG)^2 / (4 C^2) (= Gatys' 1/(4 N^2 M^2) on raw Grams) | "mean_hw" = mean (dG)^2
    # (TF tutorial) | "mean_chw" = mean (dG / C)^2 (PyTorch tutorial and Johnson et al., Gram / (C H W)).
    config.style_loss = "gatys"
    # "auto" (bf16 where the CPU has AVX512-BF16 or AMX, else float32) | "float32" | "mixed_bfloat16"
    # (bf16 convolutions, float32 loss math; measured quality-neutral for Gatys optimization).
    config.precision = "auto"
    # Style image long side = image_size * style_scale.
    config.style_scale = 1.0
    # Seed for the noise start image (optimization) or weight init and data order (training).
    config.seed = 0
    return config


def _kind(kind: str) -> ml_collections.ConfigDict:
    config = ml_collections.ConfigDict()
    # What the config is for: "optimization" (tf-nst stylize), "transform_training" or
    # "decoder_training" (tf-nst train). Set by the base function a preset starts from.
    config.kind = kind
    return config


def base_config() -> ml_collections.ConfigDict:
    """Defaults: a quick VGG19 / L-BFGS Gatys run that finishes in minutes on a laptop CPU."""
    config = _loss_fields(_kind("optimization"))
    # "lbfgs" | "adam" | "nadam" | "sgd".
    config.optimizer = "lbfgs"
    # L-BFGS step rule: "none" (the unit quasi-Newton step, as torch.optim.LBFGS and neural-style: one
    # loss evaluation per step, a retry only when the loss rises) | "hager_zhang"
    # (tfp.optimizer.lbfgs_minimize's Wolfe line search: 2-3 evaluations per step, a little lower per step).
    config.line_search = "none"
    # Step size for adam/nadam/sgd in units of pixel intensity in [0, 1]; beta_1/epsilon for adam/nadam.
    config.learning_rate = 0.02
    config.beta_1 = 0.9
    config.epsilon = 1e-7
    # Iterations at the output size, the last scale (L-BFGS: iterations, each with one or more loss
    # evaluations); `tf-nst stylize --config.steps=N` means the same for every preset.
    config.steps = 100
    # Output long side in pixels.
    config.image_size = 256
    # Start image: "content" | "style" (resized to the content's size) | "noise" (uniform, seeded) |
    # "universal" (the bundled universal network's one-pass stylization: the optimization refines it).
    config.init = "content"
    # Coarse-to-fine fractions of image_size, each scale initialised from the previous result.
    config.scales = (1.0,)
    # Iterations at each scale before the last, parallel to scales[:-1] (most iterations belong at the
    # small, cheap scales); empty: `steps` at each.
    config.coarse_steps = ()
    # Start each finer scale from the coarser result plus the content's detail that the coarser scale
    # could not hold (content minus its blurred copy), so structure need not be re-optimized.
    config.scale_detail = False
    # Weight of the style loss on the image at half size against the style at half size (0 = off):
    # holds the coarse statistics a large image's full-size Grams let drift (VGG is not scale-invariant);
    # off for images under 64 px.
    config.half_size_style_weight = 0.0
    # The deepest layer computed on the full-size image ("" = every layer): content and style layers
    # below it are matched only on the image at half size, by the half-size terms (needs
    # half_size_style_weight > 0 and no MRF term). Deep layers see coarse statistics, which a half-size
    # image holds, and cost most of VGG19's full-size work (relu3_1: ~3x fewer multiply-adds per step).
    config.full_size_depth = ""
    # Weight of the Laplacian loss (0 = off): mean squared difference of the image's and the photo's
    # 3x3 Laplacians after laplacian_pool x laplacian_pool average pooling (Li et al. 2017), divided by
    # the photo's mean squared Laplacian; keeps edges and fine structure, most on smooth photos.
    config.laplacian_weight = 0.0
    config.laplacian_pool = 2
    # "none" | "luminance" (transfer luma only, keep the content's colours) | "histogram"
    # (recolor the style to the content's colour mean/covariance first).
    config.preserve_color = "none"
    # Clip pixels to [0, 1] after every first-order step (L-BFGS output is clipped at the end).
    config.clip_pixels = True
    # Write an intermediate image every this many steps (0 = never).
    config.save_every = 0
    # Local (MRF) patch loss of Li & Wand, added as mrf_weight * sum over mrf_layers (0 = off):
    # mrf_patch_size x mrf_patch_size patches, taken every mrf_stride pixels on the style side.
    config.mrf_layers = ("relu3_1",)
    config.mrf_layer_weights = ()
    config.mrf_weight = 0.0
    config.mrf_patch_size = 3
    config.mrf_stride = 1
    # "sum" = sum_i ||Psi_i(F(x)) - Psi_NN(i)(F(x_s))||^2 (Li & Wand's E_s) | "cnnmrf" = that / (2 t^2),
    # the scale of the CNNMRF code's gradient, for which its weights (mrf_weight 1e-4) were chosen.
    config.mrf_loss = "sum"
    # Style patch augmentation (CNNMRF): rotated (degrees) and scaled copies of each style image.
    config.mrf_rotations = (0.0,)
    config.mrf_scales = (1.0,)
    # Bound on the memory of the nearest-patch search scores, in MB (the search runs in chunks).
    config.mrf_memory_mb = 1024
    return config


def _trainer_fields(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """The fields of the one trainer (:mod:`tf_nst.training.trainer`), whatever network it trains."""
    # Square training crops in pixels; global batch size (split across replicas); Adam learning rate.
    config.image_size = 256
    config.batch_size = 4
    config.learning_rate = 1e-3
    # "constant" | "cosine" (decays to 10 % of learning_rate at the last step).
    config.lr_schedule = "constant"
    # Training steps (batches) in total, counting steps done before a resume.
    config.steps = 40_000
    # Checkpoint (and write the loadable model) every this many steps, keeping the newest few.
    config.checkpoint_every = 500
    config.keep_checkpoints = 3
    # TensorBoard scalars every log_every steps, sample images every sample_every steps.
    config.log_every = 50
    config.sample_every = 1000
    # tf.distribute strategy: "default" (one device) | "mirrored" (all local GPUs, or CPUs
    # split into logical devices) | "multi_worker" (MultiWorkerMirroredStrategy, TF_CONFIG cluster).
    config.strategy = "default"
    return config


def training_config() -> ml_collections.ConfigDict:
    """Defaults for training a transform network: Johnson et al. (2016) on VGG16."""
    config = _trainer_fields(_loss_fields(_kind("transform_training")))
    config.backbone = "vgg16"
    config.content_layers = ("relu2_2",)
    config.style_layers = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    config.style_layer_weights = (1.0, 1.0, 1.0, 1.0)
    config.content_loss = "mean"
    config.style_loss = "mean_chw"
    config.content_weight = 1.0
    config.style_weight = 5.0
    config.tv_weight = 1e-6
    # Transform network: channel multiplier (1.0 = Johnson's 32/64/128) and residual blocks.
    config.width = 1.0
    config.residual_blocks = 5
    # Reflect-pad every convolution (no dark frame at the border) instead of zero padding.
    config.reflect_border = False
    # Multi-style network: a factor on style_weight for each --style, in order (empty: 1 each), e.g.
    # below 1 for a style that wipes out the photo's structure; and on style_scale (the painting's
    # size, so the strokes' size), e.g. below 1 for a style whose strokes swim in small videos.
    config.style_weight_per_style = ()
    config.style_scale_per_style = ()
    # Stable video (compound regularization, Wang et al. AAAI 2020; Huang et al. 2017's shift is the
    # special case): each batch is also stylized after a random motion (a shift of up to
    # temporal_shift px, a rotation of up to temporal_rotation degrees, a zoom of up to
    # temporal_zoom, e.g. 0.02 = 2 %) plus Gaussian noise of temporal_noise (0..255 units), and
    # temporal_weight times the mean squared difference (0..255) between that and the same motion of
    # the stylization is added; 0 turns it off.
    config.temporal_weight = 0.0
    config.temporal_shift = 2.0
    config.temporal_rotation = 0.0
    config.temporal_zoom = 0.0
    config.temporal_noise = 0.0
    # No frame: border_weight times the mean square of the output's step in mean luminance (0..255)
    # from the outer 4 px of each side to the next 4 px (tf_nst.perceptual.metrics.border_step measures it
    # around the whole frame) is added; 0 turns it off.
    config.border_weight = 0.0
    return config


def decoder_training_config() -> ml_collections.ConfigDict:
    """Defaults for training universal-style decoders (Li et al. 2017) on photos alone."""
    config = _trainer_fields(_kind("decoder_training"))
    # VGG19 levels to train a decoder for (relu1_1 ... relu5_1), and their channel multiplier.
    config.levels = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
    config.width = 0.5
    # Loss per level: pixel_weight * MSE(image) + feature_weight * MSE(VGG19 features at the level),
    # both in units of a [0, 1] image (features of 0..255 pixels divided by 255).
    config.pixel_weight = 1.0
    config.feature_weight = 1.0
    # The encoder the decoders invert: "vgg19" (fixed, Li et al. 2017) | "light" (a VGG19-shaped
    # encoder with encoder_width times the filters, trained with the decoders and distilled into
    # VGG19: each level's features, through a learned 1x1 linear map, match VGG19's; Wang et al. 2020).
    config.encoder = "vgg19"
    config.encoder_width = 0.25
    # Light encoder only: weight of the distillation term per level, MSE(embedded features, VGG19
    # features) / mean square of VGG19's features (1 = as far off as all-zero features).
    config.distill_weight = 0.1
    # "auto" | "float32" | "mixed_bfloat16", as for the other kinds.
    config.precision = "auto"
    # Seed for weight init and data order.
    config.seed = 0
    return config


def check_kind(config: ml_collections.ConfigDict, *kinds: str) -> None:
    """A one-line error if ``config`` is not of one of ``kinds`` (naming the command that takes it)."""
    kind = config.get("kind")
    if kind in kinds:
        return
    if kind not in KINDS:
        raise UserError(f"the config has no known kind ({kind!r}); start it from tf_nst.config.base_config, "
                        "training_config or decoder_training_config")
    wanted = " or ".join(repr(k) for k in kinds)
    raise UserError(f"this is a {kind!r} config, for {KINDS[kind]}; this command takes a {wanted} config")


def validate_training(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """:func:`validate` for the training kinds (:func:`training_config`, :func:`decoder_training_config`)."""
    check_kind(config, *TRAINING_KINDS)
    _choice(config, "strategy", STRATEGIES)
    _choice(config, "lr_schedule", LR_SCHEDULES)
    _choice(config, "precision", PRECISIONS)
    _non_negative(config, "learning_rate")
    _positive_int(config, "steps")
    _positive_int(config, "image_size", 16, 4096)
    _positive_int(config, "batch_size")
    for field in ("checkpoint_every", "keep_checkpoints", "log_every", "sample_every"):
        _positive_int(config, field)
    if not isinstance(config.width, (int, float)) or not 0 < config.width <= 4:
        raise UserError(f"config.width must be a number in (0, 4], got {config.width!r}")
    if config.kind == "transform_training":
        _validate_loss_fields(config)
        _positive_int(config, "residual_blocks")
        for field in ("style_weight_per_style", "style_scale_per_style"):
            factors = config[field]
            if not isinstance(factors, (tuple, list)) or not all(
                    isinstance(f, (int, float)) and not isinstance(f, bool) and f >= 0 for f in factors):
                raise UserError(f"config.{field} must be a tuple of numbers >= 0, got {factors!r}")
        for field in ("temporal_weight", "temporal_shift", "temporal_rotation", "temporal_zoom", "temporal_noise",
                      "border_weight"):
            _non_negative(config, field)
    else:
        if not config.levels or any(level not in DECODER_LEVELS for level in config.levels):
            raise UserError(f"config.levels must name levels from {', '.join(DECODER_LEVELS)}, "
                            f"got {tuple(config.levels)!r}")
        for field in ("pixel_weight", "feature_weight", "distill_weight"):
            _non_negative(config, field)
        _choice(config, "encoder", UNIVERSAL_ENCODERS)
        if config.encoder == "light":
            if not isinstance(config.encoder_width, (int, float)) or not 0 < config.encoder_width <= 1:
                raise UserError(f"config.encoder_width must be a number in (0, 1], got {config.encoder_width!r}")
            if "relu5_1" in config.levels:
                raise UserError("the light encoder ends at relu4_1; leave relu5_1 out of config.levels")
    return config


def _choice(config, field: str, choices: tuple[str, ...]) -> None:
    value = config[field]
    if value not in choices:
        raise UserError(f"unknown {field} {value!r}; choose one of {', '.join(choices)}")


def _non_negative(config, field: str) -> None:
    value = config[field]
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value) or value < 0:
        raise UserError(f"config.{field} must be a non-negative number, got {value!r}")


def _layer_weights(config, layers_field: str, weights_field: str) -> None:
    weights = tuple(config[weights_field])
    if weights and len(weights) != len(config[layers_field]):
        raise UserError(f"config.{weights_field} has {len(weights)} values for {len(config[layers_field])} layers")
    for weight in weights:
        if not isinstance(weight, (int, float)) or math.isnan(weight) or weight < 0:
            raise UserError(f"config.{weights_field} must hold non-negative numbers, got {weight!r}")


def _positive_int(config, field: str, low: int = 1, high: int | None = None) -> None:
    value = config[field]
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high is not None and value > high):
        kind = f"an integer from {low} to {high}" if high is not None else (
            "a positive integer" if low == 1 else f"an integer of at least {low}")
        raise UserError(f"config.{field} must be {kind}, got {value!r}")


def _validate_loss_fields(config: ml_collections.ConfigDict) -> None:
    for field, choices in (("backbone", BACKBONES), ("precision", PRECISIONS),
                           ("content_loss", CONTENT_LOSS_FORMS), ("style_loss", STYLE_LOSS_FORMS)):
        _choice(config, field, choices)
    for field in ("content_weight", "style_weight", "tv_weight", "learning_rate", "style_scale"):
        _non_negative(config, field)
    if config.style_scale <= 0:
        raise UserError("config.style_scale must be positive")
    if not config.style_layers and not config.content_layers:
        raise UserError("config needs at least one content or style layer")
    _layer_weights(config, "content_layers", "content_layer_weights")
    _layer_weights(config, "style_layers", "style_layer_weights")
    _positive_int(config, "steps")
    _positive_int(config, "image_size", 16, 4096)


def validate(config: ml_collections.ConfigDict) -> ml_collections.ConfigDict:
    """Check every field; raise UserError with a one-line message on the first bad one."""
    check_kind(config, "optimization")
    _validate_loss_fields(config)
    for field, choices in (("optimizer", OPTIMIZERS), ("line_search", LINE_SEARCHES), ("init", INITS),
                           ("preserve_color", PRESERVE_COLOR)):
        _choice(config, field, choices)
    _non_negative(config, "epsilon")
    if not config.scales or any(not isinstance(s, (int, float)) or not 0 < s <= 1 for s in config.scales):
        raise UserError(f"config.scales must be fractions in (0, 1], got {tuple(config.scales)!r}")
    if config.coarse_steps and (len(config.coarse_steps) != len(config.scales) - 1 or any(
            not isinstance(n, int) or n < 1 for n in config.coarse_steps)):
        raise UserError(f"config.coarse_steps must be one positive iteration count per scale before the last "
                        f"{tuple(config.scales[:-1])!r}, got {tuple(config.coarse_steps)!r}")
    if not isinstance(config.save_every, int) or config.save_every < 0:
        raise UserError(f"config.save_every must be a non-negative integer, got {config.save_every!r}")
    _non_negative(config, "mrf_weight")
    _non_negative(config, "half_size_style_weight")
    # full_size_depth: an unknown layer name is refused, with the valid ones, when the loss is built.
    if config.full_size_depth and (config.half_size_style_weight <= 0 or config.mrf_weight > 0):
        raise UserError("config.full_size_depth matches the deeper layers at half size: it needs "
                        "config.half_size_style_weight > 0 and config.mrf_weight = 0")
    _non_negative(config, "laplacian_weight")
    _positive_int(config, "laplacian_pool", 1, 8)
    if config.mrf_weight > 0:
        if not config.mrf_layers:
            raise UserError("config.mrf_weight > 0 needs at least one layer in config.mrf_layers")
        _layer_weights(config, "mrf_layers", "mrf_layer_weights")
        _choice(config, "mrf_loss", MRF_LOSS_FORMS)
        _positive_int(config, "mrf_patch_size")
        if config.mrf_patch_size % 2 == 0:
            raise UserError(f"config.mrf_patch_size must be odd, got {config.mrf_patch_size}")
        _positive_int(config, "mrf_stride")
        _positive_int(config, "mrf_memory_mb")
        if not config.mrf_scales or any(not isinstance(v, (int, float)) or not 0.25 <= v <= 4
                                        for v in config.mrf_scales):
            raise UserError(f"config.mrf_scales must be factors from 0.25 to 4, got {tuple(config.mrf_scales)!r}")
        if not config.mrf_rotations or any(not isinstance(v, (int, float)) or abs(v) > 45
                                           for v in config.mrf_rotations):
            raise UserError(f"config.mrf_rotations must be angles from -45 to 45 degrees, "
                            f"got {tuple(config.mrf_rotations)!r}")
    return config


def steps_per_scale(config: ml_collections.ConfigDict) -> tuple[int, ...]:
    """Iterations at each of an optimization config's scales: ``coarse_steps`` then ``steps``."""
    coarse = tuple(config.coarse_steps) or (config.steps,) * (len(config.scales) - 1)
    return (*coarse, config.steps)


def load_config_file(path: str, argument: str | None = None, **overrides) -> ml_collections.ConfigDict:
    """Load ``get_config([argument])`` from a config file or a preset's bare name, as
    ``--config=path[:argument]`` does, then set ``overrides`` (as ``--config.FIELD=VALUE`` would)."""
    import importlib.util

    path = presets.resolve_config_path(path)
    spec = importlib.util.spec_from_file_location("tf_nst_user_config", path)
    if spec is None or spec.loader is None:
        raise UserError(f"could not load config file {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    config = module.get_config() if argument is None else module.get_config(argument)
    for field, value in overrides.items():
        config[field] = value
    return config
