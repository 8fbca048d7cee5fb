package io.ctrlplane.bus;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A request that changes something: who asks ({@code caller}), the target named in the path ({@code
 * id}, null when the route has none), the Idempotency-Key (null when none was sent) and the
 * validated body ({@code {}} when the command takes none). The body is copied when the record is
 * built, so nothing the sender does afterwards reaches the store; the store only reads it.
 */
public record Command(Caller caller, String id, IdempotencyKey idempotency, JsonObject body) {
  public Command {
    Objects.requireNonNull(caller, "caller");
    body = body == null ? new JsonObject() : body.copy();
  }

  /** A command on {@code id} without a body or an Idempotency-Key. */
  public static Command on(Caller caller, String id) {
    return new Command(caller, id, null, null);
  }

  /** A command with a body and no target id nor Idempotency-Key. */
  public static Command of(Caller caller, JsonObject body) {
    return new Command(caller, null, null, body);
  }
}
