package io.ctrlplane.security;

import io.ctrlplane.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption keys of {@code security.encryption_key}: AES-256-GCM, the first key encrypts,
 * every key decrypts, so keys rotate by putting a new one first and dropping an old one once
 * nothing is encrypted with it any more. A ciphertext names its key by id: {@code k} + the first 8
 * hex digits of the key's SHA-256, so operators never have to name keys, and 32 bits of a hash of a
 * 256-bit key say nothing useful about it.
 *
 * <p>Sealed form: {@code v1:<key id>:<base64url(12-byte nonce || ciphertext || 16-byte tag)>}. The
 * associated data binds a value to where it belongs (tenant, instance, variable name), so a
 * ciphertext copied to another tenant, instance or variable does not decrypt.
 */
public final class Keyring {
  private static final String FORMAT = "v1";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, SecretKeySpec> keys; // by id, in configuration order
  private final String primary;

  private Keyring(Map<String, SecretKeySpec> keys) {
    this.keys = keys;
    this.primary = keys.keySet().iterator().next();
  }

  /**
   * Parses the configured list; null when unset (secrets are then refused). Errors name the entry
   * by position, never by value.
   */
  public static Keyring fromConfig(String configured) {
    if (configured == null || configured.isBlank()) {
      return null;
    }
    Map<String, SecretKeySpec> keys = new LinkedHashMap<>();
    String[] entries = configured.split(",");
    for (int i = 0; i < entries.length; i++) {
      byte[] raw = decodeKey(entries[i].trim(), i + 1);
      String id = keyId(raw);
      if (keys.put(id, new SecretKeySpec(raw, "AES")) != null) {
        throw new ConfigException(setting() + ": entry " + (i + 1) + " repeats an earlier key");
      }
    }
    return new Keyring(keys);
  }

  /** A new random key in the configured form (base64 of 32 bytes), e.g. for dev mode. */
  public static String generateKey() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  public String primaryKeyId() {
    return primary;
  }

  public List<String> keyIds() {
    return new ArrayList<>(keys.keySet());
  }

  public String seal(String plaintext, String context) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(primary), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[NONCE_BYTES + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return FORMAT
          + ":"
          + primary
          + ":"
          + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  /**
   * The plaintext; {@link Unreadable} when the key is not configured or the value was tampered
   * with.
   */
  public String open(String sealed, String context) {
    String[] parts = sealed == null ? new String[0] : sealed.split(":", 3);
    if (parts.length != 3 || !FORMAT.equals(parts[0])) {
      throw new Unreadable("is not a sealed value of a known format");
    }
    SecretKeySpec key = keys.get(parts[1]);
    if (key == null) {
      throw new Unreadable(
          "is encrypted with key "
              + parts[1]
              + ", which is not among the configured keys "
              + keys.keySet()
              + " (security.encryption_key)");
    }
    try {
      byte[] in = Base64.getUrlDecoder().decode(parts[2]);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return new String(
          cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new Unreadable(
          "does not decrypt with key " + parts[1] + " (altered, or moved from another variable)");
    }
  }

  /** The key id a sealed value names, or null when it is not a sealed value. */
  public static String keyIdOf(String sealed) {
    String[] parts = sealed == null ? new String[0] : sealed.split(":", 3);
    return parts.length == 3 ? parts[1] : null;
  }

  private static byte[] decodeKey(String entry, int position) {
    byte[] raw;
    try {
      raw =
          entry.contains("-") || entry.contains("_")
              ? Base64.getUrlDecoder().decode(entry)
              : Base64.getDecoder().decode(entry);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          setting()
              + ": entry "
              + position
              + " is not base64; generate a key with "
              + "`openssl rand -base64 32`");
    }
    if (raw.length != 32) {
      throw new ConfigException(
          setting()
              + ": entry "
              + position
              + " is "
              + raw.length
              + " bytes, AES-256 needs 32; generate a key with `openssl rand -base64 32`");
    }
    return raw;
  }

  private static String keyId(byte[] raw) {
    try {
      return "k" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw), 0, 4);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String setting() {
    return "setting security.encryption_key (or CTRLPLANE_ENCRYPTION_KEY)";
  }

  /**
   * A keyed hash (HMAC-SHA256 under a key derived from the primary key) for request bodies that may
   * carry secrets: unlike a plain SHA-256 it lets no one holding the database test guesses of a
   * value.
   */
  public String mac(String text) {
    try {
      Mac derive = Mac.getInstance("HmacSHA256");
      derive.init(keys.get(primary));
      byte[] subkey = derive.doFinal("ctrlplane/request-hash/v1".getBytes(StandardCharsets.UTF_8));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(subkey, "HmacSHA256"));
      return "hmac:" + HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A sealed value this keyring cannot open. The message names the key id, never a value. */
  public static final class Unreadable extends RuntimeException {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }
}
