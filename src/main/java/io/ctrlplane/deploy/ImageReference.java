package io.ctrlplane.deploy;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A container image reference, {@code [registry/]repository[:tag][@digest]}, following the OCI /
 * Docker distribution reference grammar.
 *
 * <p>Every instance is valid: the canonical constructor enforces the grammar, so an {@code
 * ImageReference} built by hand is held to the same rules as one from {@link #parse}.
 *
 * <p>Nothing is normalised: {@code "nginx"} stays {@code "nginx"} (not {@code
 * docker.io/library/nginx:latest}), because the runtime that pulls the image applies its own
 * defaults and we must store exactly what the user asked for.
 *
 * @param registry registry host with optional {@code :port}, or {@code null} when none was given
 * @param repository slash-separated lowercase path, e.g. {@code acme/my-app}; never null
 * @param tag tag, or {@code null}
 * @param digest {@code algorithm:hex}, e.g. {@code sha256:<64 hex>}, or {@code null}
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

  static final String FIELD = "image";
  static final int MAX_NAME_LENGTH = 255;
  static final int MAX_TAG_LENGTH = 128;

  /** Longest reference that could possibly be valid: name, ':' tag, '@' sha512 digest. */
  static final int MAX_REFERENCE_LENGTH =
      MAX_NAME_LENGTH + 1 + MAX_TAG_LENGTH + 1 + "sha512:".length() + 128;

  private static final Pattern DOMAIN_COMPONENT =
      Pattern.compile("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  // Separators: a single '.', a single '_', a double '__', or any run of '-'.
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  // Without UNICODE_CHARACTER_CLASS, \w is ASCII-only: [a-zA-Z0-9_].
  private static final Pattern TAG = Pattern.compile("\\w[\\w.-]{0," + (MAX_TAG_LENGTH - 1) + "}");
  private static final Pattern LOWER_HEX = Pattern.compile("[0-9a-f]+");
  private static final Map<String, Integer> DIGEST_HEX_LENGTHS =
      Map.of("sha256", 64, "sha512", 128);

  public ImageReference {
    if (registry != null) {
      checkRegistry(registry);
    }
    if (repository == null || repository.isEmpty()) {
      throw invalid("repository name must not be empty");
    }
    checkRepository(repository);
    if (tag != null) {
      checkTag(tag);
    }
    if (digest != null) {
      checkDigest(digest);
    }
    int nameLength = (registry == null ? 0 : registry.length() + 1) + repository.length();
    if (nameLength > MAX_NAME_LENGTH) {
      throw invalid(
          "name including the registry must be at most "
              + MAX_NAME_LENGTH
              + " characters (got "
              + nameLength
              + ")");
    }
  }

  /**
   * Parses a reference such as {@code ghcr.io/acme/app:1.2@sha256:...}.
   *
   * @throws ValidationException on field {@code "image"}, saying what is wrong
   */
  public static ImageReference parse(String ref) {
    if (ref == null || ref.isBlank()) {
      throw invalid("must not be empty");
    }
    checkCharacters(ref);
    // Bounds the work done on hostile input; anything longer cannot be valid anyway.
    if (ref.length() > MAX_REFERENCE_LENGTH) {
      throw invalid(
          "must be at most " + MAX_REFERENCE_LENGTH + " characters (got " + ref.length() + ")");
    }

    String rest = ref;
    String digest = null;
    int at = ref.indexOf('@');
    if (at >= 0) {
      if (ref.indexOf('@', at + 1) >= 0) {
        throw invalid("must contain at most one '@' (it introduces the digest)");
      }
      digest = ref.substring(at + 1);
      if (digest.isEmpty()) {
        throw invalid("digest after '@' must not be empty; expected sha256:<64 lowercase hex>");
      }
      rest = ref.substring(0, at);
    }

    // A ':' after the last '/' starts the tag; one before it can only be a registry port.
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      if (tag.isEmpty()) {
        throw invalid("tag after ':' must not be empty");
      }
      rest = rest.substring(0, colon);
    }
    if (rest.isEmpty()) {
      throw invalid("repository name must not be empty");
    }
    checkSlashes(rest);

    // Same rule as Docker: the first component is a registry only if it cannot be a path.
    String registry = null;
    String repository = rest;
    int slash = rest.indexOf('/');
    if (slash > 0 && looksLikeRegistry(rest.substring(0, slash))) {
      registry = rest.substring(0, slash);
      repository = rest.substring(slash + 1);
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  /** Last path component, e.g. {@code myapp} for {@code ghcr.io/acme/myapp:1.2}. */
  public String repositoryName() {
    return repository.substring(repository.lastIndexOf('/') + 1);
  }

  /**
   * The tag; {@code "latest"} when neither tag nor digest was given (what a pull would use).
   * Returns {@code null} for a digest-only reference: such a pull uses no tag at all, and inventing
   * "latest" there would misdescribe what runs.
   */
  public String tagOrDefault() {
    if (tag != null) {
      return tag;
    }
    return digest == null ? "latest" : null;
  }

  /** The reference as written: {@code parse(ref.toString())} equals {@code ref}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (registry != null) {
      sb.append(registry).append('/');
    }
    sb.append(repository);
    if (tag != null) {
      sb.append(':').append(tag);
    }
    if (digest != null) {
      sb.append('@').append(digest);
    }
    return sb.toString();
  }

  private static boolean looksLikeRegistry(String component) {
    return component.indexOf('.') >= 0
        || component.indexOf(':') >= 0
        || component.equals("localhost");
  }

  // Checked up front so that a stray space or a look-alike Unicode letter gets a precise
  // message instead of a vague "invalid component" from the grammar below.
  private static void checkCharacters(String ref) {
    for (int i = 0; i < ref.length(); i++) {
      char c = ref.charAt(i);
      if (c <= ' ' || c == 0x7F) {
        throw invalid(
            "must not contain whitespace or control characters (found "
                + describe(c)
                + " at position "
                + i
                + ")");
      }
      if (c > '~') {
        throw invalid(
            String.format(
                Locale.ROOT,
                "must contain only ASCII characters (found U+%04X at position %d)",
                (int) c,
                i));
      }
    }
  }

  private static String describe(char c) {
    return switch (c) {
      case ' ' -> "a space";
      case '\t' -> "a tab";
      case '\n' -> "a newline";
      case '\r' -> "a carriage return";
      default -> String.format(Locale.ROOT, "U+%04X", (int) c);
    };
  }

  private static void checkRegistry(String registry) {
    String host = registry;
    String port = null;
    int colon = registry.indexOf(':');
    if (colon >= 0) {
      host = registry.substring(0, colon);
      port = registry.substring(colon + 1);
    }
    if (!isDomainName(host)) {
      throw invalid(
          "registry host "
              + quote(host)
              + " is invalid: use labels of letters, digits and inner"
              + " '-', joined by single '.' (IPv6 literals are not supported)");
    }
    if (port != null && !isPort(port)) {
      throw invalid("registry port " + quote(port) + " must be a number from 1 to 65535");
    }
    if (!looksLikeRegistry(registry)) {
      throw invalid(
          "registry "
              + quote(registry)
              + " must contain '.' or ':port' or be 'localhost',"
              + " otherwise it would be read back as part of the repository path");
    }
  }

  private static boolean isDomainName(String host) {
    if (host.isEmpty()) {
      return false;
    }
    for (String label : host.split("\\.", -1)) {
      if (!DOMAIN_COMPONENT.matcher(label).matches()) {
        return false;
      }
    }
    return true;
  }

  // The grammar only says "digits"; a port outside 1..65535 can never be reached, so reject it.
  private static boolean isPort(String port) {
    if (!PORT.matcher(port).matches()) {
      return false;
    }
    int value = Integer.parseInt(port);
    return value >= 1 && value <= 65535;
  }

  private static void checkSlashes(String path) {
    if (path.startsWith("/")) {
      throw invalid("must not start with '/'");
    }
    if (path.endsWith("/")) {
      throw invalid("must not end with '/'");
    }
    if (path.contains("//")) {
      throw invalid("must not contain '//' (an empty path component)");
    }
  }

  private static void checkRepository(String repository) {
    checkSlashes(repository);
    for (String component : repository.split("/", -1)) {
      if (PATH_COMPONENT.matcher(component).matches()) {
        continue;
      }
      if (!component.equals(component.toLowerCase(Locale.ROOT))) {
        throw invalid(
            "repository must be lowercase (path component "
                + quote(component)
                + " has uppercase letters)");
      }
      if (component.indexOf(':') >= 0) {
        throw invalid(
            "unexpected ':' in "
                + quote(component)
                + ": only one ':tag' is allowed, and a"
                + " ':port' must belong to a registry host followed by '/'");
      }
      throw invalid(
          "path component "
              + quote(component)
              + " is invalid: use lowercase letters and"
              + " digits separated by a single '.', '_' or '__', or by one or more '-', with no"
              + " separator at the start or end");
    }
  }

  private static void checkTag(String tag) {
    if (tag.length() > MAX_TAG_LENGTH) {
      throw invalid(
          "tag must be at most " + MAX_TAG_LENGTH + " characters (got " + tag.length() + ")");
    }
    if (!TAG.matcher(tag).matches()) {
      throw invalid(
          "tag "
              + quote(tag)
              + " is invalid: it must start with a letter, digit or '_'"
              + " and contain only letters, digits, '_', '.' and '-'");
    }
  }

  private static void checkDigest(String digest) {
    int colon = digest.indexOf(':');
    if (colon < 0) {
      throw invalid("digest " + quote(digest) + " must look like sha256:<64 lowercase hex>");
    }
    String algorithm = digest.substring(0, colon);
    String hex = digest.substring(colon + 1);
    Integer expected = DIGEST_HEX_LENGTHS.get(algorithm);
    if (expected == null) {
      throw invalid(
          "digest algorithm " + quote(algorithm) + " is not supported; use sha256 or sha512");
    }
    if (hex.length() != expected || !LOWER_HEX.matcher(hex).matches()) {
      throw invalid(
          algorithm + " digest must be exactly " + expected + " lowercase hex characters");
    }
  }

  // Echoes user input back in messages, but keeps a hostile multi-kilobyte value from bloating
  // them.
  private static String quote(String s) {
    return "'" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "'";
  }

  private static ValidationException invalid(String message) {
    return new ValidationException(FIELD, message);
  }
}
