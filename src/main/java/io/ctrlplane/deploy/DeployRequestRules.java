package io.ctrlplane.deploy;

import java.util.regex.Pattern;

/** Rules for the free-form scalar fields of a deploy request. */
public final class DeployRequestRules {

  static final int MAX_NOTES_BYTES = 4 * 1024;

  // 7 is the shortest abbreviation git prints; 64 allows full SHA-256 object names.
  private static final Pattern COMMIT_SHA = Pattern.compile("[0-9a-fA-F]{7,64}");

  private DeployRequestRules() {}

  /** Notes are optional; when given, at most 4 KiB of UTF-8. */
  public static void validateNotes(String notes) {
    if (notes == null) {
      return;
    }
    long bytes = Utf8.length(notes);
    if (bytes > MAX_NOTES_BYTES) {
      throw new ValidationException(
          "notes", "must be at most " + MAX_NOTES_BYTES + " bytes in UTF-8 (got " + bytes + ")");
    }
    // PostgreSQL text cannot store U+0000; catch it here as a 400 instead of a database error.
    if (notes.indexOf('\0') >= 0) {
      throw new ValidationException("notes", "must not contain NUL (U+0000) characters");
    }
  }

  /** The commit SHA is optional; when given, a full or abbreviated hex object name. */
  public static void validateCommitSha(String sha) {
    if (sha == null) {
      return;
    }
    if (!COMMIT_SHA.matcher(sha).matches()) {
      throw new ValidationException(
          "commit_sha",
          "must be 7 to 64 hexadecimal characters (got "
              + (sha.length() > 80 ? sha.length() + " characters" : "'" + sha + "'")
              + ")");
    }
  }
}
