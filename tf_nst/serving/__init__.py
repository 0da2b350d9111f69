"""Export for serving: TF Serving SavedModels with their signatures, and TFLite."""
