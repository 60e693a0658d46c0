"""Best Send Time: the pure estimate, synthetic populations to test it on, and its offline evaluation."""
