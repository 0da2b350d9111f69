"""Masks for local style transfer: providers (DeepLabV3, selfie segmenter, files) and mask post-
processing and compositing."""
