"""What the losses see: frozen backbones (VGG16/19, ResNet50), the Gram, content, TV and MRF losses,
the combined perceptual loss, and quality metrics."""
