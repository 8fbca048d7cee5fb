package io.ctrlplane.agent.engine;

/** The container engine refused a call, or could not be reached (status 0); the message is its. */
public final class EngineException extends RuntimeException {
  private final int status;

  public EngineException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
