package io.ctrlplane.cli;

/** Exit codes of the API commands (documented in the README's CLI section). */
public final class ExitCodes {
  public static final int OK = 0;

  /** A watched deployment failed (or an unexpected error). */
  public static final int FAILED = 1;

  /** Bad usage or configuration (picocli's usage errors are 2 too). */
  public static final int USAGE = 2;

  /** A watched deployment was cancelled. */
  public static final int CANCELLED = 3;

  /** The API refused the request (a 4xx problem: invalid, not found, conflict, unauthorized). */
  public static final int REFUSED = 4;

  /** The API could not be reached, or answered with a server error. */
  public static final int UNAVAILABLE = 5;

  private ExitCodes() {}
}
