package io.ctrlplane.security;

import io.ctrlplane.problem.Refusal;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code secret_env}: variables whose values are sealed by the API as soon as the request is
 * validated, stored only sealed, and opened only by the runner when it hands the release to the
 * provider. Each value is bound to its tenant, instance and name (the AES-GCM associated data), so
 * a rollback can copy the sealed value to a new release of the same instance, and nothing else can
 * reuse it.
 */
public final class SecretEnv {
  public static final String REDACTED = io.ctrlplane.deploy.Release.REDACTED;

  private SecretEnv() {}

  static String context(String tenantId, String instanceId, String name) {
    return "ctrlplane/secret_env/v1|" + tenantId + "|" + instanceId + "|" + name;
  }

  /**
   * name → sealed value; fails with a 503 naming the setting when secrets are given but no key is
   * configured.
   */
  public static JsonObject seal(
      Keyring keyring, String tenantId, String instanceId, JsonObject plain) {
    JsonObject sealed = new JsonObject();
    if (plain == null || plain.isEmpty()) {
      return sealed;
    }
    if (keyring == null) {
      throw Refusal.unavailable(
          "Secrets are not configured",
          "this server has no encryption key, so "
              + "it cannot store secret_env: the operator must set security.encryption_key (CTRLPLANE_ENCRYPTION_KEY)");
    }
    new TreeMap<>(plain.getMap())
        .forEach(
            (name, value) ->
                sealed.put(
                    name, keyring.seal((String) value, context(tenantId, instanceId, name))));
    return sealed;
  }

  /**
   * The plaintext values, for the provider. Fails with {@link Keyring.Unreadable} naming the
   * variable (never its value) when a key is missing or a value was altered.
   */
  public static Map<String, String> open(
      Keyring keyring, String tenantId, String instanceId, Map<String, String> sealed) {
    Map<String, String> plain = new TreeMap<>();
    sealed.forEach(
        (name, value) -> {
          if (keyring == null) {
            throw new Keyring.Unreadable(
                "secret_env."
                    + name
                    + " cannot be decrypted: this runner has no encryption key "
                    + "(security.encryption_key / CTRLPLANE_ENCRYPTION_KEY)");
          }
          try {
            plain.put(name, keyring.open(value, context(tenantId, instanceId, name)));
          } catch (Keyring.Unreadable e) {
            throw new Keyring.Unreadable("secret_env." + name + " " + e.getMessage());
          }
        });
    return plain;
  }

  /**
   * What the API shows instead of the values: every name, each value replaced by {@link #REDACTED}.
   */
  public static JsonObject redacted(Iterable<String> names) {
    JsonObject out = new JsonObject();
    names.forEach(n -> out.put(n, REDACTED));
    return out;
  }
}
