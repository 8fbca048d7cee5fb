package io.ctrlplane.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * API key secrets: {@code cp_} followed by 32 random bytes in base64url (256 bits). Only their
 * SHA-256 is stored. A slow password hash (bcrypt, argon2) exists to make guessing low-entropy
 * passwords expensive; a 256-bit random key cannot be guessed however fast the hash, so a plain
 * SHA-256 loses nothing and lets every request be checked with one indexed lookup.
 */
public final class ApiKeyTokens {
  public static final String PREFIX = "cp_";

  /**
   * How much of a key the API shows to tell keys apart: the prefix and 4 characters (24 of 256
   * bits).
   */
  static final int DISPLAY_CHARS = PREFIX.length() + 4;

  private static final Pattern SHAPE = Pattern.compile("cp_[A-Za-z0-9_-]{43}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeyTokens() {}

  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether {@code token} has the shape of a generated key (cheap, before any database lookup). */
  public static boolean wellFormed(String token) {
    return token != null && SHAPE.matcher(token).matches();
  }

  /** Hex SHA-256 of the key: what the database stores and looks keys up by. */
  public static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The leading characters shown in listings, e.g. {@code cp_AbCd}. */
  static String displayPrefix(String token) {
    return token.substring(0, Math.min(DISPLAY_CHARS, token.length()));
  }
}
