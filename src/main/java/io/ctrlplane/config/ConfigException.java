package io.ctrlplane.config;

/**
 * A problem the operator fixes by changing a setting. Its message is one line that names the
 * problem and the setting (environment variable or config key) to change.
 */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
