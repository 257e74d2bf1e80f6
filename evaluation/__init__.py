"""Real data sets, baselines, the evaluation harness and its metrics, benchmarks and reports; it splits and
scores with ``training``'s protocols and selection metrics, so model selection and evaluation agree."""
