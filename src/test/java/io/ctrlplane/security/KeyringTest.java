package io.ctrlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ctrlplane.config.ConfigException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The keyring (AES-256-GCM for secret_env)")
class KeyringTest {
  private static final String OLD = Keyring.generateKey();
  private static final String NEW = Keyring.generateKey();

  @Test
  @DisplayName("seals a value so that it opens again only in the same context")
  void roundTrip() {
    Keyring ring = Keyring.fromConfig(OLD);
    String sealed = ring.seal("hunter2", "default|inst_1|DB_PASSWORD");
    assertThat(sealed).startsWith("v1:" + ring.primaryKeyId() + ":").doesNotContain("hunter2");
    assertThat(ring.open(sealed, "default|inst_1|DB_PASSWORD")).isEqualTo("hunter2");
    assertThatThrownBy(() -> ring.open(sealed, "other|inst_1|DB_PASSWORD"))
        .isInstanceOf(Keyring.Unreadable.class);
    assertThatThrownBy(() -> ring.open(sealed, "default|inst_1|API_TOKEN"))
        .isInstanceOf(Keyring.Unreadable.class);
  }

  @Test
  @DisplayName("uses a fresh nonce each time: the same value seals differently")
  void freshNonce() {
    Keyring ring = Keyring.fromConfig(OLD);
    assertThat(ring.seal("same", "c")).isNotEqualTo(ring.seal("same", "c"));
  }

  @Test
  @DisplayName("refuses a ciphertext that was altered")
  void tamper() {
    Keyring ring = Keyring.fromConfig(OLD);
    String sealed = ring.seal("hunter2", "c");
    char last = sealed.charAt(sealed.length() - 2);
    String altered =
        sealed.substring(0, sealed.length() - 2)
            + (last == 'A' ? 'B' : 'A')
            + sealed.charAt(sealed.length() - 1);
    assertThatThrownBy(() -> ring.open(altered, "c")).isInstanceOf(Keyring.Unreadable.class);
  }

  @Test
  @DisplayName(
      "rotates: the first key encrypts, every listed key decrypts, a dropped key names itself")
  void rotation() {
    Keyring before = Keyring.fromConfig(OLD);
    String sealedBefore = before.seal("v1-secret", "c");
    Keyring during = Keyring.fromConfig(NEW + "," + OLD);
    assertThat(during.open(sealedBefore, "c")).isEqualTo("v1-secret");
    String sealedDuring = during.seal("v2-secret", "c");
    assertThat(Keyring.keyIdOf(sealedDuring))
        .isEqualTo(during.primaryKeyId())
        .isNotEqualTo(before.primaryKeyId());
    Keyring after = Keyring.fromConfig(NEW);
    assertThat(after.open(sealedDuring, "c")).isEqualTo("v2-secret");
    assertThatThrownBy(() -> after.open(sealedBefore, "c"))
        .isInstanceOf(Keyring.Unreadable.class)
        .hasMessageContaining(before.primaryKeyId())
        .hasMessageNotContaining("v1-secret");
  }

  @Test
  @DisplayName("rejects malformed configuration by position, never echoing the value")
  void badConfig() {
    assertThat(Keyring.fromConfig(null)).isNull();
    assertThat(Keyring.fromConfig("  ")).isNull();
    assertThatThrownBy(() -> Keyring.fromConfig("c2hvcnQ="))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("entry 1")
        .hasMessageContaining("32")
        .hasMessageNotContaining("c2hvcnQ=");
    assertThatThrownBy(() -> Keyring.fromConfig(OLD + ",not base64!"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("entry 2")
        .hasMessageContaining("CTRLPLANE_ENCRYPTION_KEY");
    assertThatThrownBy(() -> Keyring.fromConfig(OLD + "," + OLD))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("repeats");
  }

  @Test
  @DisplayName(
      "secret_env opens for the runner only with a configured key, and says which variable and key failed")
  void secretEnv() {
    Keyring ring = Keyring.fromConfig(OLD);
    io.vertx.core.json.JsonObject sealed =
        SecretEnv.seal(
            ring,
            "default",
            "inst_1",
            new io.vertx.core.json.JsonObject().put("DB_PASSWORD", "hunter2"));
    java.util.Map<String, String> values =
        java.util.Map.of("DB_PASSWORD", sealed.getString("DB_PASSWORD"));
    assertThat(SecretEnv.open(ring, "default", "inst_1", values))
        .containsEntry("DB_PASSWORD", "hunter2");
    assertThatThrownBy(() -> SecretEnv.open(null, "default", "inst_1", values))
        .hasMessageContaining("secret_env.DB_PASSWORD")
        .hasMessageContaining("CTRLPLANE_ENCRYPTION_KEY");
    assertThatThrownBy(() -> SecretEnv.open(Keyring.fromConfig(NEW), "default", "inst_1", values))
        .hasMessageContaining("secret_env.DB_PASSWORD")
        .hasMessageContaining(ring.primaryKeyId())
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                SecretEnv.seal(
                    null, "default", "inst_1", new io.vertx.core.json.JsonObject().put("A", "b")))
        .isInstanceOfSatisfying(
            io.ctrlplane.problem.Refusal.class,
            r -> assertThat(io.ctrlplane.problem.Problems.of(r).status()).isEqualTo(503));
    assertThat(SecretEnv.seal(null, "default", "inst_1", new io.vertx.core.json.JsonObject()))
        .isEmpty();
  }

  @Test
  @DisplayName("keys request hashes, so a stored hash cannot be used to test guesses of a body")
  void mac() {
    Keyring ring = Keyring.fromConfig(OLD);
    assertThat(ring.mac("{\"a\":1}"))
        .isEqualTo(ring.mac("{\"a\":1}"))
        .isNotEqualTo(ring.mac("{\"a\":2}"))
        .isNotEqualTo(Keyring.fromConfig(NEW).mac("{\"a\":1}"));
  }
}
