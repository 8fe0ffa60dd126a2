"""Learning: classifiers, evaluation, prevalence, pains, tracking, model registry. No HTTP, no DB."""
