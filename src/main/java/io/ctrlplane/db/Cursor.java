package io.ctrlplane.db;

import io.ctrlplane.problem.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Opaque keyset-pagination cursors: the sort key of the last item of a page, base64url-encoded.
 * Keyset (not offset) pagination neither skips nor repeats items while new ones are inserted.
 */
public final class Cursor {
  private Cursor() {}

  public static String encode(String kind, Object key) {
    String raw = kind + ":" + key;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns the key, or throws a 400-worthy error when the cursor was not made for this list. */
  public static String decode(String kind, String cursor) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (raw.startsWith(kind + ":") && raw.length() > kind.length() + 1) {
        return raw.substring(kind.length() + 1);
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw invalid();
  }

  public static long decodeLong(String kind, String cursor) {
    try {
      return Long.parseLong(decode(kind, cursor));
    } catch (NumberFormatException e) {
      throw invalid();
    }
  }

  /**
   * A cursor is a query parameter: one the list did not hand out is a bad request (400), like a bad
   * limit.
   */
  private static Refusal invalid() {
    return Refusal.badParameter("cursor", "is not a cursor returned by this list");
  }
}
