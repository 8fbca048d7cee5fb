package io.ctrlplane.bus;

import java.util.Objects;

/** The last {@code lines} lines of one replica's output, within the caller's tenant. */
public record LogTail(Caller caller, String instanceId, String replicaId, int lines) {
  public LogTail {
    Objects.requireNonNull(caller, "caller");
  }
}
