package io.ctrlplane.deploy;

import java.time.Instant;

/**
 * One analysis measurement, the evidence behind a verdict: which metric of which analysis step, its
 * position in the metric's series ({@code seq}, from 0), the window it covers, the value and the
 * limit (null when nothing could be read), the stable release's value for a baseline comparison,
 * the verdict, how many requests it rests on (null when the source does not say), and why.
 */
public record Measurement(
    String deploymentId,
    int step,
    String metric,
    int seq,
    Instant takenAt,
    int windowSeconds,
    String measure,
    String condition,
    Double value,
    Double stableValue,
    Double limit,
    String verdict,
    Long sampleSize,
    String message) {}
