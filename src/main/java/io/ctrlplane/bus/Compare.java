package io.ctrlplane.bus;

import java.util.Objects;

/**
 * A comparison of one resource ({@code id}) with another of its kind ({@code against}, null for the
 * default the answering verticle picks), within the caller's tenant.
 */
public record Compare(Caller caller, String id, String against) {
  public Compare {
    Objects.requireNonNull(caller, "caller");
  }
}
