"""Batch stylization beyond one machine: an Apache Beam pipeline (RunInference over any fast
model or an exported SavedModel), on the DirectRunner / Prism locally or Dataflow, Flink, Spark."""
