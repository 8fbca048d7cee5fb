package io.ctrlplane.webhooks;

import io.ctrlplane.deploy.FieldError;
import io.ctrlplane.deploy.ValidationException;
import io.ctrlplane.events.DeployEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Validates {@code POST /v1/webhooks} bodies: {@code url} (http or https only), {@code event_types}
 * (known types; all of them when omitted), {@code secret} (the HMAC key; generated when omitted).
 * Every problem is reported at once. Messages never echo the secret.
 */
public final class WebhookRequest {
  static final int MAX_URL_LENGTH = 2048;
  static final int MIN_SECRET = 16;
  static final int MAX_SECRET = 256;
  private static final Set<String> FIELDS = Set.of("url", "event_types", "secret");
  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookRequest() {}

  /** The normalised subscription: url, event_types, secret, and secret_generated. */
  public static JsonObject validate(JsonObject in) {
    List<FieldError> errors = new ArrayList<>();
    in.fieldNames().stream()
        .filter(f -> !FIELDS.contains(f))
        .sorted()
        .forEach(
            f ->
                errors.add(
                    new FieldError(
                        f, "unknown field; expected some of [event_types, secret, url]")));
    String url = url(in.getValue("url"), errors);
    List<String> types = eventTypes(in.getValue("event_types"), errors);
    Object rawSecret = in.getValue("secret");
    String secret = secret(rawSecret, errors);
    if (!errors.isEmpty()) {
      throw new ValidationException(errors);
    }
    boolean generated = rawSecret == null;
    return new JsonObject()
        .put("url", url)
        .put("event_types", new JsonArray(types))
        .put("secret", generated ? generateSecret() : secret)
        .put("secret_generated", generated);
  }

  private static String url(Object value, List<FieldError> errors) {
    if (!(value instanceof String raw) || raw.isBlank()) {
      errors.add(new FieldError("url", value == null ? "is required" : "must be a string"));
      return null;
    }
    if (raw.length() > MAX_URL_LENGTH) {
      errors.add(new FieldError("url", "must be at most " + MAX_URL_LENGTH + " characters"));
      return null;
    }
    URI uri;
    String trimmed = raw.trim();
    try {
      uri = new URI(trimmed);
    } catch (URISyntaxException e) {
      errors.add(new FieldError("url", "is not a valid URL"));
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      errors.add(
          new FieldError(
              "url",
              "must be an http:// or https:// URL"
                  + (scheme.isEmpty() ? "" : " (got scheme '" + scheme + "')")));
    } else if (uri.getHost() == null || uri.getHost().isBlank()) {
      errors.add(new FieldError("url", "must name a host"));
    } else if (uri.getRawUserInfo() != null) {
      errors.add(
          new FieldError(
              "url",
              "must not carry credentials; receivers authenticate deliveries by their signature"));
    } else if (uri.getRawFragment() != null) {
      errors.add(new FieldError("url", "must not have a #fragment"));
    }
    // lowercase the scheme (HTTP://… is legal) without re-encoding the rest of the URL
    return scheme + trimmed.substring(scheme.length());
  }

  private static List<String> eventTypes(Object value, List<FieldError> errors) {
    if (value == null) {
      return DeployEvent.TYPES;
    }
    if (!(value instanceof JsonArray array) || array.isEmpty()) {
      errors.add(
          new FieldError(
              "event_types",
              "must be a non-empty array of event types, some of " + DeployEvent.TYPES));
      return List.of();
    }
    Set<String> types = new LinkedHashSet<>();
    for (int i = 0; i < array.size(); i++) {
      Object t = array.getValue(i);
      if (t instanceof String s && DeployEvent.TYPES.contains(s)) {
        types.add(s);
      } else {
        errors.add(new FieldError("event_types[" + i + "]", "must be one of " + DeployEvent.TYPES));
      }
    }
    return List.copyOf(types);
  }

  private static String secret(Object value, List<FieldError> errors) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      errors.add(new FieldError("secret", "must be a string"));
      return null;
    }
    if (s.length() < MIN_SECRET || s.length() > MAX_SECRET) {
      errors.add(
          new FieldError("secret", "must be " + MIN_SECRET + " to " + MAX_SECRET + " characters"));
    }
    return s;
  }

  static String generateSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
