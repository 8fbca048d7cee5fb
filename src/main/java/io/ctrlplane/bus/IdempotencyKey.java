package io.ctrlplane.bus;

import java.util.Objects;

/**
 * An Idempotency-Key as the API hands it to a store: where it was used ({@code scope}: tenant,
 * method and path, so one tenant's key never replays another's response), the key itself, and a
 * hash of the parsed request body it came with.
 */
public record IdempotencyKey(String scope, String key, String hash) {
  public IdempotencyKey {
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(hash, "hash");
  }
}
