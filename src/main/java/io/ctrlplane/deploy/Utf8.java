package io.ctrlplane.deploy;

/** Byte-size arithmetic for limits that are defined on the UTF-8 encoding, not on Java chars. */
final class Utf8 {

  private Utf8() {}

  /**
   * Number of bytes {@code s} takes in UTF-8, computed without allocating the encoded array. A lone
   * surrogate counts as 3 bytes: that is an upper bound on anything an encoder could emit for it,
   * so a limit check can never under-count.
   */
  static long length(CharSequence s) {
    long bytes = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4; // a supplementary code point, e.g. an emoji: two chars, four bytes
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
