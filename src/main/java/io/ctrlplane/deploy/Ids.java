package io.ctrlplane.deploy;

import java.security.SecureRandom;

/**
 * Prefixed, time-ordered ids ({@code inst_…}, {@code rel_…}, {@code dep_…}, {@code evt_…}): a
 * UUIDv7 (48-bit millisecond timestamp, version, random bits) written in Crockford base32, so ids
 * sort by creation time as plain strings and stay URL-safe.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String next(String prefix) {
    long millis = System.currentTimeMillis();
    long high = (millis << 16) | 0x7000L | (RANDOM.nextInt() & 0x0fffL);
    long low = (RANDOM.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return prefix + "_" + base32(high, low);
  }

  /** 128 bits as 26 base32 characters (the first carries the top 3 bits). */
  private static String base32(long high, long low) {
    char[] out = new char[26];
    for (int i = 25; i >= 0; i--) {
      int bitsFromLow = (25 - i) * 5;
      int value;
      if (bitsFromLow + 5 <= 64) {
        value = (int) ((low >>> bitsFromLow) & 31);
      } else if (bitsFromLow < 64) {
        int lowBits = 64 - bitsFromLow;
        value =
            (int) ((low >>> bitsFromLow) | ((high & ((1L << (5 - lowBits)) - 1)) << lowBits)) & 31;
      } else {
        value = (int) ((high >>> (bitsFromLow - 64)) & 31);
      }
      out[i] = ALPHABET[value];
    }
    return new String(out);
  }
}
