package io.ctrlplane.cli;

/** A CLI failure: one line for stderr and the exit code it means ({@link ExitCodes}). */
public final class CliException extends RuntimeException {
  private final int exitCode;

  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
