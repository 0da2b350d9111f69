"""A labelled contact sheet: one photo through every bundled and found model (and the universal
model on the bundled paintings), to pick a style at a glance."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from tf_nst.media import images as images_lib
from tf_nst.models.loading import load_model
from tf_nst.networks.store import style_models, universal_models
from tf_nst.transfer.options import TransferOptions
from tf_nst.transfer.pipeline import transfer_image

LABEL_HEIGHT = 18
GAP = 6


def contact_sheet(tiles: list[tuple[str, np.ndarray]], columns: int = 4) -> np.ndarray:
    """Tiles ([h, w, 3] 0..255, any sizes) in rows of ``columns`` on white, each under its label."""
    if columns < 1:
        raise ValueError("columns must be at least 1")
    width = max(tile.shape[1] for _, tile in tiles)
    height = max(tile.shape[0] for _, tile in tiles)
    rows = -(-len(tiles) // columns)
    sheet = Image.new("RGB", (GAP + columns * (width + GAP), GAP + rows * (height + LABEL_HEIGHT + GAP)), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (label, tile) in enumerate(tiles):
        row, column = divmod(index, columns)
        x, y = GAP + column * (width + GAP), GAP + row * (height + LABEL_HEIGHT + GAP)
        draw.text((x + 2, y + 3), label, fill="black")
        sheet.paste(Image.fromarray(np.clip(tile, 0, 255).round().astype(np.uint8)), (x, y + LABEL_HEIGHT))
    return np.asarray(sheet, np.float32)


def model_sheet(photo: np.ndarray, models_dir: str | Path | None = None, tile: int = 256, columns: int = 4,
                precision: str = "auto", weights_dir: str | None = None,
                paintings: dict[str, Path] = images_lib.BUNDLED_PAINTINGS) -> np.ndarray:
    """The photo, then its transfer in every bundled style, by every network found in ``models_dir``,
    and by the universal model with each of ``paintings``."""
    small = images_lib.resize_long_side(photo, tile) if max(photo.shape[:2]) > tile else photo
    tiles = [("photo", small)]
    for name in sorted(style_models(models_dir), key=lambda n: n in universal_models()):  # networks, then paintings
        model = load_model(name, precision, weights_dir, models_dir)
        if model.needs_style:
            for painting, painting_path in paintings.items():
                style = images_lib.load_image(painting_path, "painting")
                tiles.append((f"{name}: {painting}", transfer_image(model, small, TransferOptions(styles=[style]))))
        else:
            tiles.append((name, transfer_image(model, small)))
    return contact_sheet(tiles, columns)
