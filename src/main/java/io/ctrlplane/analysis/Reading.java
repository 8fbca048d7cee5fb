package io.ctrlplane.analysis;

/**
 * A value read for one release over one window, before judgement: the value (NaN when nothing was
 * measured), how many requests it rests on ({@link #UNSIZED} when the source does not say, as for a
 * Prometheus query), or the error that prevented reading it.
 */
public record Reading(double value, long sampleSize, String error) {
  public static final long UNSIZED = -1;

  public static Reading of(double value, long sampleSize) {
    return new Reading(value, sampleSize, null);
  }

  public static Reading unsized(double value) {
    return new Reading(value, UNSIZED, null);
  }

  public static Reading failed(String error) {
    return new Reading(Double.NaN, UNSIZED, error);
  }
}
