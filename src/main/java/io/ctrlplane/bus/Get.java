package io.ctrlplane.bus;

import java.util.Objects;

/** A read of one resource by its id, within the caller's tenant. */
public record Get(Caller caller, String id) {
  public Get {
    Objects.requireNonNull(caller, "caller");
  }
}
