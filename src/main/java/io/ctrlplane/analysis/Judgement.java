package io.ctrlplane.analysis;

/**
 * One measurement judged: the verdict, the value and the limit it was held against (for a baseline
 * comparison, the limit derived from the stable release's value), the sample size, and why. Values
 * are NaN when there was nothing to read.
 */
public record Judgement(
    Verdict verdict,
    double value,
    double limit,
    double stableValue,
    long sampleSize,
    String reason) {}
