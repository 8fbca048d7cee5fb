package io.ctrlplane.deploy;

import java.util.Objects;

/**
 * One problem with one input field, as reported back to the API client.
 *
 * @param field JSON-pointer-ish path of the offending input, e.g. {@code "image"}, {@code
 *     "env.FOO"} or {@code "commit_sha"}; the client uses it to point at the input
 * @param message human-readable explanation of what is wrong and what would be accepted
 */
public record FieldError(String field, String message) {

  public FieldError {
    // A FieldError without a field or message is useless to a client, so fail at the source.
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(message, "message");
  }

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
