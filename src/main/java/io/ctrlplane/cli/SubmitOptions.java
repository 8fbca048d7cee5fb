package io.ctrlplane.cli;

import java.util.Map;
import picocli.CommandLine.Option;

/**
 * What every command that creates a deployment (deploy, rollback) also takes: a retry key, and
 * --watch.
 */
final class SubmitOptions {
  @Option(
      names = "--idempotency-key",
      description = "Idempotency-Key header: a retry with the same key does not deploy twice.")
  String idempotencyKey;

  @Option(
      names = "--watch",
      description = "Follow the deployment to its end; exit 0 succeeded, 1 failed, 3 cancelled.")
  boolean watch;

  Map<String, String> headers() {
    return Values.idempotency(idempotencyKey);
  }
}
