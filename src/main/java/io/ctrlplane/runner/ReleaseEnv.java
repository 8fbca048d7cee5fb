package io.ctrlplane.runner;

import io.ctrlplane.security.Keyring;
import io.ctrlplane.security.SecretEnv;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * A release's environment as the runner holds it between moves: plain env, and secret_env still
 * sealed. It is opened only by {@link #open}, when a release is handed to the provider.
 */
record ReleaseEnv(Map<String, String> plain, Map<String, String> sealed) {
  static final ReleaseEnv NONE = new ReleaseEnv(Map.of(), Map.of());

  static ReleaseEnv of(JsonObject env, JsonObject sealed) {
    return new ReleaseEnv(strings(env), strings(sealed));
  }

  /**
   * Plain and decrypted secret variables together; fails with {@link Keyring.Unreadable} naming the
   * variable.
   */
  Map<String, String> open(Keyring keyring, String tenantId, String instanceId) {
    Map<String, String> all = new TreeMap<>(plain);
    all.putAll(SecretEnv.open(keyring, tenantId, instanceId, sealed));
    return all;
  }

  @Override
  public String toString() {
    return "ReleaseEnv[plain=" + plain.keySet() + ", secret=" + sealed.keySet() + "]";
  }

  private static Map<String, String> strings(JsonObject json) {
    Map<String, String> out = new TreeMap<>();
    if (json != null) {
      json.forEach(e -> out.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return out;
  }
}
